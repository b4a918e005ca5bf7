import type { JsonObject } from "../gen/model.js";
import type { ReconnectOptions } from "./backoff.js";

/** A chat message waiting to be acknowledged by the server. */
export interface OutboxEntry {
  /** The client message id the server deduplicates on; also the entry's key. */
  clientMsgId: string;
  channelId: string;
  content: JsonObject;
  /**
   * The user who wrote it: it goes out only over a connection of that user. An entry without one
   * (stored by an earlier version) goes out over the next connection, whoever's it is.
   */
  userId?: string | undefined;
}

/**
 * Where the outbox keeps unacknowledged messages. The default keeps them in memory; an app can
 * back it with IndexedDB, AsyncStorage or a file so that messages survive a restart. Methods may
 * return promises; entries must come back from `load` in the order they were added.
 */
export interface OutboxStorage {
  /**
   * Every stored entry, oldest first: read when the socket first connects, and again when it
   * connects with another user's session (each user's entries are sent only over their own), or
   * after a read that failed. May be called while entries are added (writes made meanwhile).
   */
  load(): OutboxEntry[] | Promise<OutboxEntry[]>;
  /** Stores a new entry after the others. */
  add(entry: OutboxEntry): void | Promise<void>;
  /** Forgets an entry (it was acknowledged, or refused for good). */
  remove(clientMsgId: string): void | Promise<void>;
}

/** An {@link OutboxStorage} in memory: entries last as long as the page or process. */
export class MemoryOutboxStorage implements OutboxStorage {
  readonly #entries = new Map<string, OutboxEntry>();

  load(): OutboxEntry[] {
    return [...this.#entries.values()];
  }

  add(entry: OutboxEntry): void {
    this.#entries.set(entry.clientMsgId, entry);
  }

  remove(clientMsgId: string): void {
    this.#entries.delete(clientMsgId);
  }
}

/** Options of a socket's outbox (`createSocket({ outbox })`). */
export interface OutboxOptions {
  /** @default a {@link MemoryOutboxStorage} */
  storage?: OutboxStorage | undefined;
  /** The most messages waiting at once; one more is refused with `resource_exhausted`. @default 10000 */
  maxSize?: number | undefined;
  /**
   * How many lost connections a message may come just before (sent, unacknowledged, then the
   * connection lost) before it is given up as one the server will not take: its call rejects and
   * the messages behind it go on. @default 2
   */
  maxAttempts?: number | undefined;
  /**
   * How many times a message the server refused for now (`unavailable`: gRPC 14, its database
   * busy or away; or `rate_limited`) is sent again before its call rejects with that refusal.
   * Any other refusal rejects at once. @default 5
   */
  maxRetries?: number | undefined;
  /** The delays between those retries (full jitter). @default { minDelayMs: 250, maxDelayMs: 5000 } */
  retryBackoff?: Omit<ReconnectOptions, "random"> | undefined;
}
