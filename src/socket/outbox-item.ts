import type { HeraldError } from "../errors.js";
import type { Envelope } from "../gen/wire.js";

/** A chat message in the outbox, with what the outbox knows of its fate so far. */
export interface OutboxItem {
  clientMsgId: string;
  channelId: string;
  /** The content as sent (a JSON object's text). */
  content: string;
  /** On the wire of the current connection, unacknowledged. */
  inFlight: boolean;
  /** Losses this write came just before. */
  blamed: number;
  /** Times the server refused it for now (busy, rate limit). */
  refusals: number;
  /** Set while it waits to be sent again after such a refusal. */
  retryTimer?: ReturnType<typeof setTimeout> | undefined;
  /** Settles once the storage holds it. */
  stored: Promise<void>;
  /** The caller, if one waits (none for entries loaded from storage). */
  settle?: ((error: HeraldError | undefined, reply?: Envelope) => void) | undefined;
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

/** A random client message id (a UUID where the platform makes them). */
export function newMessageId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
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
