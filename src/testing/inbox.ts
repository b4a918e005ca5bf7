import { checkFields } from "../arguments.js";
import { HeraldError } from "../errors.js";
import type { Socket, SocketEvents } from "../index.js";
import { describeValues } from "./describe.js";
import type { FakeServer, FakeServerEvents } from "./fake-server.js";
import { checkFunction, checkSource, checkWaitOptions, deadline } from "./kit-arguments.js";

/** Time limit and cancellation of a wait. */
export interface WaitOptions {
  /**
   * Milliseconds before the wait fails with a HeraldError of code `timeout`.
   * @default 5000
   */
  timeoutMs?: number | undefined;
  /** Aborting fails the wait with a HeraldError of code `aborted`. */
  signal?: AbortSignal | undefined;
  /** What is awaited, for the error message. @default the inbox's name */
  what?: string | undefined;
}

/**
 * Anything with typed events: a herald `Socket` (its `on(name, fn)` returns an unsubscribe
 * function), a presence store, or an app's own emitter. `ping` (a round trip to the server)
 * lets {@link Inbox.none} prove that nothing is on its way.
 */
export interface EventSource<M> {
  on<K extends keyof M>(name: K, fn: (event: M[K]) => void): () => void;
  ping?(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/** Options of {@link inbox}. */
export interface InboxOptions {
  /** Unread events kept; the oldest is dropped beyond it (`received` is bounded the same way). @default 10000 */
  limit?: number | undefined;
  /** Default time limit of `next`, `take` and `none`, in milliseconds. @default 5000 */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_LIMIT = 10_000;

interface Waiter<T> {
  match: (event: T) => boolean;
  resolve: (event: T) => void;
  reject: (error: HeraldError) => void;
}

/**
 * The events of one name that a source emitted since the inbox was made. A test reads them in
 * order with {@link Inbox.next}, which consumes the first unread event matching a predicate or
 * waits for one until a deadline, and proves absence with {@link Inbox.none}.
 *
 * ```ts
 * const messages = inbox(socket, "channelMessage");
 * await socket.writeChatMessage(channel.id, { text: "hi" });
 * const echo = await messages.next((m) => m.content.text === "hi");
 * ```
 */
export class Inbox<T> {
  readonly #what: string;
  readonly #ping: ((options?: { timeoutMs?: number | undefined }) => Promise<void>) | undefined;
  readonly #unread: T[] = [];
  readonly #received: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  readonly #limit: number;
  readonly #timeoutMs: number;
  #off: (() => void) | undefined;

  /** Use {@link inbox}. */
  constructor(
    subscribe: (fn: (event: T) => void) => () => void,
    what: string,
    options: InboxOptions & {
      /** A round trip to the server, for {@link Inbox.none}. */
      ping?: ((options?: { timeoutMs?: number | undefined }) => Promise<void>) | undefined;
    } = {},
  ) {
    checkFields("inbox", "limit:w timeoutMs:t", options);
    this.#ping = options.ping;
    this.#what = what;
    this.#limit = options.limit ?? DEFAULT_LIMIT;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#off = subscribe((event) => this.#add(event));
  }

  #add(event: T): void {
    this.#received.push(event);
    if (this.#received.length > this.#limit) this.#received.shift();
    for (const waiter of this.#waiters) {
      if (!waiter.match(event)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(event);
      return;
    }
    this.#unread.push(event);
    if (this.#unread.length > this.#limit) this.#unread.shift();
  }

  /** Events received and not yet consumed by `next` or `take`, oldest first. */
  get unread(): readonly T[] {
    return this.#unread;
  }

  /** Every event received since the inbox was made (consumed ones too), oldest first. */
  get received(): readonly T[] {
    return this.#received;
  }

  /**
   * Consumes and returns the first unread event matching `match` (any event without it), waiting
   * for one if none has arrived. Fails with HeraldError `timeout` naming what was awaited and
   * what arrived instead, or `aborted` when `options.signal` fires.
   */
  next(match: (event: T) => boolean = () => true, options: WaitOptions = {}): Promise<T> {
    try {
      checkFunction("next", "match", match);
      checkWaitOptions("next", options);
    } catch (error) {
      return Promise.reject(error);
    }
    const i = this.#unread.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0] as T);
    const what = options.what ?? `a matching ${this.#what}`;
    if (this.#off === undefined) {
      return Promise.reject(new HeraldError("disconnected", `waiting for ${what}: the inbox is closed`));
    }
    const ms = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const settle = (error: HeraldError | undefined, event?: T) => {
        cancelTimer();
        options.signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
        if (error) reject(error);
        else resolve(event as T);
      };
      const waiter: Waiter<T> = {
        match,
        resolve: (event) => settle(undefined, event),
        reject: (error) => settle(error),
      };
      const cancelTimer = deadline(ms, () =>
        settle(
          new HeraldError(
            "timeout",
            `no ${what} within ${ms} ms; ${this.#received.length} ${this.#what} event(s) arrived: ${describeValues(this.#received)}`,
          ),
        ),
      );
      const onAbort = () =>
        settle(new HeraldError("aborted", `waiting for ${what}: aborted`, { cause: options.signal?.reason }));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Consumes `count` events matching `match`, in arrival order, waiting (within one deadline) for the missing ones. */
  async take(
    count: number,
    match: (event: T) => boolean = () => true,
    options: WaitOptions = {},
  ): Promise<T[]> {
    if (!(Number.isInteger(count) && count >= 0)) {
      throw new HeraldError(
        "bad_input",
        `take: count must be a whole number, 0 or more, got ${String(count)}`,
      );
    }
    checkFunction("take", "match", match);
    checkWaitOptions("take", options);
    const ms = options.timeoutMs ?? this.#timeoutMs;
    const until = Date.now() + ms;
    const taken: T[] = [];
    while (taken.length < count) {
      const what = options.what ?? `${count} matching ${this.#what} events (got ${taken.length})`;
      taken.push(await this.next(match, { ...options, what, timeoutMs: Math.max(0, until - Date.now()) }));
    }
    return taken;
  }

  /**
   * Proves that no unread event matches `match`: after a round trip to the server (the source's
   * `ping`), which orders after everything the server sent before it, so an event that was on
   * its way has arrived. Fails with HeraldError `bad_input` naming the unexpected event.
   */
  async none(match: (event: T) => boolean = () => true, options: WaitOptions = {}): Promise<void> {
    checkFunction("none", "match", match);
    checkWaitOptions("none", options);
    if (!this.#ping) {
      throw new HeraldError("bad_input", `none: the source of ${this.#what} events has no ping() to wait on`);
    }
    await this.#ping({ timeoutMs: options.timeoutMs ?? this.#timeoutMs });
    const found = this.#unread.find(match);
    if (found !== undefined) {
      throw new HeraldError(
        "bad_input",
        `expected no ${options.what ?? `matching ${this.#what}`}, got ${describeValues([found])}`,
      );
    }
  }

  /** Forgets the unread events (`received` keeps them). */
  clear(): void {
    this.#unread.length = 0;
  }

  /** Stops collecting; waits in progress fail with `disconnected`. Calling it again does nothing. */
  close(): void {
    this.#off?.();
    this.#off = undefined;
    for (const waiter of [...this.#waiters]) {
      waiter.reject(new HeraldError("disconnected", `waiting for a ${this.#what}: the inbox was closed`));
    }
  }

  /** Same as {@link Inbox.close}, for `using inbox = ...`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Collects a socket's (or any {@link EventSource}'s) `name` events from now on.
 *
 * ```ts
 * const presence = inbox(socket, "statusPresence");
 * const { joins } = await presence.next((e) => e.joins.some((p) => p.userId === friendId));
 * ```
 */
export function inbox<K extends keyof SocketEvents>(
  socket: Pick<Socket, "on" | "ping">,
  name: K,
  options?: InboxOptions,
): Inbox<SocketEvents[K]>;
/** Collects a fake server's `name` events (`request`, `connection`, `error`, `http`). */
export function inbox<K extends keyof FakeServerEvents>(
  fake: Pick<FakeServer, "on">,
  name: K,
  options?: InboxOptions,
): Inbox<FakeServerEvents[K]>;
/** Collects the `name` events of any {@link EventSource}; name its events map: `inbox<MyEvents, "score">(game, "score")`. */
export function inbox<M, K extends keyof M>(
  source: EventSource<M>,
  name: K,
  options?: InboxOptions,
): Inbox<M[K]>;
export function inbox(
  source: {
    on(name: never, fn: never): () => void;
    ping?(options?: { timeoutMs?: number | undefined }): Promise<void>;
  },
  name: PropertyKey,
  options: InboxOptions = {},
): Inbox<unknown> {
  // The overloads above carry the types; here any source with an `on` will do.
  checkSource("inbox", source);
  const on = source.on.bind(source) as unknown as (
    name: PropertyKey,
    fn: (event: unknown) => void,
  ) => () => void;
  return new Inbox<unknown>((fn) => on(name, fn), String(name), {
    ...options,
    ping: source.ping?.bind(source),
  });
}
