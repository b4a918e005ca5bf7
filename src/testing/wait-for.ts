import { HeraldError } from "../errors.js";
import { describeValues } from "./describe.js";
import type { WaitOptions } from "./inbox.js";

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Waits until `condition` returns a truthy value and resolves with it, checking after every turn
 * of the event loop (and at least every `intervalMs`). Fails with HeraldError `timeout` naming
 * `what`, or `aborted`. A condition that throws fails the wait with that error.
 *
 * ```ts
 * await waitFor(() => server.sessionCount === 2, { what: "both users connected" });
 * ```
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitOptions & {
    /** Longest pause between two checks, in milliseconds. @default 10 */
    intervalMs?: number | undefined;
  } = {},
): Promise<NonNullable<T>> {
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = options.what ?? "the condition";
  const deadline = Date.now() + ms;
  const interval = options.intervalMs ?? 10;
  for (let round = 0; ; round++) {
    if (options.signal?.aborted) {
      throw new HeraldError("aborted", `waiting for ${what}: aborted`, { cause: options.signal.reason });
    }
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new HeraldError("timeout", `${what} did not happen within ${ms} ms`);
    // The first checks only yield to the event loop: most conditions hold after a frame or two.
    await new Promise((resolve) => (round < 20 ? setImmediate(resolve) : setTimeout(resolve, interval)));
  }
}

/**
 * Resolves with the first event that `subscribe` reports and `match` accepts; unsubscribes
 * either way. Fails with HeraldError `timeout` (naming `what` and the events that did arrive),
 * or `aborted`.
 *
 * ```ts
 * const message = await nextEvent((fn) => socket.onChannelMessage(fn), { what: "a message" });
 * ```
 */
export function nextEvent<T>(
  subscribe: (fn: (event: T) => void) => () => void,
  options: WaitOptions & { match?: ((event: T) => boolean) | undefined } = {},
): Promise<T> {
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = options.what ?? "an event";
  const seen: T[] = [];
  return new Promise<T>((resolve, reject) => {
    let off: (() => void) | undefined;
    let done = false;
    const finish = (error: HeraldError | undefined, event?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      off?.();
      if (error) reject(error);
      else resolve(event as T);
    };
    const timer = setTimeout(
      () =>
        finish(
          new HeraldError(
            "timeout",
            `no ${what} within ${ms} ms; ${seen.length} other event(s) arrived${seen.length ? `: ${describeValues(seen)}` : ""}`,
          ),
        ),
      ms,
    );
    const onAbort = () =>
      finish(new HeraldError("aborted", `waiting for ${what}: aborted`, { cause: options.signal?.reason }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    off = subscribe((event) => {
      if (options.match && !options.match(event)) {
        seen.push(event);
        return;
      }
      finish(undefined, event);
    });
    // The listener may have fired during subscribe, before `off` was assigned.
    if (done) off();
  });
}
