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
import { mergeStretch, prependPage, reconcileShown, type StretchChanges } from "./message-merge.js";

/** The history page size of `useChannel` when none is given. */
export const DEFAULT_PAGE_SIZE = 50;
// The longest history page a server gives (Nakama's `limit` is 1 to 100).
const MAX_HISTORY_LIMIT = 100;
/**
 * How many pages (of the longest size) a plain socket's return reads back to fill what it missed;
 * past them the list starts again from the newest page. As far as a reconnecting socket's catch-up
 * reads by default.
 */
export const REFILL_PAGES = 10;
/**
 * How many pages of the longest size the check of the messages shown reads after a return (one,
 * on a server without exact cursors): it verifies the newest messages of the channel that far
 * back (1,000), and keeps older ones shown as they were.
 */
export const RECHECK_PAGES = 10;
// Message codes (docs/protocol.md): a realtime edit and a removal of an earlier message.
const EDITED = 1;
const REMOVED = 2;

/** What was pushed while a history read was on its way: its merge must know. */
interface Changes extends StretchChanges<ChannelMessage> {
  readonly arrived: Set<string>;
  readonly removed: Set<string>;
  readonly edited: Map<string, ChannelMessage>;
}

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
 *
 * After a return of a lost connection it checks the messages shown against history, since edits
 * and removals made meanwhile are not pushed and catch-up cannot see them (`#recheck`).
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
  /** The reads on their way, each noting what changed meanwhile. */
  readonly #reads = new Set<Changes>();
  /**
   * Set when the connection was lost with history shown: the newest message shown then (none if
   * the list was empty). A plain socket connected again reads back to it; a reconnecting one
   * catches up by itself. Kept until a read back succeeds, so that a return cut short reads back
   * to the same place.
   */
  #lostAt: { newest: ChannelMessage | undefined } | undefined;
  /** Counts losses of the connection: one during a read back leaves more to read. */
  #losses = 0;
  /**
   * Set when the connection was lost with history shown, until a check of the messages shown
   * against history succeeds: edits and removals made meanwhile are not pushed to this socket.
   */
  #unverified = false;
  /**
   * Set when the socket said (`gap`) that its catch-up does not read back this channel's messages
   * missed since the connection was lost: the next join reads the newest page.
   */
  #notCaughtUp = false;
  /** The error of the last check that failed: cleared when one succeeds. */
  #recheckError: HeraldError | undefined;
  /** Aborted by `close()`: stops the checks' reads. */
  readonly #closing = new AbortController();
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
        feed.onJoined((id) => void this.#joined(id)),
        listen(feed.socket, "channelMessage", (m) => this.#onMessage(m)),
        listen(feed.socket, "gap", (e) => this.#onGap(e)),
        listen(feed.socket, "state", ({ previous, state }) => this.#onState(previous, state)),
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
    const changes = this.#watchChanges();
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
        const older = [...page.messages].reverse();
        this.#set({
          messages: prependPage(this.#history.messages, older, changes.removed),
          hasOlder: !!page.nextCursor,
          loadingOlder: false,
        });
      } else {
        // The newest `depth` messages, from the top: what is shown, plus one more page.
        const depth = Math.min(MAX_HISTORY_LIMIT, this.#history.messages.length + this.#pageSize);
        const page = await this.#client.listChannelMessages(this.#session, channelId, {
          ...options,
          limit: depth,
          forward: false,
        });
        if (this.#closed || epoch !== this.#epoch) return;
        // The listing is the newest stretch, in the server's order: it holds what is shown.
        const listed = [...page.messages].reverse();
        this.#set({
          messages: mergeStretch(this.#history.messages, listed, changes),
          ...this.#reach(!!page.nextCursor, depth),
          loadingOlder: false,
        });
      }
    } catch (error) {
      if (!this.#closed) this.#set({ loadingOlder: false });
      throw HeraldError.from(error);
    } finally {
      this.#reads.delete(changes);
    }
  }

  /** Stops listening. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    for (const off of this.#offs) off();
    this.#listeners.clear();
    this.#reads.clear();
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

  // Notes what changes while a read is on its way; the caller stops it with `#reads.delete`.
  #watchChanges(): Changes {
    const changes: Changes = { arrived: new Set(), removed: new Set(), edited: new Map() };
    this.#reads.add(changes);
    return changes;
  }

  async #readNewest(channelId: string): Promise<void> {
    if (this.#pageSize === 0 || this.#closed) return;
    const epoch = this.#epoch;
    const changes = this.#watchChanges();
    try {
      const [page, exact] = await Promise.all([
        this.#client.listChannelMessages(this.#session, channelId, { limit: this.#pageSize, forward: false }),
        this.#exactCursors(),
      ]);
      if (this.#closed || epoch !== this.#epoch) return;
      // After a reconnection the newest page fills what was missed; older pages stay where paging left them.
      if (!this.#historyRead) {
        this.#historyRead = true;
        this.#olderCursor = page.nextCursor;
        const more = !!page.nextCursor;
        this.#set(exact ? { hasOlder: more } : this.#reach(more, this.#pageSize));
      }
      this.#mergeNewest(page.messages, changes);
    } catch (error) {
      if (!this.#closed) this.#set({ error: HeraldError.from(error) });
    } finally {
      this.#reads.delete(changes);
    }
  }

  /**
   * A plain socket is back after a loss: reads history back, newest first, to the newest message
   * shown before the loss (`newest`; none: to the start), and merges what it finds, so the list
   * has no silent hole. Past {@link REFILL_PAGES} pages (one page, on a server without exact
   * cursors) the list starts again from the newest page instead, as for a `gap`.
   */
  async #readBack(channelId: string, newest: ChannelMessage | undefined): Promise<void> {
    if (this.#pageSize === 0 || this.#closed) return;
    const epoch = this.#epoch;
    const losses = this.#losses;
    const changes = this.#watchChanges();
    const stop = newest && { id: newest.messageId, time: newest.createTime?.getTime() ?? 0 };
    try {
      const exact = await this.#exactCursors();
      const missed: ChannelMessage[] = [];
      let cursor: string | undefined;
      let reached = false;
      for (let n = 0; n < (exact ? REFILL_PAGES : 1) && !reached; n++) {
        const page = await this.#client.listChannelMessages(this.#session, channelId, {
          limit: MAX_HISTORY_LIMIT,
          forward: false,
          cursor,
        });
        if (this.#closed || epoch !== this.#epoch) return;
        for (const m of page.messages) {
          // The newest message shown before, or one older than it (it was removed meanwhile).
          if (stop && (m.messageId === stop.id || (m.createTime?.getTime() ?? 0) < stop.time)) {
            reached = true;
            break;
          }
          missed.push(m);
        }
        // The start of the channel's history: nothing older was missed.
        if (!page.nextCursor || page.nextCursor === cursor) reached = true;
        cursor = page.nextCursor;
      }
      // Lost again meanwhile: the next return reads back to the same place.
      if (losses === this.#losses) this.#lostAt = undefined;
      if (reached) this.#mergeNewest(missed, changes);
      else this.#restart(channelId);
    } catch (error) {
      if (!this.#closed && epoch === this.#epoch) this.#set({ error: HeraldError.from(error) });
    } finally {
      this.#reads.delete(changes);
    }
  }

  // A join succeeded: reads what is missing, then, if the connection was lost with history shown,
  // checks what is shown against history. After a reconnecting socket's return its catch-up
  // delivers what was missed in a channel joined with persistence (or a `gap` of
  // `too_far_behind` or `history_unreadable` starts the list again), so the check is then the only
  // read; a channel catch-up did not follow (joined without persistence, or not joined again at
  // first) reads its newest page.
  async #joined(channelId: string): Promise<void> {
    const recheck = this.#unverified;
    const epoch = this.#epoch;
    const caughtUp = recheck && this.#historyRead && this.feed.persistent && !this.#notCaughtUp;
    this.#unverified = false;
    this.#notCaughtUp = false;
    if (this.#lostAt) await this.#readBack(channelId, this.#lostAt.newest);
    else if (!caughtUp) await this.#readNewest(channelId);
    // Started again from the newest page meanwhile: nothing shown predates the return.
    if (recheck && epoch === this.#epoch) await this.#recheck(channelId);
  }

  /**
   * Reads the channel's newest history again, back to the oldest message shown (at most
   * {@link RECHECK_PAGES} pages of 100; one on a server without exact cursors, whose cursors may
   * repeat), and applies the edits and removals it finds to the messages shown (see
   * `reconcileShown`). A read that fails keeps what is shown, says so in `error`, and is tried
   * again on the next return.
   */
  async #recheck(channelId: string): Promise<void> {
    const epoch = this.#epoch;
    const stored = this.#history.messages.filter((m) => m.persistent !== false);
    const oldest = stored[0];
    if (this.#closed || !oldest) return;
    const target = oldest.createTime?.getTime() ?? 0;
    const changes = this.#watchChanges();
    try {
      const exact = await this.#exactCursors();
      const listed: ChannelMessage[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      let complete = false;
      const { signal } = this.#closing;
      for (let n = 0; n < (exact ? RECHECK_PAGES : 1); n++) {
        const page = await this.#client.listChannelMessages(this.#session, channelId, {
          limit: MAX_HISTORY_LIMIT,
          forward: false,
          cursor,
          signal,
        });
        if (this.#closed || epoch !== this.#epoch) return;
        const fresh = page.messages.filter((m) => !seen.has(m.messageId));
        for (const m of fresh) seen.add(m.messageId);
        listed.push(...fresh);
        // Fewer than asked, or no older page where cursors are exact: the first message is in.
        complete = page.messages.length < MAX_HISTORY_LIMIT || (exact && !page.nextCursor);
        const last = listed.at(-1);
        const reached = !last || (last.createTime?.getTime() ?? 0) < target;
        // A cursor that repeats, or a page with nothing new, cannot be followed further.
        if (complete || reached || !page.nextCursor || page.nextCursor === cursor || fresh.length === 0)
          break;
        cursor = page.nextCursor;
      }
      const shown = this.#history.messages;
      const messages = reconcileShown(shown, listed, complete, changes);
      const error = this.#history.error === this.#recheckError ? undefined : this.#history.error;
      this.#recheckError = undefined;
      if (messages !== shown || error !== this.#history.error) this.#set({ messages, error });
    } catch (e) {
      if (this.#closed || epoch !== this.#epoch) return;
      this.#unverified = true;
      this.#recheckError = HeraldError.from(e);
      this.#set({ error: this.#recheckError });
    } finally {
      this.#reads.delete(changes);
    }
  }

  // Merges a newest stretch of history (newest first, as listed) into the list, in the server's order.
  #mergeNewest(newestFirst: readonly ChannelMessage[], changes: Changes): void {
    const stretch = [...newestFirst].reverse();
    const messages = mergeStretch(this.#history.messages, stretch, changes);
    const shown = this.#history.messages;
    if (messages.length === shown.length && messages.every((m, i) => m === shown[i])) return;
    this.#set({ messages });
  }

  #onState(previous: string, state: string): void {
    if (state === "open") {
      // A reconnecting socket delivers what was missed by itself (and says `gap` when it cannot).
      if (previous === "reconnecting") this.#lostAt = undefined;
    } else if (previous === "open" && this.#historyRead && this.#pageSize > 0) {
      this.#losses++;
      this.#unverified = true;
      // Messages sent without persistence are not in history: reading back could not find them.
      const stored = this.#history.messages.filter((m) => m.persistent !== false);
      this.#lostAt ??= { newest: stored.at(-1) };
    }
  }

  // Messages were lost for good after a reconnection (more than catch-up reads back, or history
  // unreadable): the list shown would hide a hole. It starts again from the newest page, and
  // paging older reads through what was skipped.
  #onGap(event: HeraldSocketEvents["gap"]): void {
    const { channelId } = this.feed.state;
    if (event.channelId !== channelId || this.#pageSize === 0) return;
    if (event.reason !== "too_far_behind" && event.reason !== "history_unreadable") {
      this.#notCaughtUp = true;
      return;
    }
    this.#restart(channelId);
  }

  #restart(channelId: string): void {
    this.#epoch++;
    this.#historyRead = false;
    this.#olderCursor = undefined;
    // Started again while the connection is away: its return reads back from the start (or, past
    // the pages read back, starts again once more).
    this.#lostAt = this.feed.socket.state === "open" ? undefined : { newest: undefined };
    this.#set({ messages: [], hasOlder: false, historyLimited: false, loadingOlder: false });
    void this.#readNewest(channelId);
  }

  #onMessage(message: ChannelMessage): void {
    if (message.channelId !== this.feed.state.channelId) return;
    for (const changes of this.#reads) {
      if (message.code === REMOVED) changes.removed.add(message.messageId);
      else if (message.code === EDITED) changes.edited.set(message.messageId, message);
      else changes.arrived.add(message.messageId);
    }
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
