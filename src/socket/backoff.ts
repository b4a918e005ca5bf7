/** Reconnection timing of a socket (`createSocket({ reconnect })`). */
export interface ReconnectOptions {
  /** The ceiling of the first retry's delay, in milliseconds. @default 500 */
  minDelayMs?: number | undefined;
  /** The largest ceiling any retry's delay reaches, in milliseconds. @default 30000 */
  maxDelayMs?: number | undefined;
  /** A source of numbers in [0, 1), for tests that need a fixed delay. @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * The delay before retry number `attempt` (1 for the first) with full jitter: uniform between 0
 * and a ceiling that doubles from `minDelayMs` up to `maxDelayMs`. Spreading retries over the
 * whole range keeps many clients that lost the same server from coming back all at once.
 */
export function retryDelay(attempt: number, options: ReconnectOptions = {}): number {
  const min = options.minDelayMs ?? 500;
  const max = Math.max(min, options.maxDelayMs ?? 30_000);
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt - 1, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
