import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import { Emitter, type EventIteratorOptions, type Unsubscribe } from "../events.js";
import type {
  Channel,
  ChannelMessage,
  ChannelMessageAck,
  ChannelPresenceEvent,
  JsonObject,
  Notification,
  StatusPresenceEvent,
  UserPresence,
} from "../gen/model.js";
import type { ChannelType } from "../gen/wire.js";
import { stringifyJsonObject } from "../protocol/model.js";
import type { Session } from "../session.js";
import type {
  ConnectOptions,
  DisconnectEvent,
  JoinChatOptions,
  Socket,
  SocketOptions,
  SocketState,
  WriteChatMessageOptions,
} from "../socket.js";
import { defaultWebSocket, type WebSocketConstructor, type WebSocketLike } from "../transport/websocket.js";
import { type ReconnectOptions, retryDelay } from "./backoff.js";
import { type HistoryMark, newestMark, readSince } from "./catch-up.js";
import { MemoryOutboxStorage, type OutboxEntry, type OutboxOptions, type OutboxStorage } from "./outbox.js";

/** Heartbeat settings: a protocol ping every `intervalMs`, failing after `timeoutMs` without a pong. */
export interface HeartbeatOptions {
  /** @default 10000 */
  intervalMs?: number | undefined;
  /** @default 5000 */
  timeoutMs?: number | undefined;
}

/** Options of {@link createResilientSocket}. */
export interface ResilientSocketOptions extends SocketOptions {
  /** Retry timing after a lost connection. */
  reconnect?: ReconnectOptions | undefined;
  /** Ping settings, or `false` to rely on the platform noticing a dead connection. */
  heartbeat?: HeartbeatOptions | false | undefined;
  /** Where unacknowledged messages wait, and how many may. */
  outbox?: OutboxOptions | undefined;
}

/** A change of connection state, and why. */
export interface ResilientStateChange {
  previous: SocketState;
  state: SocketState;
  /** Why, in words: "connected", "connection lost (1006)", "heartbeat timeout", ... */
  reason: string;
  /** The error behind the change, if one was. */
  error?: HeraldError | undefined;
}

/** What was restored after a reconnection. */
export interface ReconnectedEvent {
  /** Connection attempts made, the successful one included. */
  attempts: number;
  /** Whether the connection appears online at connect (the `appearOnline` connect option). */
  appearOnline: boolean;
  /** The status set again, if `updateStatus` had been called (undefined: appears offline). */
  status?: string | undefined;
  /** Whether a status was set again at all. */
  statusRestored: boolean;
  /** Users followed again, by id and by username. */
  follows: string[];
  followedUsernames: string[];
  /** The followed users online now, as the follow answered. */
  presences: UserPresence[];
  /** Channels joined again, by id. */
  channels: string[];
  /** Steps that failed (a channel that refused the join is forgotten, and has a `gap` event). */
  failed: { what: string; error: HeraldError }[];
}

/** Messages of a channel that could not be recovered after a reconnection. */
export interface GapEvent {
  channelId: string;
  /**
   * `not_persistent`: the channel keeps no history; `history_unreadable`: listing it failed;
   * `not_rejoined`: joining it again was refused (the channel is no longer joined).
   */
  reason: "not_persistent" | "history_unreadable" | "not_rejoined";
  error?: HeraldError | undefined;
}

/** A channel message; `catchUp` is true for one fetched from history after a reconnection. */
export type ResilientChannelMessage<T extends object = JsonObject> = ChannelMessage<T> & {
  catchUp?: true;
};

/** Events of a {@link ResilientSocket}, by name. */
export interface ResilientSocketEvents {
  statusPresence: StatusPresenceEvent;
  channelPresence: ChannelPresenceEvent;
  /** Live messages, and (marked `catchUp`) those missed while away, each once, in order per channel. */
  channelMessage: ResilientChannelMessage;
  notification: Notification;
  error: HeraldError;
  /** The socket closed for good: `disconnect()`, or a session the server refuses. */
  disconnect: DisconnectEvent;
  state: ResilientStateChange;
  reconnected: ReconnectedEvent;
  gap: GapEvent;
}

interface TrackedChannel {
  target: string;
  type: ChannelType;
  persistence: boolean;
  hidden: boolean;
  /** False when the history mark could not be read at join: missed messages cannot be fetched. */
  readable: boolean;
  mark: HistoryMark;
  /** Ids delivered that could still come again: live ones after `mark`, or read ones whose live copy is late. */
  seen: Set<string>;
  /** Live messages held back while history is read. */
  buffer: ChannelMessage[] | undefined;
}

interface QueuedWrite {
  entry: OutboxEntry;
  /** The connection it was last sent on (0: not sent on any). */
  sentOn: number;
  stored: Promise<void>;
  resolve?: ((ack: ChannelMessageAck) => void) | undefined;
  reject?: ((error: HeraldError) => void) | undefined;
}

// Past this many remembered ids, a channel's history mark is moved forward to forget them.
const SEEN_LIMIT = 1000;

const asHerald = (error: unknown, what: string): HeraldError =>
  HeraldError.is(error) ? error : new HeraldError("server_error", `${what} failed`, { cause: error });

function newMessageId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

interface PlatformEvents {
  addEventListener?(name: string, fn: () => void): void;
  removeEventListener?(name: string, fn: () => void): void;
}

/**
 * A socket that survives lost connections. It pings the server to notice a silent one, reconnects
 * with full-jitter backoff, restores status, follows and channel joins, fetches the messages missed
 * meanwhile, and keeps chat messages in an outbox until the server acknowledges them.
 *
 * States: `connecting` (first `connect()`, not retried: it rejects on failure), `open`,
 * `reconnecting` (retried until it succeeds, the server refuses the session, or `disconnect()`),
 * `closed` (nothing retried).
 */
export class ResilientSocket {
  readonly #client: Client;
  readonly #socket: Socket;
  readonly #events = new Emitter<ResilientSocketEvents>();
  readonly #reconnect: ReconnectOptions;
  readonly #heartbeat: Required<HeartbeatOptions> | undefined;
  readonly #storage: OutboxStorage;
  readonly #maxOutbox: number;
  #state: SocketState = "closed";
  #session: Session | undefined;
  #connectOptions: ConnectOptions = {};
  #raw: WebSocketLike | undefined;
  #closing = false;
  /** Bumped on every connection and every loss: work of an older connection stops. */
  #generation = 0;
  #attempts = 0;
  #tries = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: (() => void) | undefined;
  #statusSet = false;
  #status: string | undefined;
  readonly #follows = new Set<string>();
  readonly #followNames = new Set<string>();
  readonly #channels = new Map<string, TrackedChannel>();
  readonly #queue: QueuedWrite[] = [];
  #loaded = false;

  /** Use {@link createResilientSocket}. */
  constructor(client: Client, options: ResilientSocketOptions = {}) {
    this.#client = client;
    this.#reconnect = options.reconnect ?? {};
    this.#heartbeat =
      options.heartbeat === false
        ? undefined
        : {
            intervalMs: options.heartbeat?.intervalMs ?? 10_000,
            timeoutMs: options.heartbeat?.timeoutMs ?? 5000,
          };
    this.#storage = options.outbox?.storage ?? new MemoryOutboxStorage();
    this.#maxOutbox = options.outbox?.maxSize ?? 1000;
    const Real = options.WebSocket ?? defaultWebSocket;
    const capture = (ws: WebSocketLike) => {
      this.#raw = ws;
    };
    // The WebSocket is wrapped to keep a handle on it: a heartbeat timeout must be able to cut a
    // connection whose close handshake would never complete.
    function Capturing(url: string): WebSocketLike {
      const ws = new Real(url);
      capture(ws);
      return ws;
    }
    const socket = client.createSocket({
      ...options,
      WebSocket: Capturing as unknown as WebSocketConstructor,
    });
    this.#socket = socket;
    const events = this.#events;
    socket.on("statusPresence", (e) => events.emit("statusPresence", e));
    socket.on("channelPresence", (e) => events.emit("channelPresence", e));
    socket.on("notification", (e) => events.emit("notification", e));
    socket.on("error", (e) => events.emit("error", e));
    socket.on("channelMessage", (m) => this.#onMessage(m));
    socket.on("disconnect", (e) => this.#onLost(e));
  }

  /** The connection state. */
  get state(): SocketState {
    return this.#state;
  }

  /** Messages waiting for the server's acknowledgement. */
  get outboxSize(): number {
    return this.#queue.length;
  }

  #setState(state: SocketState, reason: string, error?: HeraldError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#events.emit("state", { previous, state, reason, error });
  }

  // ---------- connection ----------

  /**
   * Connects (as `Socket.connect`); rejects if this first connection fails. Once open, lost
   * connections are restored until `disconnect()`.
   */
  async connect(session: Session, options: ConnectOptions = {}): Promise<void> {
    if (this.#state !== "closed") throw new HeraldError("bad_input", `connect: already ${this.#state}`);
    const { signal: _signal, timeoutMs: _timeoutMs, ...kept } = options;
    this.#session = session;
    this.#connectOptions = kept;
    this.#closing = false;
    this.#setState("connecting", "connect() was called");
    try {
      if (!this.#loaded) {
        for (const entry of await this.#storage.load()) {
          this.#queue.push({ entry, sentOn: 0, stored: Promise.resolve() });
        }
        this.#loaded = true;
      }
      await this.#socket.connect(session, options);
    } catch (error) {
      const e = asHerald(error, "connect");
      this.#setState("closed", "connect failed", e);
      throw e;
    }
    if (this.#closing) return;
    this.#watchPlatform();
    this.#opened(++this.#generation, "connected");
  }

  #opened(generation: number, reason: string): void {
    this.#setState("open", reason);
    this.#beat(generation);
    this.#flush();
  }

  #onLost(event: DisconnectEvent): void {
    if (event.requested || this.#closing) return;
    this.#generation++;
    this.#stopTimers();
    this.#setState(
      "reconnecting",
      event.reason || `connection lost (${event.code})`,
      new HeraldError("disconnected", `connection lost (${event.code})`),
    );
    this.#scheduleRetry(false);
  }

  #scheduleRetry(now: boolean): void {
    clearTimeout(this.#retryTimer);
    const delay = now ? 0 : retryDelay(++this.#attempts, this.#reconnect);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#retry();
    }, delay);
  }

  async #retry(): Promise<void> {
    const session = this.#session;
    if (!session || this.#closing) return;
    this.#tries++;
    try {
      // Refreshes the session first when its token has expired.
      await this.#socket.connect(session, this.#connectOptions);
    } catch (error) {
      if (this.#closing) return;
      const e = asHerald(error, "reconnect");
      if (e.code === "unauthenticated") this.#finish("the server refused the session", e);
      else this.#scheduleRetry(false);
      return;
    }
    if (this.#closing) return;
    const generation = ++this.#generation;
    this.#beat(generation);
    const report = await this.#restore(generation);
    if (generation !== this.#generation) return;
    report.attempts = this.#tries;
    this.#attempts = this.#tries = 0;
    this.#setState("open", "reconnected");
    this.#events.emit("reconnected", report);
    this.#flush();
    for (const [id, channel] of this.#channels) void this.#catchUp(id, channel, generation);
  }

  async #restore(generation: number): Promise<ReconnectedEvent> {
    const socket = this.#socket;
    const report: ReconnectedEvent = {
      attempts: 0,
      appearOnline: !!this.#connectOptions.appearOnline,
      statusRestored: false,
      follows: [...this.#follows],
      followedUsernames: [...this.#followNames],
      presences: [],
      channels: [],
      failed: [],
    };
    const step = async (what: string, run: () => Promise<void>): Promise<boolean> => {
      try {
        await run();
        return true;
      } catch (error) {
        if (generation === this.#generation) report.failed.push({ what, error: asHerald(error, what) });
        return false;
      }
    };
    if (this.#statusSet) {
      report.statusRestored = await step("updateStatus", () => socket.updateStatus(this.#status));
      report.status = this.#status;
    }
    if (this.#follows.size || this.#followNames.size) {
      await step("followUsers", async () => {
        const status = await socket.followUsers(report.follows, { usernames: report.followedUsernames });
        report.presences = status.presences;
      });
    }
    await Promise.all(
      [...this.#channels].map(async ([id, channel]) => {
        // Live messages wait until the missed ones are delivered.
        channel.buffer ??= [];
        let joined: Channel | undefined;
        const ok = await step(`joinChat ${id}`, async () => {
          joined = await socket.joinChat(channel.target, channel.type, channel);
        });
        if (generation !== this.#generation) return;
        if (!ok || !joined) {
          const error = report.failed.find((f) => f.what === `joinChat ${id}`)?.error;
          this.#channels.delete(id);
          this.#flushBuffer(channel);
          this.#events.emit("gap", { channelId: id, reason: "not_rejoined", error });
          return;
        }
        if (joined.id !== id) {
          this.#channels.delete(id);
          this.#channels.set(joined.id, channel);
        }
        report.channels.push(joined.id);
      }),
    );
    return report;
  }

  /** Closes for good without a call from the app (e.g. a refused session). */
  #finish(reason: string, error: HeraldError): void {
    this.#shutDown();
    this.#setState("closed", reason, error);
    this.#events.emit("disconnect", { code: 1000, reason, requested: false });
    this.#events.end();
  }

  #shutDown(): void {
    this.#closing = true;
    this.#generation++;
    this.#stopTimers();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const item of this.#queue) {
      item.reject?.(
        new HeraldError(
          "disconnected",
          "writeChatMessage: closed; the message stays in the outbox until connect()",
        ),
      );
      item.resolve = item.reject = undefined;
      item.sentOn = 0;
    }
    this.#statusSet = false;
    this.#status = undefined;
    this.#follows.clear();
    this.#followNames.clear();
    this.#channels.clear();
  }

  /**
   * Closes the connection for good: no retry follows, no timer is left. Waiting requests reject
   * with `disconnected`; unacknowledged messages stay in the outbox (their calls reject too) and
   * are sent on the next `connect()`. Follows, status and joins are forgotten.
   */
  async disconnect(): Promise<void> {
    if (this.#state === "closed") return;
    this.#shutDown();
    const closed = this.#socket.disconnect();
    this.#setState("closed", "disconnect() was called");
    await closed;
    this.#events.emit("disconnect", { code: 1000, reason: "", requested: true });
    this.#events.end();
  }

  #stopTimers(): void {
    clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  #beat(generation: number): void {
    const heartbeat = this.#heartbeat;
    if (!heartbeat) return;
    this.#heartbeatTimer = setTimeout(async () => {
      this.#heartbeatTimer = undefined;
      try {
        await this.#socket.ping({ timeoutMs: heartbeat.timeoutMs });
      } catch (error) {
        if (generation === this.#generation && HeraldError.is(error, "timeout"))
          this.#cut("heartbeat timeout");
        return;
      }
      if (generation === this.#generation) this.#beat(generation);
    }, heartbeat.intervalMs);
  }

  /** Treats the connection as lost at once, without waiting for a close handshake. */
  #cut(reason: string): void {
    const ws = this.#raw;
    if (!ws) return;
    ws.onclose?.({ code: 4000, reason });
    const terminate = (ws as { terminate?: () => void }).terminate;
    try {
      if (terminate) terminate.call(ws);
      else ws.close(4000, reason);
    } catch {
      // Already closed.
    }
  }

  // A browser coming back online or a page becoming visible retries at once, not after the backoff.
  #watchPlatform(): void {
    const g = globalThis as PlatformEvents & { document?: PlatformEvents & { visibilityState?: string } };
    const wake = () => {
      if (this.#retryTimer !== undefined && g.document?.visibilityState !== "hidden")
        this.#scheduleRetry(true);
    };
    g.addEventListener?.("online", wake);
    g.document?.addEventListener?.("visibilitychange", wake);
    this.#unwatch = () => {
      g.removeEventListener?.("online", wake);
      g.document?.removeEventListener?.("visibilitychange", wake);
    };
  }

  // ---------- channel messages ----------

  #onMessage(message: ChannelMessage): void {
    const channel = this.#channels.get(message.channelId);
    if (!channel?.persistence || !channel.readable) this.#events.emit("channelMessage", message);
    else if (channel.buffer) channel.buffer.push(message);
    else this.#deliver(channel, message, false);
  }

  #deliver(channel: TrackedChannel, message: ChannelMessage, catchUp: boolean): void {
    if (channel.seen.has(message.messageId)) return;
    channel.seen.add(message.messageId);
    this.#events.emit("channelMessage", catchUp ? { ...message, catchUp } : message);
    if (channel.seen.size > SEEN_LIMIT && !channel.buffer && this.#state === "open") {
      // Moving the mark forward lets the ids before it be forgotten.
      void this.#catchUp(message.channelId, channel, this.#generation);
    }
  }

  #flushBuffer(channel: TrackedChannel): void {
    const buffered = channel.buffer ?? [];
    channel.buffer = undefined;
    for (const m of buffered) this.#deliver(channel, m, false);
  }

  /** Delivers the messages after the channel's mark, then the live ones held back meanwhile. */
  async #catchUp(channelId: string, channel: TrackedChannel, generation: number): Promise<void> {
    const session = this.#session;
    if (!channel.persistence || !channel.readable || !session) {
      this.#flushBuffer(channel);
      const reason = channel.persistence ? "history_unreadable" : "not_persistent";
      if (generation !== this.#generation) return;
      this.#events.emit("gap", { channelId, reason });
      return;
    }
    channel.buffer ??= [];
    let read: Awaited<ReturnType<typeof readSince>>;
    try {
      read = await readSince(this.#client, session, channelId, channel.mark);
    } catch (error) {
      if (generation !== this.#generation || this.#channels.get(channelId) !== channel) return;
      this.#flushBuffer(channel);
      this.#events.emit("gap", {
        channelId,
        reason: "history_unreadable",
        error: asHerald(error, "catch-up"),
      });
      return;
    }
    if (this.#channels.get(channelId) !== channel) return;
    const ids = new Set<string>();
    const wasBuffering = channel.buffer;
    const live = new Set(wasBuffering.map((m) => m.messageId));
    // Emitted here rather than through #deliver, so that no seen-limit check starts another read.
    // History gives the order; a message that also arrived live meanwhile is not a missed one.
    for (const m of read.messages) {
      ids.add(m.messageId);
      if (!channel.seen.has(m.messageId)) {
        channel.seen.add(m.messageId);
        this.#events.emit("channelMessage", live.has(m.messageId) ? m : { ...m, catchUp: true });
      }
    }
    channel.mark = read.mark;
    // Ids before the new mark are never read again, but the live copy of a message just read may
    // still be on its way (the history answer can overtake it): those ids stay until the next mark.
    channel.seen = new Set([...ids].filter((id) => !live.has(id)));
    channel.buffer = wasBuffering.filter((m) => !ids.has(m.messageId));
    // After a newer loss the next connection reads on from the new mark; keep holding live messages.
    if (generation !== this.#generation) return;
    this.#flushBuffer(channel);
  }

  // ---------- requests ----------

  /** As `Socket.updateStatus`; restored after a reconnection. */
  async updateStatus(status?: string | null, options?: CallOptions): Promise<void> {
    await this.#socket.updateStatus(status, options);
    this.#statusSet = true;
    this.#status = status || undefined;
  }

  /** As `Socket.appearOffline`. */
  appearOffline(options?: CallOptions): Promise<void> {
    return this.updateStatus(undefined, options);
  }

  /** As `Socket.followUsers`; followed again after a reconnection. */
  async followUsers(
    userIds: readonly string[],
    options: CallOptions & { usernames?: readonly string[] | undefined } = {},
  ) {
    const status = await this.#socket.followUsers(userIds, options);
    for (const id of userIds) this.#follows.add(id);
    for (const name of options.usernames ?? []) this.#followNames.add(name);
    return status;
  }

  /** As `Socket.unfollowUsers`. */
  async unfollowUsers(userIds: readonly string[], options?: CallOptions): Promise<void> {
    await this.#socket.unfollowUsers(userIds, options);
    for (const id of userIds) this.#follows.delete(id);
  }

  /**
   * As `Socket.joinChat`; joined again with the same options after a reconnection, and (for a
   * persistent channel) the messages missed meanwhile are delivered.
   */
  async joinChat(target: string, type: ChannelType, options: JoinChatOptions = {}): Promise<Channel> {
    const joined = await this.#socket.joinChat(target, type, options);
    const persistence = options.persistence ?? true;
    const existing = this.#channels.get(joined.id);
    const channel: TrackedChannel = existing ?? {
      target,
      type,
      persistence,
      hidden: options.hidden ?? false,
      readable: persistence,
      mark: undefined,
      seen: new Set(),
      buffer: persistence ? [] : undefined,
    };
    this.#channels.set(joined.id, channel);
    if (existing || !persistence || !this.#session) {
      this.#flush();
      return joined;
    }
    // The newest message now is where missed messages will be read from; live ones wait meanwhile.
    try {
      channel.mark = await newestMark(this.#client, this.#session, joined.id);
    } catch {
      channel.readable = false;
    }
    this.#flushBuffer(channel);
    this.#flush();
    return joined;
  }

  /** As `Socket.leaveChat`; not joined again later. */
  async leaveChat(channelId: string, options?: CallOptions): Promise<void> {
    await this.#socket.leaveChat(channelId, options);
    this.#channels.delete(channelId);
  }

  /**
   * Sends a chat message through the outbox: sent now if connected, else after reconnecting, and
   * again after a loss until acknowledged, in order, with a client message id (generated unless
   * given) so that a herald server stores it once. Rejects with `resource_exhausted` when the
   * outbox is full, `disconnected` when the socket is closed, or the server's refusal.
   */
  async writeChatMessage<T extends object = JsonObject>(
    channelId: string,
    content: T,
    options: WriteChatMessageOptions = {},
  ): Promise<ChannelMessageAck> {
    if (this.#state === "closed") throw new HeraldError("disconnected", "writeChatMessage: not connected");
    if (this.#queue.length >= this.#maxOutbox) {
      throw new HeraldError(
        "resource_exhausted",
        `writeChatMessage: outbox full (${this.#maxOutbox} messages)`,
      );
    }
    const entry: OutboxEntry = {
      clientMsgId: options.clientMsgId ?? newMessageId(),
      channelId,
      content: JSON.parse(stringifyJsonObject(content)) as JsonObject,
    };
    const ack = new Promise<ChannelMessageAck>((resolve, reject) => {
      this.#queue.push({
        entry,
        sentOn: 0,
        stored: Promise.resolve(this.#storage.add(entry)),
        resolve,
        reject,
      });
    });
    this.#flush();
    return ack;
  }

  #flush(): void {
    if (this.#state !== "open") return;
    const generation = this.#generation;
    for (const item of this.#queue) {
      if (item.sentOn === generation) continue;
      // A message from an earlier run (no caller waiting) goes once its channel is joined again:
      // sent before, the server would refuse it.
      if (!item.resolve && !this.#channels.has(item.entry.channelId)) continue;
      item.sentOn = generation;
      void this.#send(item);
    }
  }

  async #send(item: QueuedWrite): Promise<void> {
    const { entry } = item;
    let ack: ChannelMessageAck;
    try {
      // No time limit: the heartbeat notices a dead connection, and the message is sent again.
      ack = await this.#socket.writeChatMessage(entry.channelId, entry.content, {
        clientMsgId: entry.clientMsgId,
        timeoutMs: 0,
      });
    } catch (error) {
      // Lost with the connection: it stays queued and goes again after reconnecting.
      if (HeraldError.is(error, "disconnected")) return;
      this.#settle(item);
      item.reject?.(asHerald(error, "writeChatMessage"));
      return;
    }
    this.#settle(item);
    item.resolve?.(ack);
  }

  #settle(item: QueuedWrite): void {
    const at = this.#queue.indexOf(item);
    if (at >= 0) this.#queue.splice(at, 1);
    void item.stored
      .then(() => this.#storage.remove(item.entry.clientMsgId))
      .catch((error) => this.#events.emit("error", asHerald(error, "outbox storage")));
  }

  /** As `Socket.updateChatMessage` (not queued: rejects with `disconnected` while not connected). */
  updateChatMessage<T extends object = JsonObject>(
    channelId: string,
    messageId: string,
    content: T,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    return this.#socket.updateChatMessage(channelId, messageId, content, options);
  }

  /** As `Socket.removeChatMessage` (not queued). */
  removeChatMessage(channelId: string, messageId: string, options?: CallOptions): Promise<ChannelMessageAck> {
    return this.#socket.removeChatMessage(channelId, messageId, options);
  }

  /** As `Socket.ping`. */
  ping(options?: CallOptions): Promise<void> {
    return this.#socket.ping(options);
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof ResilientSocketEvents>(
    name: K,
    fn: (event: ResilientSocketEvents[K]) => void,
  ): Unsubscribe {
    return this.#events.on(name, fn);
  }

  /** The `name` events as an async iterator; ends when the socket closes for good. */
  events<K extends keyof ResilientSocketEvents>(
    name: K,
    options?: EventIteratorOptions,
  ): AsyncIterableIterator<ResilientSocketEvents[K]> {
    return this.#events.events(name, options);
  }

  onStatusPresence(fn: (event: StatusPresenceEvent) => void): Unsubscribe {
    return this.on("statusPresence", fn);
  }

  onChannelPresence(fn: (event: ChannelPresenceEvent) => void): Unsubscribe {
    return this.on("channelPresence", fn);
  }

  onChannelMessage<T extends object = JsonObject>(
    fn: (message: ResilientChannelMessage<T>) => void,
  ): Unsubscribe {
    return this.on("channelMessage", fn as (message: ResilientChannelMessage) => void);
  }

  onNotification(fn: (notification: Notification) => void): Unsubscribe {
    return this.on("notification", fn);
  }

  onError(fn: (error: HeraldError) => void): Unsubscribe {
    return this.on("error", fn);
  }

  onDisconnect(fn: (event: DisconnectEvent) => void): Unsubscribe {
    return this.on("disconnect", fn);
  }

  onState(fn: (change: ResilientStateChange) => void): Unsubscribe {
    return this.on("state", fn);
  }

  onReconnected(fn: (event: ReconnectedEvent) => void): Unsubscribe {
    return this.on("reconnected", fn);
  }

  onGap(fn: (event: GapEvent) => void): Unsubscribe {
    return this.on("gap", fn);
  }
}

/**
 * A {@link ResilientSocket} on `client`'s server:
 * `createResilientSocket(client, { codec, reconnect: { minDelayMs, maxDelayMs } })`.
 */
export function createResilientSocket(client: Client, options: ResilientSocketOptions = {}): ResilientSocket {
  return new ResilientSocket(client, options);
}
