// src/gen/client.ts: the typed REST methods of the SDK's Client, one per RPC of service.proto.
// This file holds their types and a table saying how each maps its arguments onto its route's
// request; src/client.ts installs the methods from that table.

import { camel, doc, fieldsOf, header, listOf, service, tsType } from "./proto.mjs";
import { httpRule, methodName } from "./routes.mjs";

const MODES = ["options", "required", "separate"];

/** How an RPC appears as a Client method, from its `(herald.options.client)` rule and defaults. */
function clientRule(m) {
  const rule = m.parsedOptions?.find((o) => o["(herald.options.client)"])?.["(herald.options.client)"] ?? {};
  if (rule.manual) return undefined;
  const http = httpRule(m);
  if (http.auth === "basic")
    throw new Error(`${m.name}: routes with the server key need a hand-written method`);
  const req = m.resolvedRequestType;
  const words = (s) => (s ? s.trim().split(/\s+/) : []);
  const field = (name) => {
    const f = req.fields[name];
    if (!f) throw new Error(`${m.name}: (herald.options.client) names ${name}, which ${req.name} lacks`);
    return f;
  };
  const args = rule.args ? words(rule.args).map(field) : http.pathParams.map(field);
  const rest = fieldsOf(req).filter((f) => !args.includes(f));
  const mode = rest.length === 0 ? "none" : rule.fields || (http.body === "*" ? "separate" : "options");
  if (mode !== "none" && !MODES.includes(mode))
    throw new Error(`${m.name}: fields "${mode}" is not one of ${MODES}`);
  const required = words(rule.required).map(field);
  const defaults = {};
  for (const pair of words(rule.defaults)) {
    const at = pair.indexOf("=");
    defaults[camel(field(pair.slice(0, at)).name)] = JSON.parse(pair.slice(at + 1));
  }
  if (http.auth !== "bearer" && http.auth !== "none")
    throw new Error(`${m.name}: auth ${http.auth} unknown to src/client.ts`);
  return { session: http.auth === "bearer", args, rest, mode, required, defaults };
}

const fieldType = (f) => (f.repeated && !f.map ? listOf(tsType(f, "init"), true) : tsType(f, "init"));

export function clientTs() {
  const types = [];
  const members = [];
  const table = [];
  const wire = new Set();
  const model = new Set();
  for (const m of service.methodsArray) {
    const rule = clientRule(m);
    if (!rule) continue;
    const name = methodName(m);
    const req = m.resolvedRequestType.name;
    const res = m.resolvedResponseType.name;
    const params = [];
    if (rule.session) params.push("session: Session");
    for (const f of rule.args) params.push(`${camel(f.name)}: ${fieldType(f)}`);
    const notes = Object.entries(rule.defaults).map(([k, v]) => `\`${k}\` ${JSON.stringify(v)}`);
    if (rule.mode === "none") {
      params.push("options?: CallOptions");
    } else {
      wire.add(`${req}Init`);
      const typeName = `${m.name}${rule.mode === "separate" ? "Fields" : "Options"}`;
      const omit = rule.args.map((f) => JSON.stringify(camel(f.name)));
      let type = omit.length ? `Omit<${req}Init, ${omit.join(" | ")}>` : `${req}Init`;
      if (rule.required.length) {
        type += ` & { ${rule.required.map((f) => `${camel(f.name)}: ${fieldType(f)}`).join("; ")} }`;
      }
      if (rule.mode !== "separate") type += " & CallOptions";
      const what =
        rule.mode === "separate"
          ? `The request fields of {@link ClientMethods.${name}}.`
          : `Options of {@link ClientMethods.${name}}: its request fields, and \`signal\` and \`timeoutMs\`.`;
      const defaultsNote = notes.length ? ` Left out, these are sent: ${notes.join(", ")}.` : "";
      types.push(`/** ${what}${defaultsNote} */\nexport type ${typeName} = ${type};\n`);
      if (rule.mode === "separate") params.push(`fields: ${typeName}`, "options?: CallOptions");
      else params.push(`options${rule.mode === "required" ? "" : "?"}: ${typeName}`);
    }
    for (const f of rule.args) if (f.resolvedType && !f.resolvedType.values) wire.add(tsType(f, "init"));
    const result = res === "Empty" ? "void" : res;
    if (res !== "Empty") model.add(res);
    members.push(`${doc(m.comment, "  ")}  ${name}(${params.join(", ")}): Promise<${result}>;`);
    // Only what differs from the defaults src/client.ts assumes: the session whenever the route
    // takes a bearer token, the path's fields as positional arguments, no other fields.
    const args = rule.args.map((f) => camel(f.name));
    const spec = {};
    if (args.join() !== httpRule(m).pathParams.map(camel).join()) spec.args = args;
    if (rule.mode !== "none") spec.fields = rule.mode;
    if (rule.required.length) spec.required = rule.required.map((f) => camel(f.name));
    if (Object.keys(rule.defaults).length) spec.defaults = rule.defaults;
    table.push(`  ${name}: ${JSON.stringify(spec)},`);
  }
  return `${header("client.mjs")}
import type { CallOptions } from "../call-options.js";
import type { Session } from "../session.js";
import type { ${[...model].sort().join(", ")} } from "./model.js";
import type { RouteName } from "./routes.js";
import type { ${[...wire].sort().join(", ")} } from "./wire.js";

/**
 * How a generated Client method takes its arguments. Its route has the method's name; the first
 * argument is the session whose token the call sends when the route takes a bearer token.
 */
export interface ClientMethodSpec {
  /**
   * Request fields (camelCase) taken as positional arguments, in order, after the session.
   * @default the route's path fields
   */
  readonly args?: readonly string[];
  /**
   * Where the other request fields come from: \`"options"\` the last argument, beside \`signal\` and
   * \`timeoutMs\`; \`"required"\` the same, but it must be given; \`"separate"\` an argument of their
   * own before the call options; \`"none"\` there are none.
   * @default "none"
   */
  readonly fields?: "options" | "required" | "separate" | "none";
  /** Request fields (camelCase) the caller must give, besides positional ones. @default [] */
  readonly required?: readonly string[];
  /** Values sent for request fields the caller leaves out. @default {} */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

${types.join("\n")}
/**
 * The Client's REST methods made from service.proto: one per RPC. Each rejects only with a
 * HeraldError (\`bad_input\` for arguments it cannot send) and takes \`{ signal, timeoutMs }\` last
 * or inside its options object.
 */
export interface ClientMethods {
${members.join("\n")}
}

/** How each generated method maps its arguments onto its route's request. */
export const clientMethods: Readonly<Record<keyof ClientMethods & RouteName, ClientMethodSpec>> = {
${table.join("\n")}
};
`;
}
