/**
 * One table of error codes for the SDK and the server: each {@link HeraldErrorCode} with the gRPC
 * (and realtime) code and the HTTP status it travels as. Every mapping in either direction reads
 * this table.
 */

/**
 * Stable string codes of `HeraldError`. Switch on these rather than on messages.
 *
 * - `timeout`: the call did not finish within its `timeoutMs` (or the server said DEADLINE_EXCEEDED).
 * - `aborted`: the caller's `AbortSignal` fired.
 * - `disconnected`: the socket closed before the call finished.
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

// The code a received gRPC/realtime number means. Realtime 1 (unrecognized payload) and
// 2 (missing payload) are bad input too. Several codes share 8; it reads as resource_exhausted.
const byGrpc: Readonly<Record<number, HeraldErrorCode>> = {
  1: "bad_input",
  2: "bad_input",
  3: "bad_input",
  4: "timeout",
  5: "not_found",
  6: "already_exists",
  7: "permission_denied",
  8: "resource_exhausted",
  12: "unsupported",
  16: "unauthenticated",
};

/** The error code for a server's numeric (gRPC or realtime) code. */
export function codeForServer(serverCode: number): HeraldErrorCode {
  return byGrpc[serverCode] ?? "server_error";
}

/**
 * Where herald's server puts its precise error code when the wire carries stock Nakama's: the key
 * in a realtime `error` envelope's `context` map, and an extra field of REST error bodies. Stock
 * clients ignore it; herald's SDK prefers it.
 */
export const PRECISE_CODE_KEY = "herald_code";

const known = new Set<string>(Object.keys(wireCodes));

/** True for a string that is one of the error codes (checks a precise code read off the wire). */
export function isHeraldErrorCode(value: unknown): value is HeraldErrorCode {
  return typeof value === "string" && known.has(value);
}
