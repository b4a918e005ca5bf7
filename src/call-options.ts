import { HeraldError } from "./errors.js";

/** Options every async call of the SDK accepts (last argument, or inside the call's options object). */
export interface CallOptions {
  /** Aborting rejects the call with a HeraldError of code `aborted`. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds before the call rejects with a HeraldError of code `timeout`. `0` or `Infinity`
   * waits without limit.
   * @default the client's or socket's `timeoutMs` (10 000)
   */
  timeoutMs?: number | undefined;
}

/**
 * A deadline for one call: `signal` aborts when the caller's signal does or the time is up, and
 * `reason` then tells which. `done()` must be called exactly once when the call settles; it
 * clears the timer and the listener on the caller's signal, so nothing outlives the call.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The error to reject with once `signal` has aborted. */
  readonly reason: HeraldError | undefined;
  /** Settles when the deadline passes or the caller aborts (never resolves). */
  readonly expired: Promise<never>;
  done(): void;
}

/** Starts a deadline. Throws `aborted` at once if the caller's signal has already aborted. */
export function startDeadline(what: string, options: CallOptions | undefined, defaultMs: number): Deadline {
  const outer = options?.signal;
  const aborted = () => new HeraldError("aborted", `${what}: aborted`, { cause: outer?.reason });
  if (outer?.aborted) throw aborted();
  const ms = options?.timeoutMs ?? defaultMs;
  const controller = new AbortController();
  let reason: HeraldError | undefined;
  let reject!: (error: HeraldError) => void;
  const expired = new Promise<never>((_, rej) => {
    reject = rej;
  });
  // A rejection nobody awaits (the call finished first) must not surface as unhandled.
  expired.catch(() => {});
  const fire = (error: HeraldError) => {
    if (reason) return;
    reason = error;
    controller.abort(error);
    reject(error);
  };
  const onAbort = () => fire(aborted());
  outer?.addEventListener("abort", onAbort, { once: true });
  const timer =
    ms > 0 && Number.isFinite(ms)
      ? setTimeout(() => fire(new HeraldError("timeout", `${what}: no answer within ${ms} ms`)), ms)
      : undefined;
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    expired,
    done() {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}
