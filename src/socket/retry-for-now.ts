import type { HeraldError } from "../errors.js";
import { retryDelay } from "./backoff.js";
import { refusedForNow } from "./outbox-item.js";

/**
 * Runs `run`, and runs it again (up to 10 times, with backoff over about 20 s) while the server
 * refuses it for now: a rate limit or a busy database says nothing about the request itself. With
 * `unreached`, also while the server cannot be reached (a REST read as the server restarts, which
 * the socket may notice only after); not after a read that ran out of time, which tried for as long
 * as the caller allows (ten of them would hold a channel's live messages back for minutes). Stops
 * waiting when `signal` aborts, and throws the last failure.
 */
export async function retryForNow<T>(
  run: () => Promise<T>,
  signal: AbortSignal,
  unreached?: boolean,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await run();
    } catch (error) {
      // Every failure of `run` is a HeraldError; one with no HTTP status had no answer from the server.
      const e = error as HeraldError;
      if (n > 10 || signal.aborted || !(refusedForNow(e) || (unreached && !e.status && e.code !== "timeout")))
        throw error;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, retryDelay(n, { minDelayMs: 250, maxDelayMs: 5000 }));
        signal.addEventListener("abort", done);
      });
      // Stopped while waiting: the last refusal stands, and nothing more is sent.
      if (signal.aborted) throw error;
    }
  }
}
