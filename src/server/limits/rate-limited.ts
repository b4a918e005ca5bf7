import { HeraldError } from "../../errors.js";
import { wireCodes } from "../../protocol/error-codes.js";

/** A request refused for going over a rate limit: `rate_limited`, with when to try again. */
export class RateLimited extends HeraldError {
  /** Milliseconds until a retry would be allowed. */
  readonly retryAfterMs: number;

  constructor(what: string, retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super("rate_limited", `Too many ${what}: retry in ${seconds} s`, {
      serverCode: wireCodes.rate_limited.grpc,
      status: wireCodes.rate_limited.http,
    });
    this.retryAfterMs = retryAfterMs;
  }

  /** Whole seconds for an HTTP `Retry-After` header (at least 1). */
  get retryAfterSec(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}
