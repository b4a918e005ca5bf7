import type { Rate } from "./rate-limiter.js";

/**
 * Rate limits of the server. Each is a token bucket: `burst` requests at once, refilled at
 * `perSecond`; `false` turns one off. Going over is refused with `rate_limited` (realtime: an
 * `error` envelope, code 8; REST: HTTP 429 with `Retry-After`), never dropped silently.
 */
export interface RateLimitOptions {
  /** Chat messages sent, updated or removed, per socket. @default { burst: 20, perSecond: 10 } */
  messages?: Rate | false;
  /** Status updates per socket. @default { burst: 5, perSecond: 1 } */
  statusUpdates?: Rate | false;
  /** Channel joins per socket. @default { burst: 20, perSecond: 5 } */
  joins?: Rate | false;
  /** Every realtime request together, per socket. @default { burst: 100, perSecond: 50 } */
  socketRequests?: Rate | false;
  /** REST calls per user (per address before signing in). @default { burst: 100, perSecond: 20 } */
  restCalls?: Rate | false;
  /**
   * Authentications that may create an account (`create=true`), per address.
   * @default { burst: 100, perSecond: 0.2 } (then one every 5 s)
   */
  signUps?: Rate | false;
  /**
   * Failed authentications (wrong password or unknown account), per address; once used up, every
   * authentication from the address is refused until it refills.
   * @default { burst: 10, perSecond: 0.1 } (then one every 10 s)
   */
  wrongPasswords?: Rate | false;
}

/** Count caps of the server; going over is refused with `resource_exhausted`. */
export interface CapOptions {
  /** Channels one socket may be in at once. @default 100 */
  channelsPerSocket?: number;
  /** Users one socket may follow at once. @default 5000 */
  followsPerSocket?: number;
  /** Sockets one user may hold open at once; the next upgrade is refused with 429. @default 16 */
  socketsPerUser?: number;
}

/** Rate limits with defaults filled in (`undefined`: off). */
export type ResolvedRates = { [K in keyof RateLimitOptions]-?: Rate | undefined };

/** Defaults of {@link RateLimitOptions}. */
export const defaultRates: Readonly<Record<keyof RateLimitOptions, Rate>> = {
  messages: { burst: 20, perSecond: 10 },
  statusUpdates: { burst: 5, perSecond: 1 },
  joins: { burst: 20, perSecond: 5 },
  socketRequests: { burst: 100, perSecond: 50 },
  restCalls: { burst: 100, perSecond: 20 },
  signUps: { burst: 100, perSecond: 0.2 },
  wrongPasswords: { burst: 10, perSecond: 0.1 },
};

/** Defaults of {@link CapOptions}. */
export const defaultCaps: Readonly<Required<CapOptions>> = {
  channelsPerSocket: 100,
  followsPerSocket: 5000,
  socketsPerUser: 16,
};

/** Fills in defaults; `false` for the whole object turns every rate limit off. */
export function resolveRates(options: RateLimitOptions | false | undefined): ResolvedRates {
  const out = {} as ResolvedRates;
  for (const key of Object.keys(defaultRates) as (keyof RateLimitOptions)[]) {
    const given = options === false ? false : options?.[key];
    out[key] = given === false ? undefined : (given ?? defaultRates[key]);
  }
  return out;
}
