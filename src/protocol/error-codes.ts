/**
 * One table of error codes for the SDK and the server: each {@link HeraldErrorCode} with the gRPC
 * (and realtime) code and the HTTP status it travels as. Every mapping in either direction reads
 * this table.
 */

/**
 * Stable string codes of `HeraldError`. Switch on these rather than on messages.
 *
 * - `timeout`: the call did not finish within its `timeoutMs` (or the server said DEADLINE_EXCEEDED).
 * - `aborted`: the caller's `AbortSignal` fired (or the server aborted the call: gRPC 10 ABORTED).
 * - `disconnected`: the socket closed before the call finished.
 * - `unavailable`: the server could not serve the call just now (gRPC 14 UNAVAILABLE, HTTP 503: its
 *   database busy or unreachable, a cluster peer away); the same call may succeed if tried again.
 * - `bad_input`: the request was refused as malformed or invalid (client- or server-side).
 * - `unauthenticated`: missing, expired, revoked or invalid credentials.
 * - `permission_denied`: authenticated, but not allowed (e.g. not a group member).
 * - `not_found`: the thing asked for does not exist.
 * - `already_exists`: the thing to create exists already (e.g. a username taken).
 * - `resource_exhausted`: a limit was hit (size, a full queue, a count cap).
 * - `rate_limited`: refused for going over a server's rate limit; retry later.
 * - `unsupported`: the server lacks the feature (e.g. a herald extension on stock Nakama).
 * - `overflow`: an event iterator's buffer overflowed because it was not read fast enough.
 * - `server_error`: anything else the server reported, or an unexpected reply.
 */
export type HeraldErrorCode =
  | "timeout"
  | "aborted"
  | "disconnected"
  | "unavailable"
  | "bad_input"
  | "unauthenticated"
  | "permission_denied"
  | "not_found"
  | "already_exists"
  | "resource_exhausted"
  | "rate_limited"
  | "unsupported"
  | "overflow"
  | "server_error";

/** The wire numbers of one error code. */
export interface WireCodes {
  /** gRPC status code; realtime `error` envelopes carry the same number. */
  readonly grpc: number;
  /** HTTP status of a REST error. */
  readonly http: number;
}

/** Each error code with the numbers it is sent as. */
export const wireCodes: Readonly<Record<HeraldErrorCode, WireCodes>> = {
  aborted: { grpc: 10, http: 409 },
  timeout: { grpc: 4, http: 504 },
  disconnected: { grpc: 14, http: 503 },
  unavailable: { grpc: 14, http: 503 },
  bad_input: { grpc: 3, http: 400 },
  unauthenticated: { grpc: 16, http: 401 },
  permission_denied: { grpc: 7, http: 403 },
  not_found: { grpc: 5, http: 404 },
  already_exists: { grpc: 6, http: 409 },
  resource_exhausted: { grpc: 8, http: 429 },
  rate_limited: { grpc: 8, http: 429 },
  unsupported: { grpc: 12, http: 501 },
  overflow: { grpc: 8, http: 429 },
  server_error: { grpc: 13, http: 500 },
};

// The code each gRPC number a server sends means (REST bodies carry gRPC codes; herald's realtime
// errors do too), by number. Where several codes share a number, the one listed here is what it
// reads as; herald's server sends its precise code beside the number.
const byGrpc = [
  "server_error", // 0 OK never travels as an error: a server that sends it is confused
  "server_error", // 1 CANCELLED: the server gave up the call itself
  "server_error", // 2 UNKNOWN
  "bad_input", // 3 INVALID_ARGUMENT
  "timeout", // 4 DEADLINE_EXCEEDED
  "not_found", // 5
  "already_exists", // 6
  "permission_denied", // 7
  "resource_exhausted", // 8
  "bad_input", // 9 FAILED_PRECONDITION: not possible in the current state, as asked
  "aborted", // 10 ABORTED: a concurrent change won
  "bad_input", // 11 OUT_OF_RANGE
  "unsupported", // 12 UNIMPLEMENTED
  "server_error", // 13 INTERNAL
  "unavailable", // 14
  "server_error", // 15 DATA_LOSS
  "unauthenticated", // 16
] as const satisfies readonly HeraldErrorCode[];

// The codes no gRPC number reads as. A Record, so that the compiler asks for every code that is
// missing from both lists; `wireCodes` itself is left to the server, and out of browser bundles.
const unnumbered: Record<Exclude<HeraldErrorCode, (typeof byGrpc)[number]>, 0> = {
  disconnected: 0,
  rate_limited: 0,
  overflow: 0,
};

/** Where a numeric error code came from: a REST reply (gRPC code) or a realtime `error` envelope. */
export type ServerCodeSource = "rest" | "realtime";

/**
 * The error code for a server's numeric code: a gRPC code in a REST body, or the code of a realtime
 * `error` envelope (`source: "realtime"`). Unknown numbers read as `server_error`.
 */
export function codeForServer(serverCode: number, source: ServerCodeSource = "rest"): HeraldErrorCode {
  // A realtime `error` envelope's own codes differ from gRPC's below 3: 0 RUNTIME_EXCEPTION,
  // 1 UNRECOGNIZED_PAYLOAD, 2 MISSING_PAYLOAD. Stock Nakama's other realtime codes (4 to 7) are for
  // matches and RPCs, which this protocol does not use; herald's server sends gRPC numbers there.
  if (source === "realtime" && (serverCode === 1 || serverCode === 2)) return "bad_input";
  return byGrpc[serverCode] ?? "server_error";
}

/**
 * The codes worth trying the same call again for, after a pause: the server was busy or away, or
 * the connection or time ran out. A refusal of the request itself (`bad_input`, ...) is not.
 */
export const retryableCodes: ReadonlySet<HeraldErrorCode> = new Set<HeraldErrorCode>([
  "unavailable",
  "rate_limited",
  "timeout",
  "disconnected",
]);

/**
 * Where herald's server puts its precise error code when the wire carries stock Nakama's: the key
 * in a realtime `error` envelope's `context` map, and an extra field of REST error bodies. Stock
 * clients ignore it; herald's SDK prefers it.
 */
export const PRECISE_CODE_KEY = "herald_code";

const known = new Set<string>([...byGrpc, ...Object.keys(unnumbered)]);

/** True for a string that is one of the error codes (checks a precise code read off the wire). */
export function isHeraldErrorCode(value: unknown): value is HeraldErrorCode {
  return typeof value === "string" && known.has(value);
}
