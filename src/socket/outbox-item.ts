import type { HeraldError } from "../errors.js";
import type { Envelope } from "../gen/wire.js";
import { canonicalChannelId } from "./ids.js";
import type { OutboxEntry, OutboxStorage } from "./outbox-storage.js";

/** A chat message in the outbox, with what the outbox knows of its fate so far. */
export interface OutboxItem {
  clientMsgId: string;
  channelId: string;
  /** The content as sent (a JSON object's text). */
  content: string;
  /** On the wire of the current connection, unacknowledged. */
  inFlight: boolean;
  /** Put on the wire at least once: the server may have stored it. */
  sent?: boolean;
  /** Losses this write came just before. */
  blamed: number;
  /** Times the server refused it for now (busy, rate limit). */
  refusals: number;
  /** Set while it waits to be sent again after such a refusal. */
  retryTimer?: ReturnType<typeof setTimeout> | undefined;
  /** Settles once the storage holds it. */
  stored: Promise<void>;
  /** The caller's promise, if one waits (none for entries loaded from storage). */
  resolve?: ((reply: Envelope | undefined) => void) | undefined;
  reject?: ((error: HeraldError) => void) | undefined;
  /** Stops watching the caller's signal and time limit. */
  unwatch?: (() => void) | undefined;
}

/**
 * Settles the caller's promise once, if one waits: with the reply, or with `error`. One function
 * for every item rather than a closure made per write.
 */
export function settleItem(item: OutboxItem, error: HeraldError | undefined, reply?: Envelope): void {
  const { resolve, reject } = item;
  if (!resolve) return;
  item.resolve = undefined;
  item.unwatch?.();
  if (error) reject?.(error);
  else resolve(reply);
}

/** What an item without storage waits for: nothing (one promise shared by all). */
export const STORED: Promise<void> = Promise.resolve();

/** A new item, neither sent nor refused yet. */
export function outboxItem(
  clientMsgId: string,
  channelId: string,
  content: string,
  stored: Promise<void>,
): OutboxItem {
  return { clientMsgId, channelId, content, inFlight: false, blamed: 0, refusals: 0, stored };
}

/**
 * The item of an entry stored by an earlier run. It waits for the join of its channel, whose id
 * the join answers in the server's spelling: the entry's, written by the app, may be another.
 */
export function storedItem(entry: OutboxEntry): OutboxItem {
  const content = JSON.stringify(entry.content);
  return outboxItem(entry.clientMsgId, canonicalChannelId(entry.channelId), content, STORED);
}

/**
 * Puts the stored entries of `userId` (and those of no user) first in `queue`, each once: the writes
 * made meanwhile are there already, and may be among them. None if `current()` turns false meanwhile
 * (another user's connect() came).
 */
export async function loadStored(
  storage: OutboxStorage | undefined,
  userId: string,
  queue: OutboxItem[],
  current: () => boolean,
): Promise<void> {
  const entries = (await storage?.load()) ?? [];
  if (!current()) return;
  const queued = new Set(queue.map((item) => item.clientMsgId));
  queue.unshift(
    ...entries
      .filter((entry) => (entry.userId ?? userId) === userId && !queued.has(entry.clientMsgId))
      .map(storedItem),
  );
}

// Close codes of a network failure or a server going away, as opposed to a server refusing what it read.
export const NETWORK_CLOSES = new Set([1001, 1006, 1012, 1013, 1014, 4000]);
// A write sent alone that still precedes network losses is given up after this many times maxAttempts.
export const NETWORK_FACTOR = 5;
// Sends have no time limit: the heartbeat notices a dead connection, and the message goes again.
export const NO_TIME_LIMIT = { timeoutMs: 0 } as const;

type UuidMaker = { randomUUID?: () => string } | undefined;
// Read at the first write, not at load (a polyfill may come later), then kept: in Node,
// `globalThis.crypto` is a getter that costs more than the UUID itself.
let platformCrypto: UuidMaker | null = null;

/** A random client message id (a UUID where the platform makes them). */
export function newMessageId(): string {
  if (platformCrypto === null) platformCrypto = (globalThis as { crypto?: UuidMaker }).crypto;
  return (
    platformCrypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  );
}

// Refusals that say "not now" rather than "not this".
const FOR_NOW = new Set(["unavailable", "rate_limited"]);

/**
 * True for the server's refusal of a request that may succeed later as it is (its database busy,
 * a rate limit), as opposed to a lost connection (no server code) or a refusal of the request.
 */
export function refusedForNow(error: HeraldError): boolean {
  return error.serverCode !== undefined && FOR_NOW.has(error.code);
}

/** Clears a retry the item was waiting for. */
export function stopRetry(item: OutboxItem): void {
  clearTimeout(item.retryTimer);
  item.retryTimer = undefined;
}
