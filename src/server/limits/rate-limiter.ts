/** One rate: a burst allowance refilled at a steady pace. */
export interface Rate {
  /** Requests allowed at once, after a quiet spell. */
  burst: number;
  /** Requests per second refilled into the allowance. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (a socket, user or address). Memory stays bounded: a bucket that has
 * refilled completely says nothing a fresh one would not, so idle keys are dropped when swept, and
 * past `maxKeys` the least recently used key goes first.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    readonly rate: Rate,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = rate.perSecond / 1000;
  }

  /** Number of keys held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one request's worth for `key`: 0 when allowed, otherwise how many milliseconds until the
   * next one would be.
   */
  take(key: string): number {
    const now = this.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.refillPerMs > 0
      ? Math.ceil((1 - bucket.tokens) / this.refillPerMs)
      : Number.POSITIVE_INFINITY;
  }

  /** Milliseconds until `key` may go again, without taking anything (0: it may now). */
  peek(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    const tokens = Math.min(this.rate.burst, bucket.tokens + (this.now() - bucket.at) * this.refillPerMs);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.refillPerMs);
  }

  /** Forgets a key (a closed socket). */
  delete(key: string): void {
    this.buckets.delete(key);
  }

  /** Drops every key whose bucket has refilled completely. */
  sweep(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.refillPerMs >= this.rate.burst) this.buckets.delete(key);
    }
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        this.sweep();
        // Still full: the least recently used key goes (Map order is insertion order, and each use
        // re-inserts).
        if (this.buckets.size >= this.maxKeys) {
          const oldest = this.buckets.keys().next();
          if (oldest.done !== true) this.buckets.delete(oldest.value);
        }
      }
      bucket = { tokens: this.rate.burst, at: now };
    } else {
      bucket.tokens = Math.min(this.rate.burst, bucket.tokens + (now - bucket.at) * this.refillPerMs);
      bucket.at = now;
      this.buckets.delete(key);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}
