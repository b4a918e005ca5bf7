import { codeForServer, type HeraldErrorCode, isHeraldErrorCode } from "./protocol/error-codes.js";

export type { HeraldErrorCode } from "./protocol/error-codes.js";

export interface HeraldErrorOptions {
  /** The server's numeric code: a realtime error code or a gRPC status code. */
  serverCode?: number | undefined;
  /** The HTTP status of a REST reply. */
  status?: number | undefined;
  cause?: unknown;
}

const BRAND = Symbol.for("herald.HeraldError");

/**
 * The one error type herald throws or rejects with. It prints as `HeraldError [code]: message`
 * (in `toString()`, the first line of `stack` and Node's `util.inspect`), whatever a bundler or
 * minifier renames the class to.
 */
export class HeraldError extends Error {
  // The name lives on the prototype (set below), so that it is already in place when the engine
  // captures the stack inside `super()`; an instance field would only be assigned after it.
  declare readonly name: "HeraldError";
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
    // V8 starts the stack with `HeraldError: message`; put the code in, as toString() does.
    // Engines whose stacks carry no header (Firefox, Safari) are left as they are.
    const plain = `${this.name}${message ? `: ${message}` : ""}`;
    if (typeof this.stack === "string" && this.stack.startsWith(plain)) {
      Object.defineProperty(this, "stack", {
        value: this.toString() + this.stack.slice(plain.length),
        writable: true,
        configurable: true,
      });
    }
  }

  static {
    // Bundlers rename classes (esbuild's `_HeraldError`, a minifier's one letter); Node's
    // util.inspect prints the constructor's name, so pin it, and the prototype's `name` with it.
    Object.defineProperty(HeraldError, "name", { value: "HeraldError", configurable: true });
    Object.defineProperty(HeraldError.prototype, "name", {
      value: "HeraldError",
      writable: true,
      configurable: true,
    });
  }

  /** `HeraldError [code]: message`. */
  override toString(): string {
    return `${this.name} [${this.code}]${this.message ? `: ${this.message}` : ""}`;
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
   * The error for a server's numeric code, read through the one table in
   * src/protocol/error-codes.ts: a gRPC code when `status` is given (a REST reply), else the code of
   * a realtime `error` envelope (where 1 and 2 mean a malformed request). 3, 9, 11 bad input;
   * 4 timeout; 5 not found; 6 already exists; 7 permission denied; 8 resource exhausted; 10 aborted;
   * 12 unsupported; 14 unavailable (try again); 16 unauthenticated; anything else server error.
   * `precise` is herald's own code where the server sent one beside stock Nakama's number (the
   * `herald_code` of an error's context or REST body); it wins when valid.
   */
  static fromServer(
    serverCode: number,
    message: string,
    options: Omit<HeraldErrorOptions, "serverCode"> & { precise?: unknown } = {},
  ): HeraldError {
    const { precise, ...rest } = options;
    const source = rest.status === undefined ? "realtime" : "rest";
    let code = isHeraldErrorCode(precise) ? precise : codeForServer(serverCode, source);
    // The server's word for "I could not do it now" is not the client's "the socket closed":
    // a socket that is still open must not take a refusal for a lost connection.
    if (code === "disconnected") code = "unavailable";
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
