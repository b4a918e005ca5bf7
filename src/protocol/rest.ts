import { type RouteName, type RouteTypes, routes } from "../gen/routes.js";
import type { MessageName } from "../gen/schema.js";
import type { DecodeOptions } from "./codec.js";
import { checkArray, encodeMessageJson, fail, messageFromJson, valueText } from "./json-codec.js";
import { camelCase, type FieldInfo, K, messageInfo } from "./schema.js";
import { parseTimestamp } from "./timestamp.js";

// How a route's request message maps onto an HTTP request, in both directions: the SDK's Client
// builds requests with `buildRestRequest`, the bundled server reads them with `parseRestRequest`.
// Both follow the generated route table, so a route is declared once (in proto/herald/service.proto).

type Obj = Record<string, unknown>;

/** An HTTP request for a route: method, path with query string, and JSON body text if any. */
export interface RestRequestParts {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path and query, e.g. `/v2/channel/2...lobby?limit=10&forward=true`. */
  path: string;
  body: string | undefined;
}

/**
 * A query parameter's text. It is checked and written by the JSON encoder (String() would send
 * anything), whose JSON text of a scalar, unquoted, is the bare value a query carries.
 */
function queryValue(field: FieldInfo, v: unknown): string {
  if (field.k >= K.M) fail(`${field.name} cannot be sent as a query parameter`);
  return String(JSON.parse(valueText(field, v, true) as string));
}

/** Builds the HTTP request of a route from its request message (camelCase, as RouteTypes says). */
export function buildRestRequest<N extends RouteName>(
  name: N,
  request: RouteTypes[N]["request"],
): RestRequestParts {
  const route = routes[name];
  const info = messageInfo(route.request);
  const req = request as Obj;
  let path: string = route.path;
  for (const p of route.pathParams) {
    const v = req[camelCase(p)];
    if (typeof v !== "string" || v === "") fail(`${name}: ${camelCase(p)} is required`);
    path = path.replace(`{${p}}`, encodeURIComponent(v));
  }
  // Built by hand rather than with URLSearchParams, which React Native implements only in part.
  const query: string[] = [];
  const add = (key: string, value: string) => query.push(`${key}=${encodeURIComponent(value)}`);
  for (const q of route.query) {
    const field = info.lookup[q] as FieldInfo;
    const v = req[field.camel];
    if (v === undefined || v === null) continue;
    if (field.repeated) {
      checkArray(field.camel, v);
      for (const item of v) add(q, queryValue(field, item));
    } else if (!(field.k === K.s && v === "")) {
      add(q, queryValue(field, v));
    }
  }
  let body: string | undefined;
  if (route.body === "*") {
    const rest: Obj = { ...req };
    for (const p of route.pathParams) delete rest[camelCase(p)];
    body = encodeMessageJson(route.request, rest);
  } else if (route.body) {
    const field = info.lookup[route.body] as FieldInfo;
    body = encodeMessageJson(field.type as MessageName, (req[field.camel] ?? {}) as Obj);
  } else if (route.method !== "GET" && route.method !== "DELETE") {
    body = "{}";
  }
  return { method: route.method, path: query.length ? `${path}?${query.join("&")}` : path, body };
}

function parseQueryValue(field: FieldInfo, raw: string): unknown {
  const where = `query parameter ${field.name}`;
  switch (field.k) {
    case K.s:
    case K.ws:
      return raw;
    case K.b:
    case K.wb:
      // The spellings an HTTP gateway's boolean parser takes (Go's strconv.ParseBool).
      if (/^(?:true|True|TRUE|t|T|1)$/.test(raw)) return true;
      if (/^(?:false|False|FALSE|f|F|0)$/.test(raw)) return false;
      return fail(`${where}: expected true or false, got "${raw}"`);
    case K.i:
    case K.wi: {
      // Decimal digits only: Number() alone would read " 5", "1e1", "0x10" and "5.0" as well.
      const n = Number(raw);
      if (!/^[+-]?\d+$/.test(raw) || (n | 0) !== n) fail(`${where}: expected a 32-bit integer, got "${raw}"`);
      return n;
    }
    case K.t:
      return parseTimestamp(raw) ?? fail(`${where}: expected an RFC 3339 timestamp`);
    default:
      return fail(`${where} is not supported`);
  }
}

/**
 * Reads a route's request message from an HTTP request: path values (already URL-decoded), query
 * parameters and the body text. Throws HeraldError `bad_input` for malformed input; a body field
 * the message does not have is refused too, unless `options.ignoreUnknown` (then it is skipped).
 */
export function parseRestRequest<N extends RouteName>(
  name: N,
  pathValues: Readonly<Record<string, string>>,
  query: URLSearchParams,
  bodyText: string | undefined,
  options: DecodeOptions = {},
): RouteTypes[N]["decoded"] {
  const route = routes[name];
  const info = messageInfo(route.request);
  let parsedBody: unknown = {};
  if (route.body && bodyText !== undefined && bodyText.trim() !== "") {
    try {
      parsedBody = JSON.parse(bodyText);
    } catch (cause) {
      fail("request body is not valid JSON", 3, cause);
    }
  }
  let out: Obj;
  if (route.body === "*") {
    out = messageFromJson(route.request, parsedBody, options, "body");
  } else {
    out = messageFromJson(route.request, {});
    if (route.body) {
      const field = info.lookup[route.body] as FieldInfo;
      out[field.camel] = messageFromJson(field.type as MessageName, parsedBody, options, "body");
    }
  }
  for (const p of route.pathParams) out[camelCase(p)] = pathValues[p] ?? "";
  const allowed = new Set<string>(route.query);
  const given = new Map<FieldInfo, string[]>();
  for (const key of new Set(query.keys())) {
    const field = info.lookup[key];
    // Parameters a route does not take are ignored, as HTTP gateways do (cache busters and the like).
    if (!field || !allowed.has(field.name)) continue;
    // Both spellings (user_ids, userIds) add to one field, as the gateway adds each key's values.
    given.set(field, (given.get(field) ?? []).concat(query.getAll(key)));
  }
  for (const [field, values] of given) {
    if (field.repeated) {
      // An empty value (`?ids=`) is a value, as the gateway reads it: the service refuses it in its words.
      out[field.camel] = values.map((v) => parseQueryValue(field, v));
    } else {
      // As grpc-gateway does: a single-value field given twice is refused, not read as one of them.
      if (values.length > 1) fail(`too many values for field "${field.name}": ${values.join(", ")}`);
      out[field.camel] = parseQueryValue(field, values[0] ?? "");
    }
  }
  return out as unknown as RouteTypes[N]["decoded"];
}

/** Encodes a route's response message as JSON text (server side). */
export function encodeRestResponse<N extends RouteName>(
  name: N,
  response: RouteTypes[N]["responseInit"],
): string {
  return encodeMessageJson(routes[name].response, response);
}

/** Decodes a route's JSON response (client side). Unknown fields from newer servers are skipped. */
export function decodeRestResponse<N extends RouteName>(name: N, json: unknown): RouteTypes[N]["response"] {
  return messageFromJson(routes[name].response, json, { ignoreUnknown: true }, "response");
}
