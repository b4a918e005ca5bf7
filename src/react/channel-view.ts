import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import type { Unsubscribe } from "../events.js";
import type { ChannelMessage, ChannelMessageAck } from "../gen/model.js";
import type { Session } from "../session.js";
import type { WriteChatMessageOptions } from "../socket/socket-types.js";
import type { ChannelFeed } from "./channel-feed.js";
import type { ChannelSnapshot } from "./channel-types.js";
import { type HeraldSocketEvents, listen } from "./herald-socket.js";

/** The history page size of `useChannel` when none is given. */
export const DEFAULT_PAGE_SIZE = 50;
// The longest history page a server gives (Nakama's `limit` is 1 to 100).
const MAX_HISTORY_LIMIT = 100;
// Message codes (docs/protocol.md): a realtime edit and a removal of an earlier message.
const EDITED = 1;
const REMOVED = 2;

interface History {
  messages: readonly ChannelMessage[];
  hasOlder: boolean;
  historyLimited: boolean;
  loadingOlder: boolean;
  error: HeraldError | undefined;
}

/**
 * The messages of a shared channel for the components asking for one history page size: the
 * newest page on each join, older pages on `loadOlder()`, live messages, edits and removals, each
 * message once. Its snapshot joins them with the channel's shared state.
 *
 * On a server without exact history cursors (stock Nakama, whose 3.26 release skips and repeats
 * messages when paging by cursor) older pages are read as a longer newest page, without cursor,
 * which such a server answers exactly; past the longest page a server gives (100), older messages
 * are out of reach and the snapshot says so (`historyLimited`).
 */
export class ChannelView {
  readonly feed: ChannelFeed;
  readonly #client: Client;
  readonly #session: Session;
  readonly #pageSize: number;
  readonly #listeners = new Set<() => void>();
  readonly #offs: Unsubscribe[] = [];
  readonly #invalid: HeraldError | undefined;
  #history: History = {
    messages: [],
    hasOlder: false,
    historyLimited: false,
    loadingOlder: false,
    error: undefined,
  };
  #snapshot: ChannelSnapshot;
  #olderCursor: string | undefined;
  #historyRead = false;
  #exact: Promise<boolean> | undefined;
  /** Counts resets of the history: a page read before one belongs to the old list. */
  #epoch = 0;
  #closed = false;

  constructor(feed: ChannelFeed, client: Client, session: Session, pageSize = DEFAULT_PAGE_SIZE) {
    this.feed = feed;
    this.#client = client;
    this.#session = session;
    this.#pageSize = pageSize;
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_HISTORY_LIMIT) {
      // Shown like any refusal, rather than thrown at React from an effect.
      this.#invalid = new HeraldError(
        "bad_input",
        `useChannel: historyPageSize must be an integer from 0 to ${MAX_HISTORY_LIMIT}, not ${pageSize}`,
      );
    } else {
      this.#offs.push(
        feed.subscribe(() => this.#changed()),
        feed.onJoined((id) => void this.#readNewest(id)),
        listen(feed.socket, "channelMessage", (m) => this.#onMessage(m)),
        listen(feed.socket, "gap", (e) => this.#onGap(e)),
      );
      const { channelId } = feed.state;
      if (channelId) void this.#readNewest(channelId);
    }
    this.#snapshot = this.#combine();
  }

  /** The current state; the same object until something changes. */
  get snapshot(): ChannelSnapshot {
    return this.#snapshot;
  }

  /** Calls `fn` after every change of {@link ChannelView.snapshot}. */
  subscribe(fn: () => void): Unsubscribe {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Sends a message through the shared join. */
  send(content: object, options?: WriteChatMessageOptions): Promise<ChannelMessageAck> {
    return this.#invalid ? Promise.reject(this.#invalid) : this.feed.send(content, options);
  }

  /** Replaces the content of a message this user wrote. */
  update(messageId: string, content: object, options?: CallOptions): Promise<ChannelMessageAck> {
    return this.#invalid ? Promise.reject(this.#invalid) : this.feed.update(messageId, content, options);
  }

  /** Removes a message this user wrote. */
  remove(messageId: string, options?: CallOptions): Promise<ChannelMessageAck> {
    return this.#invalid ? Promise.reject(this.#invalid) : this.feed.remove(messageId, options);
  }

  /**
   * Reads the next older page of history and puts it before the messages shown. Resolves at once
   * when there is none or one is being read already; rejects with `unsupported` when older
   * messages exist that the server cannot page to (`historyLimited`).
   */
  async loadOlder(options?: CallOptions): Promise<void> {
    if (this.#closed || this.feed.closed)
      throw new HeraldError("bad_input", "loadOlder: the channel was left");
    if (this.#invalid) throw this.#invalid;
    const { channelId } = this.feed.state;
    const { loadingOlder, historyLimited, hasOlder } = this.#history;
    if (historyLimited) {
      throw new HeraldError(
        "unsupported",
        `loadOlder: this server pages history without exact cursors; only its newest ${MAX_HISTORY_LIMIT} messages can be read`,
      );
    }
    if (!channelId || loadingOlder || !hasOlder) return;
    const epoch = this.#epoch;
    this.#set({ loadingOlder: true });
    try {
      if (await this.#exactCursors()) {
        const page = await this.#client.listChannelMessages(this.#session, channelId, {
          ...options,
          limit: this.#pageSize,
          forward: false,
          cursor: this.#olderCursor,
        });
        if (this.#closed || epoch !== this.#epoch) return;
        this.#olderCursor = page.nextCursor;
        this.#merge(page.messages, "before");
        this.#set({ hasOlder: !!page.nextCursor, loadingOlder: false });
      } else {
        // The newest `depth` messages, from the top: what is shown, plus one more page.
        const depth = Math.min(MAX_HISTORY_LIMIT, this.#history.messages.length + this.#pageSize);
        const page = await this.#client.listChannelMessages(this.#session, channelId, {
          ...options,
          limit: depth,
          forward: false,
        });
        if (this.#closed || epoch !== this.#epoch) return;
        // The listing is the newest stretch, in the server's order (creation times can tie):
        // it is the list, followed by what arrived live after it was read.
        const listed = [...page.messages].reverse();
        const ids = new Set(listed.map((m) => m.messageId));
        this.#set({ messages: [...listed, ...this.#history.messages.filter((m) => !ids.has(m.messageId))] });
        this.#set({ ...this.#reach(!!page.nextCursor, depth), loadingOlder: false });
      }
    } catch (error) {
      if (!this.#closed) this.#set({ loadingOlder: false });
      throw HeraldError.from(error);
    }
  }

  /** Stops listening. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#listeners.clear();
  }

  // Whether more is known to exist, and whether this server can page to it.
  #reach(more: boolean, depth: number): Pick<History, "hasOlder" | "historyLimited"> {
    const limited = more && depth >= MAX_HISTORY_LIMIT;
    return { hasOlder: more && !limited, historyLimited: limited };
  }

  #exactCursors(): Promise<boolean> {
    this.#exact ??= this.#client.capabilities().then(
      (caps) => caps.extensions.includes("exact_cursors"),
      // Unknown: trust one page per listing, which every server answers exactly.
      () => false,
    );
    return this.#exact;
  }

  async #readNewest(channelId: string): Promise<void> {
    if (this.#pageSize === 0 || this.#closed) return;
    try {
      const [page, exact] = await Promise.all([
        this.#client.listChannelMessages(this.#session, channelId, { limit: this.#pageSize, forward: false }),
        this.#exactCursors(),
      ]);
      if (this.#closed) return;
      // After a reconnection the newest page fills what was missed; older pages stay where paging left them.
      if (!this.#historyRead) {
        this.#historyRead = true;
        this.#olderCursor = page.nextCursor;
        const more = !!page.nextCursor;
        this.#set(exact ? { hasOlder: more } : this.#reach(more, this.#pageSize));
      }
      this.#merge(page.messages, "sorted");
    } catch (error) {
      if (!this.#closed) this.#set({ error: HeraldError.from(error) });
    }
  }

  // Messages were lost for good after a reconnection (more than catch-up reads back, or history
  // unreadable): the list shown would hide a hole. It starts again from the newest page, and
  // paging older reads through what was skipped.
  #onGap(event: HeraldSocketEvents["gap"]): void {
    const { channelId } = this.feed.state;
    if (event.channelId !== channelId || this.#pageSize === 0) return;
    if (event.reason !== "too_far_behind" && event.reason !== "history_unreadable") return;
    this.#epoch++;
    this.#historyRead = false;
    this.#olderCursor = undefined;
    this.#set({ messages: [], hasOlder: false, historyLimited: false, loadingOlder: false });
    void this.#readNewest(channelId);
  }

  #onMessage(message: ChannelMessage): void {
    if (message.channelId !== this.feed.state.channelId) return;
    const messages = this.#history.messages;
    const at = messages.findIndex((m) => m.messageId === message.messageId);
    if (message.code === REMOVED) {
      if (at >= 0) this.#set({ messages: messages.filter((_, i) => i !== at) });
    } else if (message.code === EDITED) {
      if (at >= 0) this.#set({ messages: messages.map((m, i) => (i === at ? message : m)) });
    } else if (at < 0) {
      this.#set({ messages: [...messages, message] });
    }
  }

  // Adds messages not shown yet: `before` (an older page) in front; `sorted` (a newest page read
  // again) by creation time, keeping the order of ties as they were received.
  #merge(page: readonly ChannelMessage[], where: "before" | "sorted"): void {
    const shown = new Set(this.#history.messages.map((m) => m.messageId));
    const fresh = page.filter((m) => !shown.has(m.messageId)).reverse();
    if (fresh.length === 0) return;
    const messages =
      where === "before"
        ? [...fresh, ...this.#history.messages]
        : [...this.#history.messages, ...fresh].sort(
            (a, b) => (a.createTime?.getTime() ?? 0) - (b.createTime?.getTime() ?? 0),
          );
    this.#set({ messages });
  }

  #set(change: Partial<History>): void {
    if (this.#closed) return;
    this.#history = { ...this.#history, ...change };
    this.#changed();
  }

  #changed(): void {
    if (this.#closed) return;
    this.#snapshot = this.#combine();
    for (const fn of [...this.#listeners]) fn();
  }

  #combine(): ChannelSnapshot {
    const join = this.feed.state;
    const h = this.#history;
    return {
      status: this.#invalid ? "failed" : join.status,
      channel: join.channel,
      channelId: join.channelId,
      presences: join.presences,
      messages: h.messages,
      hasOlder: h.hasOlder,
      historyLimited: h.historyLimited,
      loadingOlder: h.loadingOlder,
      error: this.#invalid ?? join.error ?? h.error,
    };
  }
}
