import { type CallOptions, startDeadline } from "./call-options.js";
import { HeraldError } from "./errors.js";
import { Emitter, type EventIteratorOptions, type Unsubscribe } from "./events.js";
import { cidOfEmptyFrame } from "./frame-cid.js";
import type {
  Channel,
  ChannelMessage,
  ChannelMessageAck,
  ChannelPresenceEvent,
  JsonObject,
  Notification,
  Status,
  StatusPresenceEvent,
} from "./gen/model.js";
import type { Envelope, EnvelopeInit, EnvelopeKind, EnvelopeMessages } from "./gen/wire.js";
import { stringifyJsonObject, toModel } from "./model.js";
import { PendingRequests } from "./pending-requests.js";
import type { Codec } from "./protocol/codec.js";
import { jsonCodec } from "./protocol/json-codec.js";
import type { Session } from "./session.js";
import { defaultWebSocket, type WebSocketConstructor, type WebSocketLike } from "./transport/websocket.js";

/** Options of `client.createSocket()`. */
export interface SocketOptions {
  /** The wire format. @default jsonCodec (`protobufCodec` comes from "herald/protobuf") */
  codec?: Codec | undefined;
  /** The WebSocket constructor. @default the platform's, through `isomorphic-ws` (`ws` in Node) */
  WebSocket?: WebSocketConstructor | undefined;
  /** Time limit of each realtime request, in milliseconds (`0` = none). @default 10000 */
  timeoutMs?: number | undefined;
  /** Time limit of `connect()`, in milliseconds (`0` = none). @default 30000 */
  connectTimeoutMs?: number | undefined;
}

/** Options of {@link Socket.connect}. */
export interface ConnectOptions extends CallOptions {
  /** Appear online to followers at once (with an empty status). @default false */
  appearOnline?: boolean | undefined;
  /** The user's language tag. @default "en" */
  lang?: string | undefined;
}

/**
 * Connection state. `reconnecting` is reserved for automatic reconnection, which this version
 * does not do: a closed socket stays closed until `connect()` is called again.
 */
export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

/** A change of {@link SocketState}. */
export interface StateChange {
  previous: SocketState;
  state: SocketState;
}

/** Why a socket closed. */
export interface DisconnectEvent {
  /** The WebSocket close code (1000 after `disconnect()`, 1006 when the connection was lost). */
  code: number;
  reason: string;
  /** True when the app called `disconnect()`. */
  requested: boolean;
}

/** Events of a {@link Socket}, by name. */
export interface SocketEvents {
  /** Followed users' status changes: new presences in `joins`, old ones in `leaves`. */
  statusPresence: StatusPresenceEvent;
  /** Members joining or leaving a joined channel. */
  channelPresence: ChannelPresenceEvent;
  /** A message in a joined channel (the sender's own messages too). */
  channelMessage: ChannelMessage;
  /** A notification (each one of a batch is its own event). */
  notification: Notification;
  /** A problem not tied to one call: a server error push, an unreadable frame, a listener that threw. */
  error: HeraldError;
  /** The connection closed; every waiting request was rejected with `disconnected`. */
  disconnect: DisconnectEvent;
  /** The connection state changed. */
  state: StateChange;
}

/** Options of {@link Socket.joinChat}. */
export interface JoinChatOptions extends CallOptions {
  /** Store messages in history. @default true */
  persistence?: boolean | undefined;
  /** Join without presence events and without being listed. @default false */
  hidden?: boolean | undefined;
}

/** Options of {@link Socket.writeChatMessage}. */
export interface WriteChatMessageOptions extends CallOptions {
  /**
   * A client-chosen id, unique per sender: a herald server stores the message once per id and
   * answers a repeated send with the first acknowledgement (stock Nakama ignores it).
   */
  clientMsgId?: string | undefined;
}

/** The most characters a status may have. */
export const MAX_STATUS_LENGTH = 2048;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

const ignore = () => {};

type Refresher = (session: Session, options: CallOptions | undefined) => Promise<void>;

// The `ws` package reports a refused upgrade as an error naming the HTTP status; browsers hide it.
function connectError(cause: unknown): HeraldError {
  const message = cause instanceof Error ? cause.message : (cause as { message?: unknown } | null)?.message;
  const status = typeof message === "string" ? /server response: (\d{3})/.exec(message)?.[1] : undefined;
  if (status === "401")
    return new HeraldError("unauthenticated", "connect: the server refused the token", {
      status: 401,
      cause,
    });
  if (status === "400")
    return new HeraldError("bad_input", "connect: the server refused the request", { status: 400, cause });
  return new HeraldError("disconnected", "connect: the connection failed", {
    cause,
    status: status === undefined ? undefined : Number(status),
  });
}

/**
 * A realtime connection: status, follows, chat. Requests resolve with their reply or reject
 * with a {@link HeraldError} (the server's refusal, `timeout`, `aborted`, or `disconnected` when
 * the connection closes first). Pushes arrive as typed events.
 */
export class Socket {
  readonly #url: string;
  readonly #codec: Codec;
  readonly #WebSocket: WebSocketConstructor;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #refresh: Refresher;
  readonly #events = new Emitter<SocketEvents>();
  readonly #pending = new PendingRequests();
  #ws: WebSocketLike | undefined;
  #state: SocketState = "closed";
  #closing = false;
  #closeWaiters: (() => void)[] = [];
  #abortConnect: ((error: HeraldError) => void) | undefined;

  /** Use `client.createSocket()`. */
  constructor(url: string, options: SocketOptions, refresh: Refresher) {
    this.#url = url;
    this.#codec = options.codec ?? jsonCodec;
    this.#WebSocket = options.WebSocket ?? defaultWebSocket;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#refresh = refresh;
  }

  /** The connection state. */
  get state(): SocketState {
    return this.#state;
  }

  /** The wire format in use. */
  get codec(): Codec {
    return this.#codec;
  }

  #setState(state: SocketState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#events.emit("state", { previous, state });
  }

  // ---------- connection ----------

  /**
   * Opens the connection with `session` (refreshed first if it is about to expire). Rejects with
   * `unauthenticated` if the server refuses the token, `timeout`, `aborted`, or `disconnected`
   * if the connection fails or `disconnect()` is called meanwhile.
   */
  async connect(session: Session, options: ConnectOptions = {}): Promise<void> {
    if (this.#state !== "closed") {
      throw new HeraldError("bad_input", `connect: the socket is already ${this.#state}`);
    }
    this.#setState("connecting");
    this.#closing = false;
    const deadline = (() => {
      try {
        return startDeadline("connect", options, this.#connectTimeoutMs);
      } catch (error) {
        this.#setState("closed");
        throw error;
      }
    })();
    try {
      await Promise.race([this.#refresh(session, options), deadline.expired]);
      if (this.#closing) throw new HeraldError("disconnected", "connect: disconnect() was called");
      const query = new URLSearchParams({
        lang: options.lang ?? "en",
        status: String(options.appearOnline ?? false),
        token: session.token,
      });
      if (this.#codec.format !== "json") query.set("format", this.#codec.format);
      await Promise.race([this.#open(`${this.#url}/ws?${query}`), deadline.expired]);
      this.#setState("open");
    } catch (error) {
      const ws = this.#ws;
      this.#ws = undefined;
      this.#abortConnect = undefined;
      if (ws) this.#detach(ws, true);
      this.#setState("closed");
      this.#wakeCloseWaiters();
      throw HeraldError.is(error) ? error : connectError(error);
    } finally {
      deadline.done();
    }
  }

  #open(url: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new this.#WebSocket(url);
      } catch (cause) {
        reject(new HeraldError("bad_input", `connect: cannot open ${this.#url}`, { cause }));
        return;
      }
      this.#ws = ws;
      ws.binaryType = "arraybuffer";
      let failure: unknown;
      this.#abortConnect = reject;
      ws.onerror = (event) => {
        failure ??= (event as { error?: unknown } | null)?.error ?? event;
      };
      ws.onclose = (event) => {
        if (this.#ws !== ws) return;
        reject(
          failure === undefined
            ? new HeraldError(
                "disconnected",
                `connect: closed by the server (${event.code} ${event.reason})`.trim(),
              )
            : connectError(failure),
        );
      };
      ws.onopen = () => {
        if (this.#ws !== ws) return;
        this.#abortConnect = undefined;
        ws.onerror = (event) =>
          this.#events.emit("error", connectError((event as { error?: unknown }).error ?? event));
        ws.onclose = (event) => this.#onClose(ws, event.code, event.reason);
        ws.onmessage = (event) => this.#onFrame(event.data);
        resolve();
      };
    });
  }

  #detach(ws: WebSocketLike, close: boolean): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    // Not null: `ws` (Node) throws an error event nobody listens to, e.g. closing mid-handshake.
    ws.onerror = ignore;
    if (close) {
      try {
        ws.close(1000);
      } catch {
        // Already closing or closed.
      }
    }
  }

  #onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    this.#detach(ws, false);
    const requested = this.#closing;
    this.#pending.rejectAll(
      (what) =>
        new HeraldError(
          "disconnected",
          `${what}: the connection closed (${code}${reason ? ` ${reason}` : ""})`,
        ),
    );
    this.#setState("closed");
    this.#events.emit("disconnect", { code, reason, requested });
    this.#events.end();
    this.#wakeCloseWaiters();
  }

  #wakeCloseWaiters(): void {
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Closes the connection: every waiting request rejects with `disconnected` at once, a pending
   * `connect()` too. Resolves when the socket is closed.
   */
  disconnect(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    this.#pending.rejectAll((what) => new HeraldError("disconnected", `${what}: disconnect() was called`));
    const abortConnect = this.#abortConnect;
    this.#abortConnect = undefined;
    if (abortConnect) {
      abortConnect(new HeraldError("disconnected", "connect: disconnect() was called"));
    } else if (this.#ws) {
      try {
        this.#ws.close(1000);
      } catch (cause) {
        this.#onClose(this.#ws, 1006, cause instanceof Error ? cause.message : "");
      }
    }
    return closed;
  }

  // ---------- frames ----------

  #onFrame(data: unknown): void {
    let envelope: Envelope;
    try {
      envelope = this.#codec.decodeEnvelope(data as string | Uint8Array | ArrayBuffer, {
        ignoreUnknown: true,
      });
    } catch (error) {
      const cid = HeraldError.is(error) && error.serverCode === 2 ? cidOfEmptyFrame(data) : undefined;
      if (cid !== undefined) this.#pending.settle(cid, undefined);
      else
        this.#events.emit(
          "error",
          new HeraldError("server_error", "received an unreadable frame", { cause: error }),
        );
      return;
    }
    if (envelope.cid !== undefined) {
      this.#pending.settle(envelope.cid, envelope);
      return;
    }
    try {
      this.#push(envelope);
    } catch (error) {
      this.#events.emit(
        "error",
        HeraldError.is(error) ? error : new HeraldError("server_error", String(error)),
      );
    }
  }

  #push(envelope: Envelope): void {
    switch (envelope.kind) {
      case "statusPresenceEvent":
        this.#events.emit("statusPresence", toModel("StatusPresenceEvent", envelope.body));
        break;
      case "channelPresenceEvent":
        this.#events.emit("channelPresence", toModel("ChannelPresenceEvent", envelope.body));
        break;
      case "channelMessage":
        this.#events.emit("channelMessage", toModel("ChannelMessage", envelope.body));
        break;
      case "notifications":
        for (const n of toModel("Notifications", envelope.body).notifications)
          this.#events.emit("notification", n);
        break;
      case "error":
        this.#events.emit("error", HeraldError.fromServer(envelope.body.code, envelope.body.message));
        break;
      default:
        // Other pushes (replies without a cid, newer message kinds) carry nothing for this version.
        break;
    }
  }

  /** Sends a request and waits for its reply (of kind `expect`; undefined = a bare acknowledgement). */
  async #request<K extends EnvelopeKind>(
    what: string,
    message: EnvelopeInit,
    expect: K | undefined,
    options: CallOptions | undefined,
  ): Promise<EnvelopeMessages[K]> {
    const ws = this.#ws;
    if (this.#state !== "open" || !ws) {
      throw new HeraldError("disconnected", `${what}: the socket is not connected`);
    }
    const { cid, reply } = this.#pending.open(what, expect, options, this.#timeoutMs);
    try {
      ws.send(this.#codec.encodeEnvelope({ ...message, cid } as EnvelopeInit));
    } catch (cause) {
      this.#pending.reject(
        cid,
        HeraldError.is(cause) ? cause : new HeraldError("disconnected", `${what}: could not send`, { cause }),
      );
    }
    const envelope = await reply;
    return envelope?.body as EnvelopeMessages[K];
  }

  // ---------- status ----------

  /**
   * Sets this connection's status, shown to followers. Without a status (`updateStatus()`,
   * `null` or `""`) the user appears offline, as when disconnected. At most 2048 characters.
   */
  async updateStatus(status?: string | null, options?: CallOptions): Promise<void> {
    if (status && status.length > MAX_STATUS_LENGTH) {
      throw new HeraldError(
        "bad_input",
        `updateStatus: a status has at most ${MAX_STATUS_LENGTH} characters`,
      );
    }
    await this.#request(
      "updateStatus",
      { kind: "statusUpdate", body: status ? { status } : {} },
      undefined,
      options,
    );
  }

  /** Appears offline to followers (erases this connection's status). */
  appearOffline(options?: CallOptions): Promise<void> {
    return this.updateStatus(undefined, options);
  }

  /**
   * Follows users' status changes for as long as this connection lasts; returns the presences of
   * those currently online with a visible status.
   */
  async followUsers(
    userIds: readonly string[],
    options: CallOptions & { usernames?: readonly string[] | undefined } = {},
  ): Promise<Status> {
    const body = await this.#request(
      "followUsers",
      { kind: "statusFollow", body: { userIds: [...userIds], usernames: [...(options.usernames ?? [])] } },
      "status",
      options,
    );
    return toModel("Status", body);
  }

  /** Stops following users' status changes. */
  async unfollowUsers(userIds: readonly string[], options?: CallOptions): Promise<void> {
    await this.#request(
      "unfollowUsers",
      { kind: "statusUnfollow", body: { userIds: [...userIds] } },
      undefined,
      options,
    );
  }

  // ---------- chat ----------

  /**
   * Joins a chat channel: a room by name (`ChannelType.Room`), a group by id (`ChannelType.Group`)
   * or a direct chat with a user by id (`ChannelType.DirectMessage`). Returns the channel with its
   * visible members.
   */
  async joinChat(target: string, type: number, options: JoinChatOptions = {}): Promise<Channel> {
    const body = await this.#request(
      "joinChat",
      {
        kind: "channelJoin",
        body: { target, type, persistence: options.persistence ?? true, hidden: options.hidden ?? false },
      },
      "channel",
      options,
    );
    return toModel("Channel", body);
  }

  /** Leaves a chat channel (leaving one not joined succeeds). */
  async leaveChat(channelId: string, options?: CallOptions): Promise<void> {
    await this.#request("leaveChat", { kind: "channelLeave", body: { channelId } }, undefined, options);
  }

  /**
   * Sends a message to a joined channel. `content` must be a plain JSON object (refused with
   * `bad_input` before anything is sent otherwise). Resolves with the server's acknowledgement.
   */
  async writeChatMessage<T extends object = JsonObject>(
    channelId: string,
    content: T,
    options: WriteChatMessageOptions = {},
  ): Promise<ChannelMessageAck> {
    const text = stringifyJsonObject(content, "writeChatMessage: content");
    const body = await this.#request(
      "writeChatMessage",
      { kind: "channelMessageSend", body: { channelId, content: text, clientMsgId: options.clientMsgId } },
      "channelMessageAck",
      options,
    );
    return toModel("ChannelMessageAck", body);
  }

  /** Replaces the content of a message this user wrote. */
  async updateChatMessage<T extends object = JsonObject>(
    channelId: string,
    messageId: string,
    content: T,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    const text = stringifyJsonObject(content, "updateChatMessage: content");
    const body = await this.#request(
      "updateChatMessage",
      { kind: "channelMessageUpdate", body: { channelId, messageId, content: text } },
      "channelMessageAck",
      options,
    );
    return toModel("ChannelMessageAck", body);
  }

  /** Removes a message this user wrote. */
  async removeChatMessage(
    channelId: string,
    messageId: string,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    const body = await this.#request(
      "removeChatMessage",
      { kind: "channelMessageRemove", body: { channelId, messageId } },
      "channelMessageAck",
      options,
    );
    return toModel("ChannelMessageAck", body);
  }

  /** Round trip to the server (resolves on its pong). */
  async ping(options?: CallOptions): Promise<void> {
    await this.#request("ping", { kind: "ping", body: {} }, "pong", options);
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof SocketEvents>(name: K, fn: (event: SocketEvents[K]) => void): Unsubscribe {
    return this.#events.on(name, fn);
  }

  /**
   * The `name` events as an async iterator (`for await`). Ends when `signal` aborts, the loop is
   * left, or the socket closes; throws HeraldError `overflow` if more than `bufferSize` events
   * wait unread.
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
  onChannelMessage<T extends object = JsonObject>(fn: (message: ChannelMessage<T>) => void): Unsubscribe {
    return this.on("channelMessage", fn as (message: ChannelMessage) => void);
  }

  /** Notifications, one call per notification. */
  onNotification(fn: (notification: Notification) => void): Unsubscribe {
    return this.on("notification", fn);
  }

  /** Problems not tied to one call. */
  onError(fn: (error: HeraldError) => void): Unsubscribe {
    return this.on("error", fn);
  }

  /** The connection closed. */
  onDisconnect(fn: (event: DisconnectEvent) => void): Unsubscribe {
    return this.on("disconnect", fn);
  }

  /** The connection state changed. */
  onStateChange(fn: (change: StateChange) => void): Unsubscribe {
    return this.on("state", fn);
  }
}
