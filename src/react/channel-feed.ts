import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import type { Unsubscribe } from "../events.js";
import type {
  Channel,
  ChannelMessage,
  ChannelMessageAck,
  ChannelPresenceEvent,
  JsonObject,
  UserPresence,
} from "../gen/model.js";
import type { ChannelType } from "../gen/wire.js";
import type { Session } from "../session.js";
import type { WriteChatMessageOptions } from "../socket/socket-types.js";
import { type HeraldSocket, type HeraldSocketEvents, listen } from "./herald-socket.js";

/** Options of `useChannel`. */
export interface ChannelOptions {
  /** Store messages in history (the `persistence` of the join). @default true */
  persistence?: boolean | undefined;
  /** Join without presence events and without being listed. @default false */
  hidden?: boolean | undefined;
  /**
   * Messages per history page: the newest page is loaded on join, older ones by `loadOlder()`.
   * `0` loads no history (live messages only).
   * @default 50
   */
  historyPageSize?: number | undefined;
}

/** Where a channel of `useChannel` stands. */
export type ChannelStatus = "joining" | "joined" | "failed";

/** What `useChannel` returns besides its functions; replaced, never mutated. */
export interface ChannelSnapshot<T extends object = JsonObject> {
  /** `joining` until the join answers (and again while the socket reconnects), `failed` if it was refused. */
  readonly status: ChannelStatus;
  /** The channel as the last join returned it. */
  readonly channel: Channel | undefined;
  /** The channel's id, once joined. */
  readonly channelId: string | undefined;
  /** Messages, oldest first: the history loaded so far, then live ones as they come. */
  readonly messages: readonly ChannelMessage<T>[];
  /** Visible members, this connection included unless joined hidden. */
  readonly presences: readonly UserPresence[];
  /** True while older history pages may remain (`loadOlder()` reads the next). */
  readonly hasOlder: boolean;
  /** True while `loadOlder()` is reading a page. */
  readonly loadingOlder: boolean;
  /** Why the join or the history read failed. */
  readonly error: HeraldError | undefined;
}

const DEFAULT_PAGE_SIZE = 50;
// Message codes (docs/protocol.md): a realtime edit and a removal of an earlier message.
const EDITED = 1;
const REMOVED = 2;

const ignore = () => {};

/** The identity of a channel in the registry: two components asking the same share one join. */
export function channelKey(target: string, type: ChannelType, options: ChannelOptions): string {
  return JSON.stringify([type, target, options.persistence ?? true, options.hidden ?? false]);
}

/**
 * One joined channel shared by every component that asks for it: joins when the socket opens,
 * loads the newest history page, keeps messages and members live, and joins again (reloading the
 * newest page) when the app's socket comes back. Messages are kept once per id.
 */
export class ChannelFeed {
  readonly #socket: HeraldSocket;
  readonly #client: Client;
  readonly #session: Session;
  readonly #target: string;
  readonly #type: ChannelType;
  readonly #persistence: boolean;
  readonly #hidden: boolean;
  readonly #pageSize: number;
  readonly #listeners = new Set<() => void>();
  readonly #offs: Unsubscribe[];
  #snapshot: ChannelSnapshot = {
    status: "joining",
    channel: undefined,
    channelId: undefined,
    messages: [],
    presences: [],
    hasOlder: false,
    loadingOlder: false,
    error: undefined,
  };
  #olderCursor: string | undefined;
  #historyRead = false;
  #joins = 0;
  #waiters: { resolve(id: string): void; reject(error: HeraldError): void }[] = [];
  #closed = false;

  constructor(
    socket: HeraldSocket,
    client: Client,
    session: Session,
    target: string,
    type: ChannelType,
    options: ChannelOptions,
  ) {
    this.#socket = socket;
    this.#client = client;
    this.#session = session;
    this.#target = target;
    this.#type = type;
    this.#persistence = options.persistence ?? true;
    this.#hidden = options.hidden ?? false;
    this.#pageSize = options.historyPageSize ?? DEFAULT_PAGE_SIZE;
    this.#offs = [];
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 0 || this.#pageSize > 100) {
      // Shown like any refusal, rather than thrown at React from an effect.
      const error = new HeraldError(
        "bad_input",
        `useChannel: historyPageSize must be an integer from 0 to 100, not ${this.#pageSize}`,
      );
      this.#snapshot = { ...this.#snapshot, status: "failed", error };
      return;
    }
    this.#offs.push(
      listen(socket, "channelMessage", (m) => this.#onMessage(m)),
      listen(socket, "channelPresence", (e) => this.#onPresence(e)),
      listen(socket, "state", ({ previous, state }) => this.#onState(previous, state)),
      // Reconnecting sockets join again by themselves; joining once more reads the members now.
      listen(socket, "reconnected", () => this.#join()),
      listen(socket, "gap", (e) => this.#onGap(e)),
    );
    if (socket.state === "open") this.#join();
  }

  /** The current state; the same object until something changes. */
  get snapshot(): ChannelSnapshot {
    return this.#snapshot;
  }

  /** Calls `fn` after every change of {@link ChannelFeed.snapshot}. */
  subscribe(fn: () => void): Unsubscribe {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Sends a message, once the channel is joined; rejects with the join's error if it failed. */
  async send(content: object, options?: WriteChatMessageOptions): Promise<ChannelMessageAck> {
    const channelId = await this.#joined("send");
    return this.#socket.writeChatMessage(channelId, content, options);
  }

  /** Replaces the content of a message this user wrote. */
  async update(messageId: string, content: object, options?: CallOptions): Promise<ChannelMessageAck> {
    const channelId = await this.#joined("update");
    return this.#socket.updateChatMessage(channelId, messageId, content, options);
  }

  /** Removes a message this user wrote. */
  async remove(messageId: string, options?: CallOptions): Promise<ChannelMessageAck> {
    const channelId = await this.#joined("remove");
    return this.#socket.removeChatMessage(channelId, messageId, options);
  }

  /**
   * Reads the next older page of history and puts it before the messages shown. Resolves at once
   * when there is none or one is being read already.
   */
  async loadOlder(options?: CallOptions): Promise<void> {
    if (this.#closed) throw new HeraldError("bad_input", "loadOlder: the channel was left");
    const { channelId, loadingOlder } = this.#snapshot;
    if (!channelId || loadingOlder || !this.#olderCursor) return;
    this.#update({ loadingOlder: true });
    try {
      const page = await this.#client.listChannelMessages(this.#session, channelId, {
        ...options,
        limit: this.#pageSize,
        forward: false,
        cursor: this.#olderCursor,
      });
      if (this.#closed) return;
      this.#olderCursor = page.nextCursor;
      this.#merge(page.messages, "before");
      this.#update({ hasOlder: !!page.nextCursor, loadingOlder: false });
    } catch (error) {
      if (!this.#closed) this.#update({ loadingOlder: false });
      throw HeraldError.from(error);
    }
  }

  /** Marks the channel `failed` with `error` (a socket that can never open): waiting calls reject. */
  fail(error: HeraldError): void {
    this.#update({ status: "failed", error });
    this.#rejectWaiters(error);
  }

  /** Stops listening and, with `leave` (when the socket is open), leaves the channel. */
  close(leave = true): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#listeners.clear();
    this.#rejectWaiters(new HeraldError("bad_input", "the channel was left"));
    const { channelId } = this.#snapshot;
    if (leave && channelId && this.#socket.state === "open") this.#socket.leaveChat(channelId).catch(ignore);
  }

  // ---------- joining ----------

  #onState(previous: string, state: string): void {
    if (state === "open" && previous !== "reconnecting") {
      // First connection, or a plain socket the app connected again: nothing was joined for us.
      this.#join();
    } else if (state !== "open" && this.#snapshot.status === "joined") {
      this.#update({ status: "joining" });
    }
  }

  #join(): void {
    if (this.#closed) return;
    const attempt = ++this.#joins;
    if (this.#snapshot.status !== "joined") this.#update({ status: "joining" });
    this.#socket
      .joinChat(this.#target, this.#type, { persistence: this.#persistence, hidden: this.#hidden })
      .then(
        (channel) => {
          if (this.#closed) {
            if (this.#socket.state === "open") this.#socket.leaveChat(channel.id).catch(ignore);
            return;
          }
          if (attempt !== this.#joins) return;
          const presences = [...channel.presences];
          const self = channel.self;
          if (self && !this.#hidden && !presences.some((p) => p.sessionId === self.sessionId)) {
            presences.push(self);
          }
          this.#update({ status: "joined", channel, channelId: channel.id, presences, error: undefined });
          for (const w of this.#waiters.splice(0)) w.resolve(channel.id);
          void this.#readNewest(channel.id);
        },
        (error: unknown) => {
          if (this.#closed || attempt !== this.#joins) return;
          const e = HeraldError.from(error);
          // A join cut short by a lost connection is tried again when the socket is back.
          if (e.code === "disconnected" && this.#socket.state !== "open") return;
          this.#update({ status: "failed", error: e });
          this.#rejectWaiters(e);
        },
      );
  }

  async #readNewest(channelId: string): Promise<void> {
    if (this.#pageSize === 0) return;
    try {
      const page = await this.#client.listChannelMessages(this.#session, channelId, {
        limit: this.#pageSize,
        forward: false,
      });
      if (this.#closed) return;
      // After a reconnection the newest page fills what was missed; older pages stay where paging left them.
      if (!this.#historyRead) {
        this.#historyRead = true;
        this.#olderCursor = page.nextCursor;
        this.#update({ hasOlder: !!page.nextCursor });
      }
      this.#merge(page.messages, "sorted");
    } catch (error) {
      if (!this.#closed) this.#update({ error: HeraldError.from(error) });
    }
  }

  #joined(what: string): Promise<string> {
    if (this.#closed) return Promise.reject(new HeraldError("bad_input", `${what}: the channel was left`));
    const { channelId, status, error } = this.#snapshot;
    if (channelId) return Promise.resolve(channelId);
    if (status === "failed")
      return Promise.reject(error ?? new HeraldError("server_error", `${what}: join failed`));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #rejectWaiters(error: HeraldError): void {
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }

  #onGap(event: HeraldSocketEvents["gap"]): void {
    if (event.channelId !== this.#snapshot.channelId || event.reason !== "not_rejoined") return;
    const error = event.error ?? new HeraldError("server_error", "the channel could not be joined again");
    this.#update({ status: "failed", error });
  }

  // ---------- live events ----------

  #onMessage(message: ChannelMessage): void {
    if (message.channelId !== this.#snapshot.channelId) return;
    const messages = this.#snapshot.messages;
    const at = messages.findIndex((m) => m.messageId === message.messageId);
    if (message.code === REMOVED) {
      if (at >= 0) this.#update({ messages: messages.filter((_, i) => i !== at) });
    } else if (message.code === EDITED) {
      if (at >= 0) this.#update({ messages: messages.map((m, i) => (i === at ? message : m)) });
    } else if (at < 0) {
      this.#update({ messages: [...messages, message] });
    }
  }

  #onPresence(event: ChannelPresenceEvent): void {
    if (event.channelId !== this.#snapshot.channelId) return;
    const gone = new Set(event.leaves.map((p) => p.sessionId));
    const kept = this.#snapshot.presences.filter((p) => !gone.has(p.sessionId));
    const known = new Set(kept.map((p) => p.sessionId));
    const joined = event.joins.filter((p) => !known.has(p.sessionId));
    this.#update({ presences: [...kept, ...joined] });
  }

  // Adds messages not shown yet: `before` (an older page) in front; `sorted` (a newest page read
  // again) by creation time, keeping the order of ties as they were received.
  #merge(page: readonly ChannelMessage[], where: "before" | "sorted"): void {
    const shown = new Set(this.#snapshot.messages.map((m) => m.messageId));
    const fresh = page.filter((m) => !shown.has(m.messageId)).reverse();
    if (fresh.length === 0) return;
    const messages =
      where === "before"
        ? [...fresh, ...this.#snapshot.messages]
        : [...this.#snapshot.messages, ...fresh].sort(
            (a, b) => (a.createTime?.getTime() ?? 0) - (b.createTime?.getTime() ?? 0),
          );
    this.#update({ messages });
  }

  #update(change: Partial<ChannelSnapshot>): void {
    if (this.#closed) return;
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const fn of [...this.#listeners]) fn();
  }
}
