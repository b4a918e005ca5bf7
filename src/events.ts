import { HeraldError } from "./errors.js";

/** A function that removes the listener it was returned for. Calling it again does nothing. */
export type Unsubscribe = () => void;

/** Options of {@link Emitter.events}. */
export interface EventIteratorOptions {
  /** Ends the iteration (the loop finishes normally). */
  signal?: AbortSignal | undefined;
  /**
   * Events kept while the loop body is busy. One more makes the iterator throw a HeraldError
   * with code `overflow`: events were lost, so the reader must resynchronise.
   * @default 1000
   */
  bufferSize?: number | undefined;
}

interface Subscription<T> {
  fn: (value: T) => void;
}

/**
 * A typed event hub: many listeners per event, each `on` returning its own unsubscribe function.
 * A listener that throws does not stop the others; its exception is emitted as an `error` event
 * (when the map has one), never thrown at the emitter.
 */
export class Emitter<M extends { error: HeraldError }> {
  // Copy-on-write arrays: emitting iterates a snapshot, so listeners may unsubscribe while called.
  readonly #listeners = new Map<keyof M, Subscription<never>[]>();
  readonly #enders = new Set<() => void>();

  /** Calls `fn` for every `name` event until the returned function is called. */
  on<K extends keyof M>(name: K, fn: (value: M[K]) => void): Unsubscribe {
    const sub: Subscription<M[K]> = { fn };
    const list = this.#listeners.get(name) ?? [];
    this.#listeners.set(name, [...list, sub as Subscription<never>]);
    return () => {
      const current = this.#listeners.get(name);
      if (!current?.includes(sub as Subscription<never>)) return;
      const rest = current.filter((s) => s !== sub);
      if (rest.length) this.#listeners.set(name, rest);
      else this.#listeners.delete(name);
    };
  }

  /** How many listeners `name` has (iterators included). */
  listenerCount(name: keyof M): number {
    return this.#listeners.get(name)?.length ?? 0;
  }

  /** Calls every listener of `name` with `value`. */
  emit<K extends keyof M>(name: K, value: M[K]): void {
    const list = this.#listeners.get(name) as Subscription<M[K]>[] | undefined;
    if (!list) return;
    for (const sub of list) {
      try {
        sub.fn(value);
      } catch (cause) {
        // An error listener that throws has nobody left to tell: dropping it avoids a loop.
        if (name === "error") continue;
        const why = cause instanceof Error ? cause.message : String(cause);
        this.emit(
          "error",
          new HeraldError("server_error", `a "${String(name)}" listener threw: ${why}`, { cause }),
        );
      }
    }
  }

  /**
   * The `name` events as an async iterator with a bounded buffer. It ends when `signal` aborts,
   * when the loop is left (`break`), or when {@link Emitter.end} is called (the source closed for
   * good); it throws `overflow` once more than `bufferSize` events wait unread.
   */
  events<K extends keyof M>(name: K, options: EventIteratorOptions = {}): AsyncIterableIterator<M[K]> {
    const { signal, bufferSize = 1000 } = options;
    const buffer: M[K][] = [];
    let failure: HeraldError | undefined;
    let finished = false;
    let waiter: { resolve(r: IteratorResult<M[K]>): void; reject(e: unknown): void } | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      off();
      this.#enders.delete(finish);
      signal?.removeEventListener("abort", finish);
      if (waiter && !failure) {
        const w = waiter;
        waiter = undefined;
        w.resolve({ value: undefined, done: true });
      }
    };
    const off = this.on(name, (value) => {
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w.resolve({ value, done: false });
      } else if (buffer.length < bufferSize) {
        buffer.push(value);
      } else {
        failure = new HeraldError(
          "overflow",
          `over ${bufferSize} unread "${String(name)}" events; later ones dropped`,
        );
        buffer.length = 0;
        finish();
      }
    });
    this.#enders.add(finish);
    if (signal?.aborted) finish();
    else signal?.addEventListener("abort", finish, { once: true });

    const iterator: AsyncIterableIterator<M[K]> = {
      next: () => {
        if (failure) {
          const error = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as M[K], done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiter = { resolve, reject };
        });
      },
      return: () => {
        buffer.length = 0;
        failure = undefined;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Ends every open iterator (they finish normally); listeners stay. */
  end(): void {
    for (const finish of [...this.#enders]) finish();
  }
}
