import { checkFields } from "../arguments.js";
import { HeraldError } from "../errors.js";
import type { Socket, SocketEvents } from "../index.js";
import { describeValues } from "./describe.js";
import type { WaitOptions } from "./inbox.js";
import { checkFunction, checkSource, checkWaitOptions, deadline } from "./kit-arguments.js";

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
  checkFunction("waitFor", "condition", condition);
  checkWaitOptions("waitFor", options);
  checkFields("waitFor", "intervalMs:t", options);
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = options.what ?? "the condition";
  const until = Date.now() + ms;
  const interval = options.intervalMs ?? 10;
  for (let round = 0; ; round++) {
    if (options.signal?.aborted) {
      throw new HeraldError("aborted", `waiting for ${what}: aborted`, { cause: options.signal.reason });
    }
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= until) throw new HeraldError("timeout", `${what} did not happen within ${ms} ms`);
    // The first checks only yield to the event loop: most conditions hold after a frame or two.
    await new Promise((resolve) => (round < 20 ? setImmediate(resolve) : setTimeout(resolve, interval)));
  }
}

/** Options of {@link nextEvent}. */
export interface NextEventOptions<T> extends WaitOptions {
  /** Only an event this accepts will do. @default any event */
  match?: ((event: T) => boolean) | undefined;
}

/**
 * Resolves with the first `name` event of a socket (or another source with `on`) that `match`
 * accepts; unsubscribes either way. Fails with HeraldError `timeout` (naming `what` and the
 * events that did arrive), or `aborted`.
 *
 * ```ts
 * const joined = await nextEvent(socket, "statusPresence", { match: (e) => e.joins.length > 0 });
 * ```
 */
export function nextEvent<K extends keyof SocketEvents>(
  socket: Pick<Socket, "on">,
  name: K,
  options?: NextEventOptions<SocketEvents[K]>,
): Promise<SocketEvents[K]>;
/**
 * Resolves with the first event that `subscribe` reports and `match` accepts.
 *
 * ```ts
 * const message = await nextEvent<ChannelMessage>((fn) => socket.onChannelMessage(fn), { what: "a message" });
 * ```
 */
export function nextEvent<T>(
  subscribe: (fn: (event: T) => void) => () => void,
  options?: NextEventOptions<T>,
): Promise<T>;
export function nextEvent(
  first: ((fn: (event: unknown) => void) => () => void) | { on(name: never, fn: never): () => void },
  second?: PropertyKey | NextEventOptions<unknown>,
  third?: NextEventOptions<unknown>,
): Promise<unknown> {
  try {
    if (typeof first === "function") {
      checkNextEventOptions(second);
      return waitForEvent(first, (second ?? {}) as NextEventOptions<unknown>);
    }
    checkSource("nextEvent", first);
    checkNextEventOptions(third);
  } catch (error) {
    return Promise.reject(error);
  }
  const on = first.on.bind(first) as unknown as (
    name: PropertyKey,
    fn: (event: unknown) => void,
  ) => () => void;
  const name = second as PropertyKey;
  return waitForEvent((fn) => on(name, fn), { what: `a ${String(name)} event`, ...third });
}

function checkNextEventOptions(options: unknown): void {
  checkWaitOptions("nextEvent", options);
  checkFields("nextEvent", "match:f", options);
}

function waitForEvent<T>(
  subscribe: (fn: (event: T) => void) => () => void,
  options: NextEventOptions<T>,
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
      cancelTimer();
      options.signal?.removeEventListener("abort", onAbort);
      off?.();
      if (error) reject(error);
      else resolve(event as T);
    };
    const cancelTimer = deadline(ms, () =>
      finish(
        new HeraldError(
          "timeout",
          `no ${what} within ${ms} ms; ${seen.length} other event(s) arrived${seen.length ? `: ${describeValues(seen)}` : ""}`,
        ),
      ),
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
