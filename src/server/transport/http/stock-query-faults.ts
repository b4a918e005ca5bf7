import { HeraldError } from "../../../errors.js";
import { type RouteName, routes } from "../../../gen/routes.js";
import { K, messageInfo } from "../../../protocol/schema.js";

// How stock Nakama's HTTP gateway (grpc-gateway) reads a query string, for stock mode. A route whose
// request has fields outside its path and body parses the query with Go's url.ParseQuery and
// answers its error as a bad argument; other routes never read the query. ParseQuery does not
// check that escapes spell UTF-8: such a value reaches a string field, and the gateway's gRPC
// client then fails to encode the request (proto3 strings must be UTF-8), which the gateway
// answers as an internal error.

/**
 * Stock's refusal of a request holding a string that is not UTF-8 (from the query or the path):
 * HTTP 500, code 13, as its gateway's gRPC client cannot encode the request.
 */
export function stockNotUtf8(): HeraldError {
  return new HeraldError("bad_input", "grpc: error while marshaling: string field contains invalid UTF-8", {
    serverCode: 13,
    status: 500,
  });
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** The bad escape in `text` as Go's url.EscapeError words it, or undefined. */
function badEscape(text: string): string | undefined {
  for (let i = text.indexOf("%"); i !== -1; i = text.indexOf("%", i + 1)) {
    if (i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) continue;
    return `invalid URL escape ${JSON.stringify(text.slice(i, i + 3))}`;
  }
  return undefined;
}

/** Whether the escapes of `text` (checked by {@link badEscape}) spell UTF-8 text. */
function spellsUtf8(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The query's pieces (`key=value`), split as url.ParseQuery splits them. */
function pieces(search: string): string[] {
  const query = search.startsWith("?") ? search.slice(1) : search;
  return query === "" ? [] : query.split("&").filter((piece) => piece !== "");
}

/**
 * The refusal stock's gateway gives the query string of a request for `route`, before reading any
 * parameter: a `;` in the query, or a `%` not followed by two hex digits (400, code 3, Go's
 * words). Undefined when the query reads, and always for a route that takes no query parameters.
 */
export function stockQueryParseFault(route: RouteName, search: string): HeraldError | undefined {
  if (routes[route].query.length === 0 || search.length <= 1) return undefined;
  let fault: string | undefined;
  for (const piece of pieces(search)) {
    // Go refuses a semicolon wherever it is, after any other fault: its words win.
    if (piece.includes(";")) {
      fault = "invalid semicolon separator in query";
      continue;
    }
    if (fault !== undefined) continue;
    const at = piece.indexOf("=");
    fault =
      badEscape(at === -1 ? piece : piece.slice(0, at)) ??
      (at === -1 ? undefined : badEscape(piece.slice(at + 1)));
  }
  return fault === undefined
    ? undefined
    : new HeraldError("bad_input", fault, { serverCode: 3, status: 400 });
}

/**
 * The refusal stock gives a query whose escapes in a string parameter of `route` do not spell
 * UTF-8 (`%FF`): HTTP 500, code 13, as its gateway fails to pass the value on. Parameters the route
 * does not take are ignored, as stock ignores them. Call after the parameters were read (their
 * other faults come first on stock).
 */
export function stockQueryMarshalFault(route: RouteName, search: string): HeraldError | undefined {
  const spec = routes[route];
  if (spec.query.length === 0 || !search.includes("%")) return undefined;
  const info = messageInfo(spec.request);
  for (const piece of pieces(search)) {
    const at = piece.indexOf("=");
    if (at === -1 || spellsUtf8(piece.slice(at + 1))) continue;
    const key = piece.slice(0, at).replace(/\+/g, " ");
    if (!spellsUtf8(key)) continue;
    const field = info.lookup[decodeURIComponent(key)];
    if (field === undefined || !spec.query.includes(field.name)) continue;
    if (field.k === K.s || field.k === K.ws) return stockNotUtf8();
  }
  return undefined;
}
