import { type CallOptions, startDeadline } from "./call-options.js";
import type { Client } from "./client.js";
import { HeraldError } from "./errors.js";
import { Emitter, type EventIteratorOptions, type Unsubscribe } from "./events.js";
import type {
  Channel,
  ChannelMessage,
  ChannelMessageAck,
  ChannelPresenceEvent,
  JsonObject,
  Models,
  Notification,
  Status,
  StatusPresenceEvent,
} from "./gen/model.js";
import type { ChannelType, Envelope, EnvelopeInit } from "./gen/wire.js";
import { PendingRequests } from "./pending-requests.js";
import type { Codec } from "./protocol/codec.js";
import { jsonCodec } from "./protocol/json-codec.js";
import { MAX_STATUS_LENGTH } from "./protocol/limits.js";
import { stringifyJsonObject, toModel } from "./protocol/model.js";
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
  /**
   * `true` connects invisible: the user appears offline to everyone, and stays invisible on later
   * connections until turned off (`false` here, or `client.updateAccount(session, { invisible:
   * false })`). `true` needs a server with the `user_presence` extension; others make `connect`
   * reject with `unsupported`.
   * @default unchanged (the account's stored setting)
   */
  invisible?: boolean | undefined;
}

/**
 * Connection state. A plain Socket never reconnects by itself (a closed socket stays closed until
 * `connect()` is called again) and so is never `reconnecting`; the socket of "herald/resilience"
 * is, while it restores a lost connection.
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

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

const ignore = () => {};

/** What a socket asks of its Client before connecting. */
type ClientLink = Pick<Client, "ensureFresh" | "capabilities">;

// The `ws` package (Node) reports a refused upgrade as an error naming the HTTP status; browsers
// hide the status, so there a refused token looks like any failed connection.
function connectError(cause: unknown): HeraldError {
  const status = Number(
    /response: (\d+)/.exec(String((cause as { message?: unknown } | null)?.message))?.[1],
  );
  const code = status === 401 ? "unauthenticated" : status === 400 ? "bad_input" : "disconnected";
  return new HeraldError(code, `connect failed${status ? ` with HTTP ${status}` : ""}`, {
    cause,
    status: status || undefined,
  });
}

// Push kinds the socket turns into events: [event name, model name].
const pushes = {
  statusPresenceEvent: ["statusPresence", "StatusPresenceEvent"],
  channelPresenceEvent: ["channelPresence", "ChannelPresenceEvent"],
  channelMessage: ["channelMessage", "ChannelMessage"],
} as const;

// Reply kinds a request can expect, and their models.
const replyModels = {
  status: "Status",
  channel: "Channel",
  channelMessageAck: "ChannelMessageAck",
  pong: "Pong",
} as const;

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
  readonly #client: ClientLink;
  readonly #events = new Emitter<SocketEvents>();
  readonly #pending = new PendingRequests();
  #ws: WebSocketLike | undefined;
  #state: SocketState = "closed";
  #closing = false;
  #closeWaiters: (() => void)[] = [];
  #abortConnect: ((error: HeraldError) => void) | undefined;

  /** Use `client.createSocket()`. */
  constructor(url: string, options: SocketOptions, client: ClientLink) {
    this.#url = url;
    this.#codec = options.codec ?? jsonCodec;
    this.#WebSocket = options.WebSocket ?? defaultWebSocket;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#client = client;
  }

  /** The connection state. */
  get state(): SocketState {
    return this.#state;
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
      throw new HeraldError("bad_input", `connect: already ${this.#state}`);
    }
    const deadline = startDeadline("connect", options, this.#connectTimeoutMs);
    this.#setState("connecting");
    this.#closing = false;
    try {
      await Promise.race([this.#prepare(session, options), deadline.expired]);
      // Built by hand: React Native's URLSearchParams lacks most methods.
      const query = `lang=${encodeURIComponent(options.lang ?? "en")}&status=${!!options.appearOnline}&token=${encodeURIComponent(session.token)}${this.#codec.format === "json" ? "" : `&format=${this.#codec.format}`}${options.invisible === undefined ? "" : `&invisible=${options.invisible}`}`;
      await Promise.race([this.#open(`${this.#url}/ws?${query}`), deadline.expired]);
      this.#setState("open");
    } catch (error) {
      const ws = this.#ws;
      this.#ws = this.#abortConnect = undefined;
      if (ws) this.#detach(ws, true);
      this.#closed();
      throw HeraldError.is(error) ? error : connectError(error);
    } finally {
      deadline.done();
    }
  }

  async #prepare(session: Session, options: ConnectOptions): Promise<void> {
    await this.#client.ensureFresh(session, options);
    if (
      options.invisible &&
      !(await this.#client.capabilities(options)).extensions.includes("user_presence")
    ) {
      throw new HeraldError("unsupported", "connect: invisible needs the user_presence extension");
    }
  }

  #open(url: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closing) throw new HeraldError("disconnected", "connect: disconnect() was called");
      const ws = new this.#WebSocket(url);
      let failure: unknown;
      this.#ws = ws;
      this.#abortConnect = reject;
      ws.binaryType = "arraybuffer";
      ws.onerror = (event) => {
        failure ??= (event as { error?: unknown } | null)?.error ?? event;
      };
      ws.onclose = (event) =>
        reject(
          failure === undefined
            ? new HeraldError("disconnected", `connect: closed by the server (${event.code})`)
            : connectError(failure),
        );
      ws.onopen = () => {
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
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Not null: `ws` (Node) throws an error event nobody listens to, e.g. closing mid-handshake.
    ws.onerror = ignore;
    try {
      if (close) ws.close(1000);
    } catch {
      // Already closing or closed.
    }
  }

  #onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    this.#detach(ws, false);
    this.#pending.rejectAll(
      (what) => new HeraldError("disconnected", `${what}: connection closed (${code})`),
    );
    const requested = this.#closing;
    this.#events.end();
    // Closed before the event, so that a listener may connect again at once.
    this.#closed();
    this.#events.emit("disconnect", { code, reason, requested });
  }

  #closed(): void {
    this.#setState("closed");
    for (const wake of this.#closeWaiters.splice(0)) wake();
  }

  /**
   * Closes the connection: every waiting request rejects with `disconnected` at once, a pending
   * `connect()` too. Resolves when the socket is closed.
   */
  disconnect(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    const gone = (what: string) => new HeraldError("disconnected", `${what}: disconnect() was called`);
    this.#pending.rejectAll(gone);
    if (this.#abortConnect) this.#abortConnect(gone("connect"));
    else this.#ws?.close(1000);
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
      } else if (kind === "notifications") {
        for (const n of toModel("Notifications", body).notifications) events.emit("notification", n);
      } else if (kind === "error") {
        events.emit("error", HeraldError.fromServer(body.code, body.message));
      } else if (kind in pushes) {
        // Other kinds (replies without a cid, newer messages) carry nothing for this version.
        const [event, model] = pushes[kind as keyof typeof pushes];
        // Unheard pushes are not converted: parsing content nobody reads is the costliest part.
        if (events.listenerCount(event)) events.emit(event, toModel(model, body as never) as never);
      }
    } catch (error) {
      events.emit("error", error as HeraldError);
    }
  }

  /**
   * Sends a request and waits for its reply: a message of kind `expect`, returned as its app
   * model, or (`expect` undefined) a bare acknowledgement.
   */
  async #request<K extends "status" | "channel" | "channelMessageAck" | "pong">(
    what: string,
    message: EnvelopeInit,
    expect?: K,
    options?: CallOptions,
  ): Promise<Models[Capitalize<K>]> {
    const ws = this.#ws;
    if (this.#state !== "open" || !ws) {
      throw new HeraldError("disconnected", `${what}: not connected`);
    }
    const { cid, reply } = this.#pending.open(what, expect, options, this.#timeoutMs);
    try {
      ws.send(this.#codec.encodeEnvelope({ cid, kind: message.kind, body: message.body } as EnvelopeInit));
    } catch (cause) {
      this.#pending.reject(
        cid,
        HeraldError.is(cause) ? cause : new HeraldError("disconnected", `${what}: could not send`, { cause }),
      );
    }
    const envelope = await reply;
    return (expect && toModel(replyModels[expect], envelope?.body as never)) as never;
  }

  // ---------- status ----------

  /**
   * Sets this connection's status, shown to followers. Without a status (`updateStatus()`,
   * `null` or `""`) the user appears offline, as when disconnected. At most 2048 characters.
   */
  async updateStatus(status?: string | null, options?: CallOptions): Promise<void> {
    if (status && status.length > MAX_STATUS_LENGTH) {
      throw new HeraldError("bad_input", `updateStatus: over ${MAX_STATUS_LENGTH} characters`);
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
    return this.#request(
      "followUsers",
      { kind: "statusFollow", body: { userIds: [...userIds], usernames: [...(options.usernames ?? [])] } },
      "status",
      options,
    );
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
  async joinChat(target: string, type: ChannelType, options: JoinChatOptions = {}): Promise<Channel> {
    return this.#request(
      "joinChat",
      {
        kind: "channelJoin",
        body: { target, type, persistence: options.persistence ?? true, hidden: options.hidden ?? false },
      },
      "channel",
      options,
    );
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
    return this.#request(
      "writeChatMessage",
      {
        kind: "channelMessageSend",
        body: { channelId, content: stringifyJsonObject(content), clientMsgId: options.clientMsgId },
      },
      "channelMessageAck",
      options,
    );
  }

  /** Replaces the content of a message this user wrote. */
  async updateChatMessage<T extends object = JsonObject>(
    channelId: string,
    messageId: string,
    content: T,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    return this.#request(
      "updateChatMessage",
      { kind: "channelMessageUpdate", body: { channelId, messageId, content: stringifyJsonObject(content) } },
      "channelMessageAck",
      options,
    );
  }

  /** Removes a message this user wrote. */
  async removeChatMessage(
    channelId: string,
    messageId: string,
    options?: CallOptions,
  ): Promise<ChannelMessageAck> {
    return this.#request(
      "removeChatMessage",
      { kind: "channelMessageRemove", body: { channelId, messageId } },
      "channelMessageAck",
      options,
    );
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
}
