import { codeForServer, type HeraldErrorCode, wireCodes } from "./protocol/error-codes.js";

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

/** The gRPC status code herald's server sends for each error code (the inverse of the mapping above). */
export const grpcCodeOf: Readonly<Record<HeraldErrorCode, number>> = Object.fromEntries(
  Object.entries(wireCodes).map(([code, wire]) => [code, wire.grpc]),
) as Record<HeraldErrorCode, number>;
