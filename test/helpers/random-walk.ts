// Seeded random walks through cut connections (test/resilience/chaos.test.ts,
// test/presence/chaos.test.ts): the generator, the bookkeeping of which calls succeeded, the cuts
// and the walk's log printed with a failure.

import type { Socket } from "../../src/index.js";
import { nextEvent } from "../sdk/helpers.js";

/** A small seeded generator (mulberry32), so that a walk can be walked again. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of walk number `index`: the same walk on every run (the moments of the cuts vary with
 * timing); HERALD_CHAOS_SEED=N walks other ways.
 */
export const walkSeed = (index: number): number => Number(process.env.HERALD_CHAOS_SEED ?? 20261202) + index;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the socket is open (at once if it is). */
export async function waitOpen(socket: Socket): Promise<void> {
  if (socket.state === "open") return;
  await nextEvent(socket.onState.bind(socket), "the socket open", (c) => c.state === "open", 10000);
}

/**
 * What the calls that succeeded left, key by key: the value of the last call made on a key, if it
 * succeeded; a key whose last call failed (or has not settled) may be either way.
 */
export class Known<V = boolean> {
  readonly #last = new Map<unknown, { seq: number; value?: V; settled: boolean }>();
  #seq = 0;

  /** A call on `keys` starts; returns its number. */
  start(keys: readonly unknown[]): number {
    const seq = ++this.#seq;
    for (const key of keys) this.#last.set(key, { seq, settled: false });
    return seq;
  }

  /** Call `seq` succeeded: its value counts where no later call was made. */
  settle(keys: readonly unknown[], seq: number, value: V): void {
    for (const key of keys) {
      if (this.#last.get(key)?.seq === seq) this.#last.set(key, { seq, value, settled: true });
    }
  }

  /** Whether the key's state is known, and then its value (`fallback` for a key never called). */
  state(key: unknown, fallback: V): { known: boolean; value: V } {
    const last = this.#last.get(key);
    if (last === undefined) return { known: true, value: fallback };
    return last.settled ? { known: true, value: last.value as V } : { known: false, value: fallback };
  }

  /** The value, once known. */
  get(key: unknown): V | undefined {
    const last = this.#last.get(key);
    return last?.settled ? last.value : undefined;
  }
}

/** One walk: its generator, its log, and the calls it left running. */
export class Walk {
  readonly rand: () => number;
  readonly #log: string[] = [];
  readonly #inFlight: Promise<unknown>[] = [];

  constructor(readonly seed: number) {
    this.rand = random(seed);
  }

  /** One of `items`, at random. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)] as T;
  }

  log(line: string): void {
    this.#log.push(line);
  }

  /** Keeps a promise the walk does not wait for; {@link settle} waits for them all. */
  leave(running: Promise<unknown>): void {
    this.#inFlight.push(running);
  }

  /**
   * Calls `call` on `keys` of `known` (noting `what` in the log, and its failure); awaited, or
   * left to run beside the next calls three times in ten.
   */
  async run<V>(
    what: string,
    known: Known<V>,
    keys: readonly unknown[],
    value: V,
    call: () => Promise<unknown>,
  ) {
    this.#log.push(what);
    const line = this.#log.length - 1;
    const seq = known.start(keys);
    const done = call().then(
      () => known.settle(keys, seq, value),
      (error: { code?: string }) => {
        this.#log[line] += ` (failed: ${error.code})`;
      },
    );
    if (this.rand() < 0.3) this.#inFlight.push(done);
    else await done;
  }

  /**
   * Cuts the connection now or a moment later, 15 times in 100; calls made while reconnecting
   * fail (chat messages wait in the outbox), so half the time the walk waits for the connection.
   */
  async maybeCut(cut: () => void, socket: Socket): Promise<void> {
    if (this.rand() >= 0.15) return;
    const delay = Math.floor(this.rand() * 8);
    setTimeout(cut, delay);
    this.#log.push(`cut in ${delay} ms`);
    if (this.rand() < 0.5) {
      await sleep(delay + 1);
      await waitOpen(socket);
    }
  }

  /** A pause of 0 to 5 ms between steps. */
  pause(): Promise<void> {
    return sleep(Math.floor(this.rand() * 6));
  }

  /** Waits for every call left running. */
  async settle(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  /** An assertion message: `what`, the seed and the walk. */
  failure(what: string): string {
    return `${what}\nseed ${this.seed}; the walk:\n${this.#log.join("\n")}`;
  }
}
