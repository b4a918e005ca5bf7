import { type CallOptions, startDeadline } from "../call-options.js";
import { HeraldError } from "../errors.js";
import { Emitter, type EventIteratorOptions, type Unsubscribe } from "../events.js";
import type {
  Capabilities,
  Channel,
  ChannelMessageAck,
  ChannelPresenceEvent,
  JsonObject,
  Models,
  Notification,
  Status,
  StatusPresenceEvent,
} from "../gen/model.js";
import type { ChannelType, Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import { jsonCodec } from "../protocol/json-codec.js";
import { MAX_STATUS_LENGTH } from "../protocol/limits.js";
import { stringifyJsonObject, toModel } from "../protocol/model.js";
import { PendingRequests, refusal } from "../protocol/pending-requests.js";
import type { Session } from "../session.js";
import { defaultWebSocket, type WebSocketConstructor } from "../transport/websocket.js";
import { checkIds, checkOptions, checkSession, checkString } from "./arguments.js";
import { CatchUpLayer } from "./catch-up.js";
import { type Connection, openConnection } from "./connection.js";
import { heartbeatLayer } from "./heartbeat.js";
import type { Deliver, Layer, LayerHost, OutgoingRequest, Send } from "./layer.js";
import { OutboxLayer } from "./outbox.js";
import { reconnectLayer } from "./reconnect.js";
import { RestoreLayer } from "./restore.js";
import {
  checkContent,
  checkFrame,
  type ServerProfile,
  serverProfile,
  splitToFit,
  unknownServer,
} from "./server-profile.js";
import type { SocketClient } from "./socket-client.js";
import type {
  ConnectOptions,
  DisconnectEvent,
  FollowOptions,
  GapEvent,
  JoinChatOptions,
  ReconnectedEvent,
  SocketChannelMessage,
  SocketEvents,
  SocketOptions,
  SocketState,
  StateChange,
  WriteChatMessageOptions,
} from "./socket-types.js";

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const noExtensions: Capabilities = { server: "", version: "", extensions: [] };

// Push kinds the socket turns into events: [event name, model name].
const pushes = {
  statusPresenceEvent: ["statusPresence", "StatusPresenceEvent"],
  channelPresenceEvent: ["channelPresence", "ChannelPresenceEvent"],
} as const;

// Reply kinds a request can expect, and their models.
const replyModels = {
  status: "Status",
  channel: "Channel",
  channelMessageAck: "ChannelMessageAck",
  pong: "Pong",
} as const;
type ReplyKind = keyof typeof replyModels;

/**
 * A realtime connection: status, follows, chat. Requests resolve with their reply or reject with
 * a {@link HeraldError} (the server's refusal, `bad_input` for arguments or sizes the server would
 * refuse, `timeout`, `aborted`, or `disconnected`). Pushes arrive as typed events.
 *
 * By default the socket survives lost connections: it pings the server to notice a silent one,
 * reconnects with full-jitter backoff, restores status, follows and joins, delivers the messages
 * missed meanwhile (marked `catchUp`), and keeps chat messages in an outbox until acknowledged.
 * `createSocket({ reconnect: false })` gives a socket that closes for good when its connection ends.
 */
export class Socket {
  readonly #url: string;
  readonly #codec: Codec;
  readonly #WebSocket: WebSocketConstructor;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #maxFrameBytes: number | undefined;
  readonly #client: SocketClient;
  readonly #events = new Emitter<SocketEvents>();
  readonly #pending = new PendingRequests();
  readonly #layers: Layer[] = [];
  readonly #send: Send;
  readonly #deliver: Deliver;
  readonly #outbox: OutboxLayer | undefined;
  readonly #catchUp: CatchUpLayer | undefined;
  readonly #reconnects: boolean;
  #profile: ServerProfile;
  #conn: Connection | undefined;
  #state: SocketState = "closed";
  #generation = 0;
  #dials = 0;
  #session: Session | undefined;
  #connectOptions: ConnectOptions = {};
  #closing = false;
  #closeWaiters: (() => void)[] = [];
  #abortConnect: ((error: HeraldError) => void) | undefined;

  /** Use `client.createSocket()`. */
  constructor(url: string, options: SocketOptions, client: SocketClient) {
    this.#url = url;
    this.#codec = options.codec ?? jsonCodec;
    this.#WebSocket = options.WebSocket ?? defaultWebSocket;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#client = client;
    this.#profile = unknownServer(this.#codec, this.#maxFrameBytes);
    const host = this.#host();
    this.#reconnects = options.reconnect !== false;
    if (options.reconnect !== false) {
      if (options.heartbeat !== false) this.#layers.push(heartbeatLayer(host, options.heartbeat ?? {}));
      const catchUp = new CatchUpLayer(host, options.catchUp ?? {});
      this.#layers.push(new RestoreLayer(host, (id, error) => this.#forgotten(id, error)));
      this.#outbox = new OutboxLayer(host, options.outbox ?? {});
      this.#layers.push(this.#outbox, catchUp);
      this.#catchUp = catchUp;
      this.#layers.push(
        reconnectLayer(host, options.reconnect ?? {}, {
          reconnected: (attempts) => void this.#restored(attempts),
          refused: (error) => this.#finish(1000, "the server refused the session", false, error),
        }),
      );
    }
    // The first layer listed sees a request first and a message last.
    this.#send = this.#layers.reduceRight<Send>(
      (next, layer) => layer.request?.(next) ?? next,
      this.#transmit,
    );
    this.#deliver = this.#layers.reduce<Deliver>(
      (next, layer) => layer.push?.(next) ?? next,
      ({ message, catchUp }) =>
        this.#events.emit("channelMessage", catchUp ? { ...message, catchUp } : message),
    );
  }

  #host(): LayerHost {
    const socket = this;
    return {
      get state() {
        return socket.#state;
      },
      get generation() {
        return socket.#generation;
      },
      get session() {
        return socket.#session;
      },
      get profile() {
        return socket.#profile;
      },
      client: this.#client,
      transmit: (request) => this.#transmit(request),
      emit: (name, value) => this.#events.emit(name, value),
      cut: (reason) => this.#conn?.cut(4000, reason),
      redial: () => this.#dial(this.#connectOptions),
    };
  }

  /** The connection state. */
  get state(): SocketState {
    return this.#state;
  }

  /** Chat messages waiting for the server's acknowledgement (always 0 without `reconnect`). */
  get outboxSize(): number {
    return this.#outbox?.size ?? 0;
  }

  #setState(state: SocketState, reason: string, error?: HeraldError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: StateChange = error ? { previous, state, reason, error } : { previous, state, reason };
    this.#events.emit("state", change);
  }

  // ---------- connection ----------

  /**
   * Opens the connection with `session` (refreshed first if it is about to expire). Rejects with
   * `unauthenticated` if the server refuses the token, `timeout`, `aborted`, or `disconnected`
   * (naming the address tried) if the connection fails or `disconnect()` is called meanwhile.
   * Once open, a socket with `reconnect` restores lost connections until `disconnect()`.
   */
  async connect(session: Session, options: ConnectOptions = {}): Promise<void> {
    checkSession("connect", session);
    const { signal, timeoutMs, ...kept } = checkOptions("connect", options);
    if (this.#state !== "closed") throw new HeraldError("bad_input", `connect: already ${this.#state}`);
    this.#session = session;
    this.#connectOptions = kept;
    this.#closing = false;
    this.#setState("connecting", "connect() was called");
    const deadline = startDeadline("connect", { signal, timeoutMs }, this.#connectTimeoutMs);
    try {
      await Promise.race([this.#outbox?.load(), deadline.expired]);
      await Promise.race([this.#dial({ ...kept, signal: deadline.signal }), deadline.expired]);
    } catch (error) {
      const e = HeraldError.from(error, "disconnected");
      this.#dials++;
      this.#abortConnect?.(e);
      this.#abortConnect = undefined;
      this.#conn?.close();
      this.#conn = undefined;
      this.#setState("closed", "connect failed", e);
      for (const wake of this.#closeWaiters.splice(0)) wake();
      throw e;
    } finally {
      deadline.done();
    }
    this.#setState("open", "connected");
    for (const layer of this.#layers) layer.opened?.(false);
  }

  // Opens a connection: refreshes the session, learns what the server takes, opens the WebSocket.
  async #dial(options: ConnectOptions): Promise<void> {
    const dial = ++this.#dials;
    const session = this.#session as Session;
    await this.#client.ensureFresh(session, options);
    let caps = noExtensions;
    try {
      caps = await this.#client.capabilities(options);
    } catch (error) {
      // Unknown: the strictest limits are assumed, unless the caller's own limit ran out.
      if (HeraldError.is(error, "aborted")) throw error;
    }
    if (options.invisible && !caps.extensions.includes("user_presence")) {
      throw new HeraldError("unsupported", "connect: invisible needs the user_presence extension");
    }
    if (this.#closing || dial !== this.#dials)
      throw new HeraldError("disconnected", "connect: disconnect() was called");
    this.#profile = serverProfile(caps, this.#codec, this.#maxFrameBytes);
    // Built by hand: React Native's URLSearchParams lacks most methods.
    const query = `lang=${encodeURIComponent(options.lang ?? "en")}&status=${!!options.appearOnline}&token=${encodeURIComponent(session.token)}${this.#codec.format === "json" ? "" : `&format=${this.#codec.format}`}${options.invisible === undefined ? "" : `&invisible=${options.invisible}`}`;
    let self: Connection | undefined;
    const conn = await openConnection(
      this.#WebSocket,
      `${this.#url}/ws?${query}`,
      {
        frame: (data) => this.#onFrame(data),
        closed: (code, reason) => this.#onClose(self, code, reason),
        error: (error) => this.#events.emit("error", error),
      },
      (stop) => {
        this.#abortConnect = stop;
      },
    );
    self = conn;
    this.#abortConnect = undefined;
    if (this.#closing || dial !== this.#dials) {
      conn.close();
      throw new HeraldError("disconnected", "connect: disconnect() was called");
    }
    this.#conn = conn;
    this.#generation++;
  }

  #onClose(conn: Connection | undefined, code: number, reason: string): void {
    if (!conn || this.#conn !== conn) return;
    this.#conn = undefined;
    this.#generation++;
    this.#pending.rejectAll(
      (what) => new HeraldError("disconnected", `${what}: connection closed (${code})`),
    );
    if (this.#closing || !this.#reconnects) {
      this.#finish(code, reason, this.#closing);
      return;
    }
    const why = reason || `connection lost (${code})`;
    this.#setState("reconnecting", why, new HeraldError("disconnected", why));
    for (const layer of this.#layers) layer.lost?.(code);
  }

  async #restored(attempts: number): Promise<void> {
    const generation = this.#generation;
    const report: ReconnectedEvent = {
      attempts,
      appearOnline: !!this.#connectOptions.appearOnline,
      statusRestored: false,
      follows: [],
      followedUsernames: [],
      presences: [],
      channels: [],
      failed: [],
    };
    for (const layer of this.#layers) await layer.restore?.(report);
    if (generation !== this.#generation || this.#state !== "reconnecting") return;
    this.#setState("open", "reconnected");
    this.#events.emit("reconnected", report);
    for (const layer of this.#layers) layer.opened?.(true);
  }

  #forgotten(channelId: string, error: HeraldError | undefined): void {
    this.#catchUp?.forget(channelId);
    const gap: GapEvent = error
      ? { channelId, reason: "not_rejoined", error }
      : { channelId, reason: "not_rejoined" };
    this.#events.emit("gap", gap);
  }

  // Closes for good: layers forget, waiters wake, iterators end.
  #finish(code: number, reason: string, requested: boolean, error?: HeraldError): void {
    if (this.#state === "closed") return;
    this.#closing = true;
    this.#dials++;
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.cut(code, reason);
    const why = error ?? new HeraldError("disconnected", reason || `closed (${code})`);
    for (const layer of this.#layers) layer.closed?.(why);
    this.#events.end();
    // Closed before the event, so that a listener may connect again at once.
    this.#setState(
      "closed",
      requested ? "disconnect() was called" : reason || `connection closed (${code})`,
      error,
    );
    for (const wake of this.#closeWaiters.splice(0)) wake();
    this.#events.emit("disconnect", { code, reason, requested });
  }

  /**
   * Closes the connection for good: no retry follows, no timer is left. Every waiting request
   * rejects with `disconnected` at once, a pending `connect()` too; catch-up stops. Unacknowledged
   * chat messages stay in the outbox (their calls reject) and are sent after the next `connect()`
   * once their channel is joined. Follows, status and joins are forgotten. Resolves when closed.
   */
  disconnect(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    const gone = (what: string) => new HeraldError("disconnected", `${what}: disconnect() was called`);
    this.#pending.rejectAll(gone);
    if (this.#state === "connecting") {
      this.#dials++;
      this.#abortConnect?.(gone("connect"));
      this.#conn?.close();
    } else if (this.#conn) {
      const conn = this.#conn;
      conn.close(1000);
      // A connection that cannot complete its close handshake (a dead network) is dropped.
      const timer = setTimeout(() => conn.cut(1000, ""), 2000);
      void closed.then(() => clearTimeout(timer));
    } else {
      this.#abortConnect?.(gone("connect"));
      this.#finish(1000, "", true);
    }
    return closed;
  }

  // ---------- frames ----------

  #onFrame(data: unknown): void {
    const events = this.#events;
    try {
      let envelope: Envelope;
      try {
        envelope = this.#codec.decodeEnvelope(data as string | Uint8Array | ArrayBuffer, {
          ignoreUnknown: true,
          allowEmptyReply: true,
        });
      } catch (cause) {
        throw new HeraldError("server_error", "unreadable frame", { cause });
      }
      const { cid, kind, body } = envelope;
      if (cid !== undefined) {
        this.#pending.settle(cid, kind === "empty" ? undefined : envelope);
      } else if (kind === "channelMessage") {
        // Unheard messages are not converted: parsing content nobody reads is the costliest part.
        if (events.listenerCount("channelMessage") || this.#catchUp?.follows(body.channelId)) {
          this.#deliver({ message: toModel("ChannelMessage", body) });
        }
      } else if (kind === "notifications") {
        for (const n of toModel("Notifications", body).notifications) events.emit("notification", n);
      } else if (kind === "error") {
        events.emit("error", refusal(body, "server error"));
      } else if (kind in pushes) {
        // Other kinds (replies without a cid, newer messages) carry nothing for this version.
        const [event, model] = pushes[kind as keyof typeof pushes];
        if (events.listenerCount(event)) events.emit(event, toModel(model, body as never) as never);
      }
    } catch (error) {
      events.emit("error", HeraldError.from(error));
    }
  }

  // The innermost sender: checks the frame against the server's limits and puts it on the wire.
  #transmit = async (request: OutgoingRequest): Promise<Envelope | undefined> => {
    const conn = this.#conn;
    const { what, message } = request;
    if (!conn?.open) throw new HeraldError("disconnected", `${what}: not connected`);
    let body = message.body;
    // Stock Nakama closes a JSON connection on a field it does not know.
    if (message.kind === "channelMessageSend" && !this.#profile.extensionFields && message.body.clientMsgId) {
      body = { channelId: message.body.channelId, content: message.body.content };
    }
    const { cid, reply } = this.#pending.open(what, request.expect, request.options, this.#timeoutMs);
    try {
      const frame = this.#codec.encodeEnvelope({ cid, kind: message.kind, body } as EnvelopeInit);
      checkFrame(what, frame, this.#profile);
      conn.send(frame);
    } catch (cause) {
      this.#pending.reject(cid, HeraldError.from(cause, "disconnected", `${what}: could not send`));
    }
    return reply;
  };

  async #request<K extends ReplyKind>(
    what: string,
    message: EnvelopeInit,
    expect: K | undefined,
    options: CallOptions | undefined,
  ): Promise<Models[Capitalize<K>]> {
    const envelope = await this.#send({ what, message, expect, options });
    return (expect && toModel(replyModels[expect], envelope?.body as never)) as never;
  }

  // ---------- status ----------

  /**
   * Sets this connection's status, shown to followers. Without a status (`updateStatus()`,
   * `null` or `""`) the user appears offline, as when disconnected. At most 2048 characters.
   */
  async updateStatus(status?: string | null, options?: CallOptions): Promise<void> {
    if (status != null && typeof status !== "string") {
      throw new HeraldError("bad_input", "updateStatus: the status must be a string, null or undefined");
    }
    if (status && status.length > MAX_STATUS_LENGTH) {
      throw new HeraldError("bad_input", `updateStatus: over ${MAX_STATUS_LENGTH} characters`);
    }
    const body = status ? { status } : {};
    await this.#request(
      "updateStatus",
      { kind: "statusUpdate", body },
      undefined,
      checkOptions("updateStatus", options),
    );
  }

  /** Appears offline to followers (erases this connection's status). */
  appearOffline(options?: CallOptions): Promise<void> {
    return this.updateStatus(undefined, options);
  }

  /**
   * Follows users' status changes for as long as this connection lasts (restored after a
   * reconnection); returns the presences of those currently online with a visible status. Any
   * number of users: the request is split into frames the server takes.
   */
  async followUsers(userIds: readonly string[], options?: FollowOptions): Promise<Status> {
    checkIds("followUsers", userIds, "userIds");
    const o = checkOptions("followUsers", options);
    const names = o.usernames ?? [];
    checkIds("followUsers", names, "usernames");
    const parts = splitToFit(userIds, names, this.#profile.maxFrameBytes);
    const replies = await Promise.all(
      parts.map((part) =>
        this.#request(
          "followUsers",
          { kind: "statusFollow", body: { userIds: part.ids, usernames: part.names } },
          "status",
          o,
        ),
      ),
    );
    return replies.length === 1 ? (replies[0] as Status) : { presences: replies.flatMap((r) => r.presences) };
  }

  /** Stops following users' status changes (split into frames the server takes). */
  async unfollowUsers(userIds: readonly string[], options?: CallOptions): Promise<void> {
    checkIds("unfollowUsers", userIds, "userIds");
    const o = checkOptions("unfollowUsers", options);
    const parts = splitToFit(userIds, [], this.#profile.maxFrameBytes);
    await Promise.all(
      parts.map((part) =>
        this.#request("unfollowUsers", { kind: "statusUnfollow", body: { userIds: part.ids } }, undefined, o),
      ),
    );
  }

  // ---------- chat ----------

  /**
   * Joins a chat channel: a room by name (`ChannelType.Room`), a group by id (`ChannelType.Group`)
   * or a direct chat with a user by id (`ChannelType.DirectMessage`). Returns the channel with its
   * visible members. Joined again after a reconnection.
   */
  async joinChat(target: string, type: ChannelType, options?: JoinChatOptions): Promise<Channel> {
    checkString("joinChat", target, "target");
    if (!Number.isInteger(type) || (type as number) < 0) {
      throw new HeraldError("bad_input", "joinChat: type must be a ChannelType");
    }
    const o = checkOptions("joinChat", options);
    const body = { target, type, persistence: o.persistence ?? true, hidden: o.hidden ?? false };
    return this.#request("joinChat", { kind: "channelJoin", body }, "channel", o);
  }

  /** Leaves a chat channel (leaving one not joined succeeds); it is not joined again later. */
  async leaveChat(channelId: string, options?: CallOptions): Promise<void> {
    checkString("leaveChat", channelId, "channelId");
    await this.#request(
      "leaveChat",
      { kind: "channelLeave", body: { channelId } },
      undefined,
      checkOptions("leaveChat", options),
    );
  }

  /**
   * Sends a message to a joined channel. `content` must be a plain JSON object within the
   * server's size limit (refused with `bad_input` before anything is sent otherwise). Resolves
   * with the server's acknowledgement. With `reconnect`, the message waits in the outbox through
   * lost connections (no time limit unless `timeoutMs` is given) and is sent again until
   * acknowledged: exactly once on a server that deduplicates (herald), at least once elsewhere.
   */
  async writeChatMessage<T extends object = JsonObject>(
    channelId: string,
    content: T,
    options?: WriteChatMessageOptions,
  ): Promise<ChannelMessageAck> {
    checkString("writeChatMessage", channelId, "channelId");
    const o = checkOptions("writeChatMessage", options);
    const text = stringifyJsonObject(content);
    checkContent("writeChatMessage", text, this.#profile);
    const body =
      o.clientMsgId === undefined
        ? { channelId, content: text }
        : { channelId, content: text, clientMsgId: o.clientMsgId };
    return this.#request("writeChatMessage", { kind: "channelMessageSend", body }, "channelMessageAck", o);
  }

  /** Replaces the content of a message this user wrote. */
  async updateChatMessage<T extends object = JsonObject>(
    channelId: string,
    messageId: string,
    content: T,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    checkString("updateChatMessage", channelId, "channelId");
    checkString("updateChatMessage", messageId, "messageId");
    const text = stringifyJsonObject(content);
    checkContent("updateChatMessage", text, this.#profile);
    const body = { channelId, messageId, content: text };
    return this.#request(
      "updateChatMessage",
      { kind: "channelMessageUpdate", body },
      "channelMessageAck",
      checkOptions("updateChatMessage", options),
    );
  }

  /** Removes a message this user wrote. */
  async removeChatMessage(
    channelId: string,
    messageId: string,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    checkString("removeChatMessage", channelId, "channelId");
    checkString("removeChatMessage", messageId, "messageId");
    const body = { channelId, messageId };
    return this.#request(
      "removeChatMessage",
      { kind: "channelMessageRemove", body },
      "channelMessageAck",
      checkOptions("removeChatMessage", options),
    );
  }

  /** Round trip to the server (resolves on its pong). */
  async ping(options?: CallOptions): Promise<void> {
    await this.#request("ping", { kind: "ping", body: {} }, "pong", checkOptions("ping", options));
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof SocketEvents>(name: K, fn: (event: SocketEvents[K]) => void): Unsubscribe {
    return this.#events.on(name, fn);
  }

  /**
   * The `name` events as an async iterator (`for await`). Ends when `signal` aborts, the loop is
   * left, or the socket closes for good; throws HeraldError `overflow` if more than `bufferSize`
   * events wait unread.
   */
  events<K extends keyof SocketEvents>(
    name: K,
    options?: EventIteratorOptions,
  ): AsyncIterableIterator<SocketEvents[K]> {
    return this.#events.events(name, options);
  }

  /** Followed users' status changes. */
  onStatusPresence(fn: (event: StatusPresenceEvent) => void): Unsubscribe {
    return this.on("statusPresence", fn);
  }

  /** Members joining or leaving joined channels. */
  onChannelPresence(fn: (event: ChannelPresenceEvent) => void): Unsubscribe {
    return this.on("channelPresence", fn);
  }

  /** Messages in joined channels; `T` types the parsed `content`. */
  onChannelMessage<T extends object = JsonObject>(
    fn: (message: SocketChannelMessage<T>) => void,
  ): Unsubscribe {
    return this.on("channelMessage", fn as (message: SocketChannelMessage) => void);
  }

  /** Notifications, one call per notification. */
  onNotification(fn: (notification: Notification) => void): Unsubscribe {
    return this.on("notification", fn);
  }

  /** Problems not tied to one call. */
  onError(fn: (error: HeraldError) => void): Unsubscribe {
    return this.on("error", fn);
  }

  /** The socket closed for good. */
  onDisconnect(fn: (event: DisconnectEvent) => void): Unsubscribe {
    return this.on("disconnect", fn);
  }

  /** The connection state changed. */
  onState(fn: (change: StateChange) => void): Unsubscribe {
    return this.on("state", fn);
  }

  /** A lost connection was restored. */
  onReconnected(fn: (event: ReconnectedEvent) => void): Unsubscribe {
    return this.on("reconnected", fn);
  }

  /** Messages of a channel could not be recovered. */
  onGap(fn: (event: GapEvent) => void): Unsubscribe {
    return this.on("gap", fn);
  }
}
