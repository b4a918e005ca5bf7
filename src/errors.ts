import { codeForServer, type HeraldErrorCode, isHeraldErrorCode, wireCodes } from "./protocol/error-codes.js";

export type { HeraldErrorCode } from "./protocol/error-codes.js";

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
   * mapping (src/protocol/error-codes.ts): 3 (and realtime 1, 2) bad input, 4 timeout, 5 not found,
   * 6 already exists, 7 permission denied, 8 resource exhausted, 12 unsupported, 16
   * unauthenticated. `precise` is herald's own code where the server sent one beside stock
   * Nakama's number (the `herald_code` of an error's context or REST body); it wins when valid.
   */
  static fromServer(
    serverCode: number,
    message: string,
    options: Omit<HeraldErrorOptions, "serverCode"> & { precise?: unknown } = {},
  ): HeraldError {
    const { precise, ...rest } = options;
    const code = isHeraldErrorCode(precise) ? precise : codeForServer(serverCode);
    return new HeraldError(code, message, { ...rest, serverCode });
  }

  /**
   * `value` itself when it is a HeraldError; otherwise a new one with `code` (default
   * `server_error`), `message` (default: the value's own message) and the value as `cause`.
   */
  static from(value: unknown, code: HeraldErrorCode = "server_error", message?: string): HeraldError {
    if (HeraldError.is(value)) return value;
    const text =
      message ?? (value instanceof Error ? value.message : typeof value === "string" ? value : String(value));
    return new HeraldError(code, text, { cause: value });
  }
}

/** The gRPC status code herald's server sends for each error code (the inverse of the mapping above). */
export const grpcCodeOf: Readonly<Record<HeraldErrorCode, number>> = Object.fromEntries(
  Object.entries(wireCodes).map(([code, wire]) => [code, wire.grpc]),
) as Record<HeraldErrorCode, number>;
