// src/gen/routes.ts: the REST route table, read by the SDK's Client and the bundled server alike.
import { camel, doc, fieldsOf, header, service } from "./proto.mjs";

/** The `(herald.options.http)` rule of an RPC, checked against its request message. */
export function httpRule(m) {
  const rule = m.parsedOptions?.find((o) => o["(herald.options.http)"])?.["(herald.options.http)"];
  if (!rule) throw new Error(`rpc ${m.name} has no (herald.options.http) option`);
  const req = m.resolvedRequestType;
  const pathParams = [...rule.path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
  for (const p of pathParams) {
    if (!req.fields[p]) throw new Error(`${m.name}: path field {${p}} is not in ${req.name}`);
  }
  const body = rule.body ?? "";
  if (body && body !== "*" && !req.fields[body]) throw new Error(`${m.name}: body field ${body} missing`);
  if (body && rule.method === "GET") throw new Error(`${m.name}: a GET route cannot have a body`);
  if (!["basic", "bearer", "none"].includes(rule.auth)) throw new Error(`${m.name}: bad auth ${rule.auth}`);
  const query =
    body === "*"
      ? []
      : fieldsOf(req)
          .map((f) => f.name)
          .filter((n) => !pathParams.includes(n) && n !== body);
  return { method: rule.method, path: rule.path, pathParams, query, body, auth: rule.auth };
}

/** `ListGroupUsers` as `listGroupUsers`: the route's and the Client method's name. */
export const methodName = (m) => camel(m.name.charAt(0).toLowerCase() + m.name.slice(1));

export function routesTs() {
  const entries = [];
  const types = [];
  const used = new Set();
  for (const m of service.methodsArray) {
    const rule = httpRule(m);
    const req = m.resolvedRequestType.name;
    const res = m.resolvedResponseType.name;
    // One line per route, read by src/protocol/route-table.ts: path parameters come from the
    // path's {...} segments and query parameters are the request's other fields, so neither is
    // written out (a browser bundle carries every route).
    const line = [rule.method, rule.path, rule.body || "-", rule.auth, req, res].join(" ");
    entries.push(`${doc(m.comment, "  ")}  ${methodName(m)}: ${JSON.stringify(line)},`);
    types.push(
      `  ${methodName(m)}: { request: ${req}Init; decoded: ${req}; response: ${res}; responseInit: ${res}Init; requestName: "${req}"; responseName: "${res}" };`,
    );
    for (const name of [req, `${req}Init`, res, `${res}Init`]) used.add(name);
  }
  return `${header("routes.mjs")}
import { readRoutes } from "../protocol/route-table.js";
import type { MessageName } from "./schema.js";
import type { ${[...used].sort().join(", ")} } from "./wire.js";

/** One REST route: HTTP method, path template, where each request field goes, and credentials. */
export interface RouteSpec {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  /** Request fields (snake_case) filled into \`{...}\` path segments. */
  readonly pathParams: readonly string[];
  /** Request fields (snake_case) sent as query parameters. */
  readonly query: readonly string[];
  /** "*" = the whole request is the JSON body; a field name = that field is; "" = no body. */
  readonly body: string;
  readonly auth: "basic" | "bearer" | "none";
  readonly request: MessageName;
  readonly response: MessageName;
}

// "METHOD path body auth Request Response", body "-" for none.
const table = {
${entries.join("\n")}
} as const;

/** An RPC's name, camelCase: the key of its route and of its Client method. */
export type RouteName = keyof typeof table;

/** Every REST route, by RPC name. */
export const routes: Readonly<Record<RouteName, RouteSpec>> = /* @__PURE__ */ readRoutes(table);

/**
 * Types of each route: \`request\` is what the client encodes, \`decoded\` what the server reads,
 * \`response\` what the client decodes, \`responseInit\` what the server encodes;
 * \`requestName\`/\`responseName\` name the message types (keys of wire.Messages and model.Models).
 */
export interface RouteTypes {
${types.join("\n")}
}
`;
}
