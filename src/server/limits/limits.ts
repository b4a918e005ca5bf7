import type { CapOptions, RateLimitOptions } from "./limits-options.js";
import { defaultCaps, resolveRates } from "./limits-options.js";
import { RateLimited } from "./rate-limited.js";
import { RateLimiter } from "./rate-limiter.js";

/** Counts of refusals, read by the metrics endpoint. */
export type LimitHits = Record<keyof RateLimitOptions, number>;

/** The server's rate limiters and caps, shared by both transports. */
export class Limits {
  readonly caps: Readonly<Required<CapOptions>>;
  /** Rate-limit refusals so far, by limit. */
  readonly hits: LimitHits = {
    messages: 0,
    statusUpdates: 0,
    joins: 0,
    socketRequests: 0,
    restCalls: 0,
    signUps: 0,
    wrongPasswords: 0,
  };
  private readonly limiters: Partial<Record<keyof RateLimitOptions, RateLimiter>> = {};
  private readonly sweeper: NodeJS.Timeout;

  constructor(rates: RateLimitOptions | false | undefined, caps: CapOptions | undefined) {
    const resolved = resolveRates(rates);
    for (const key of Object.keys(resolved) as (keyof RateLimitOptions)[]) {
      const rate = resolved[key];
      if (rate !== undefined) this.limiters[key] = new RateLimiter(rate);
    }
    this.caps = { ...defaultCaps, ...definedOnly(caps ?? {}) };
    // Idle keys are dropped once a minute so an address seen once costs nothing for long.
    this.sweeper = setInterval(() => {
      for (const limiter of Object.values(this.limiters)) limiter.sweep();
    }, 60_000);
    this.sweeper.unref();
  }

  /** Takes one from `limit` for `key`, or throws {@link RateLimited}. */
  take(limit: keyof RateLimitOptions, key: string, what: string): void {
    const limiter = this.limiters[limit];
    if (limiter === undefined) return;
    const wait = limiter.take(key);
    if (wait > 0) {
      this.hits[limit] += 1;
      throw new RateLimited(what, wait);
    }
  }

  /** Throws {@link RateLimited} when `key` has used up `limit`, without taking anything. */
  check(limit: keyof RateLimitOptions, key: string, what: string): void {
    const wait = this.limiters[limit]?.peek(key) ?? 0;
    if (wait > 0) {
      this.hits[limit] += 1;
      throw new RateLimited(what, wait);
    }
  }

  /** Takes one from `limit` for `key` without refusing (a failure counted after the fact). */
  charge(limit: keyof RateLimitOptions, key: string): void {
    this.limiters[limit]?.take(key);
  }

  /** Forgets a key in the per-socket limiters (the socket closed). */
  forgetSocket(key: string): void {
    this.limiters.messages?.delete(key);
    this.limiters.statusUpdates?.delete(key);
    this.limiters.joins?.delete(key);
    this.limiters.socketRequests?.delete(key);
  }

  /** Stops the idle-key sweep. */
  close(): void {
    clearInterval(this.sweeper);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
