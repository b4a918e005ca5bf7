/**
 * Stable string codes of {@link HeraldError}. Switch on these rather than on messages.
 *
 * - `timeout`: the call did not finish within its `timeoutMs` (or the server said DEADLINE_EXCEEDED).
 * - `aborted`: the caller's `AbortSignal` fired.
 * - `disconnected`: the socket closed before the call finished.
 * - `bad_input`: the request was refused as malformed or invalid (client- or server-side).
 * - `unauthenticated`: missing, expired, revoked or invalid credentials.
 * - `permission_denied`: authenticated, but not allowed (e.g. not a group member).
 * - `not_found`: the thing asked for does not exist.
 * - `already_exists`: the thing to create exists already (e.g. a username taken).
 * - `resource_exhausted`: a limit was hit (size, rate, a full queue).
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
  | "unsupported"
  | "overflow"
  | "server_error";

export interface HeraldErrorOptions {
  /** The server's numeric code: a realtime error code or a gRPC status code. */
  serverCode?: number | undefined;
  /** The HTTP status of a REST reply. */
  status?: number | undefined;
  cause?: unknown;
}

const BRAND = Symbol.for("herald.HeraldError");

/** The one error type herald throws or rejects with. */
export class HeraldError extends Error {
  override readonly name = "HeraldError";
  readonly code: HeraldErrorCode;
  /** The server's numeric code (realtime error code or gRPC status), when the server sent one. */
  readonly serverCode: number | undefined;
  /** HTTP status of a failed REST call. */
  readonly status: number | undefined;

  constructor(code: HeraldErrorCode, message: string, options: HeraldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.serverCode = options.serverCode;
    this.status = options.status;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True for any HeraldError, also one made by another copy of herald in the same app (a second
   * bundle), where `instanceof` would say false. Optionally checks the code too.
   */
  static is(value: unknown, code?: HeraldErrorCode): value is HeraldError {
    if (typeof value !== "object" || value === null || !(value as Record<symbol, unknown>)[BRAND]) {
      return false;
    }
    return code === undefined || (value as HeraldError).code === code;
  }

  /**
   * The error for a server's numeric code. Realtime error codes and gRPC status codes share this
   * mapping: 3 (and realtime 1, 2) bad input, 4 timeout, 5 not found, 6 already exists,
   * 7 permission denied, 8 resource exhausted, 12 unsupported, 16 unauthenticated.
   */
  static fromServer(
    serverCode: number,
    message: string,
    options: Omit<HeraldErrorOptions, "serverCode"> = {},
  ) {
    return new HeraldError(codeForServer(serverCode), message, { ...options, serverCode });
  }
}

function codeForServer(serverCode: number): HeraldErrorCode {
  switch (serverCode) {
    case 1:
    case 2:
    case 3:
      return "bad_input";
    case 4:
      return "timeout";
    case 5:
      return "not_found";
    case 6:
      return "already_exists";
    case 7:
      return "permission_denied";
    case 8:
      return "resource_exhausted";
    case 12:
      return "unsupported";
    case 16:
      return "unauthenticated";
    default:
      return "server_error";
  }
}

/** The gRPC status code herald's server sends for each error code (the inverse of the mapping above). */
export const grpcCodeOf: Readonly<Record<HeraldErrorCode, number>> = {
  aborted: 10,
  timeout: 4,
  disconnected: 14,
  bad_input: 3,
  unauthenticated: 16,
  permission_denied: 7,
  not_found: 5,
  already_exists: 6,
  resource_exhausted: 8,
  unsupported: 12,
  overflow: 8,
  server_error: 13,
};
