import { HeraldError } from "./errors.js";

/** Options every async call of the SDK accepts (last argument, or inside the call's options object). */
export interface CallOptions {
  /** Aborting rejects the call with a HeraldError of code `aborted`. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds before the call rejects with a HeraldError of code `timeout`. `0`, `Infinity` (or
   * anything from 2^31, about 25 days) waits without limit. If the process stood still past the
   * limit (its timer fired late), the call gets one more whole limit before it rejects.
   * @default the client's or socket's `timeoutMs` (10 000)
   */
  timeoutMs?: number | undefined;
}

/** What {@link watchCall} returns when there is nothing to watch: stopping it does nothing. */
export const unwatched = (): void => {};

/**
 * Watches a call's time limit and signal: calls `expire` once with a `timeout` or `aborted`
 * error. Returns the function that stops watching (clears the timer and the signal listener);
 * it must be called when the call settles. Throws `aborted` at once if the signal has aborted.
 */
export function watchCall(
  what: string,
  options: CallOptions | undefined,
  defaultMs: number,
  expire: (error: HeraldError) => void,
): () => void {
  const signal = options?.signal;
  const ms = options?.timeoutMs ?? defaultMs;
  // Timers cannot wait 2^31 ms or more (they would fire at once): such limits mean "none" too.
  const timed = ms > 0 && ms < 2 ** 31;
  // Nothing to watch (every outbox send): no timer, no closures.
  if (!signal && !timed) return unwatched;
  const aborted = () => new HeraldError("aborted", `${what}: aborted`, { cause: signal?.reason });
  if (signal?.aborted) throw aborted();
  const onAbort = () => expire(aborted());
  // Before the timer: if this throws, no timer is left to fire into a call that never started.
  signal?.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A timer that fires a fifth of a second or more late means this process stood still (a long task, a
  // suspended tab): the answer may have come meanwhile and not been read yet, so the call gets one
  // more whole limit, counted from then, before it expires.
  const arm = (again?: boolean) => {
    const due = Date.now() + ms;
    timer = setTimeout(
      () =>
        again || Date.now() - due < 200
          ? expire(new HeraldError("timeout", `${what}: no answer within ${ms} ms`))
          : arm(true),
      ms,
    );
  };
  if (timed) arm();
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
}

/**
 * A deadline for a call that hands a signal on (fetch, connect): `signal` aborts when the caller's
 * signal does or the time is up, `reason` then tells which, and `expired` rejects with it.
 * `done()` must be called when the call settles.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The error to reject with once `signal` has aborted. */
  readonly reason: HeraldError | undefined;
  /** Rejects when the deadline passes or the caller aborts (never resolves). */
  readonly expired: Promise<never>;
  done(): void;
}

/** Starts a deadline. Throws `aborted` at once if the caller's signal has already aborted. */
export function startDeadline(what: string, options: CallOptions | undefined, defaultMs: number): Deadline {
  const controller = new AbortController();
  let reject!: (error: HeraldError) => void;
  const expired = new Promise<never>((_, rej) => {
    reject = rej;
  });
  // A rejection nobody awaits (the call finished first) must not surface as unhandled.
  expired.catch(() => {});
  const deadline: { -readonly [K in keyof Deadline]: Deadline[K] } = {
    signal: controller.signal,
    reason: undefined,
    expired,
    done: watchCall(what, options, defaultMs, (error) => {
      deadline.reason ??= error;
      controller.abort(error);
      reject(error);
    }),
  };
  return deadline;
}
