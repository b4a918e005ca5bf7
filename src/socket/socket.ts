import type { CallOptions } from "../call-options.js";
import type { HeraldError } from "../errors.js";
import { Emitter } from "../events.js";
import type { Channel, ChannelMessageAck, JsonObject, Models, Status } from "../gen/model.js";
import type { ChannelType, EnvelopeInit } from "../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../protocol/limits.js";
import { stringifyJsonObject, toModel } from "../protocol/model.js";
import type { Session } from "../session.js";
import { badInput, checkIds, checkOptions, checkSession, checkString } from "./arguments.js";
import { canonicalChannelId } from "./ids.js";
import { checkSize, frameBytes, splitToFit } from "./server-profile.js";
import type { SocketClient } from "./socket-client.js";
import { SocketLink } from "./socket-link.js";
import { SocketListeners } from "./socket-listeners.js";
import type {
  ConnectOptions,
  FollowOptions,
  JoinChatOptions,
  SocketEvents,
  SocketOptions,
  SocketState,
  WriteChatMessageOptions,
} from "./socket-types.js";

// Reply kinds a request can expect; each one's model is its name capitalised.
type ReplyKind = "status" | "channel" | "channelMessageAck" | "pong";

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
export class Socket extends SocketListeners {
  readonly #link: SocketLink;

  /** Use `client.createSocket()`. */
  constructor(url: string, options: SocketOptions, client: SocketClient) {
    const events = new Emitter<SocketEvents>();
    super(events);
    this.#link = new SocketLink(url, options, client, events);
  }

  /** The connection state. */
  get state(): SocketState {
    return this.#link.state;
  }

  /** Chat messages waiting for the server's acknowledgement (always 0 without `reconnect`). */
  get outboxSize(): number {
    return this.#link.outboxSize;
  }

  /**
   * Opens the connection with `session` (refreshed first if about to expire). Rejects with
   * `unauthenticated` for a refused token, `resource_exhausted` (HTTP 429: too many sockets for the
   * user), `unavailable` (HTTP 503), `timeout`, `aborted`, or `disconnected` (naming the address
   * tried) if the connection fails or `disconnect()` is called meanwhile.
   * Once open, a socket with `reconnect` restores lost connections until `disconnect()`.
   */
  async connect(session: Session, options?: ConnectOptions): Promise<void> {
    checkSession("connect", session);
    return this.#link.connect(session, checkOptions("connect", options));
  }

  /**
   * Closes the connection for good: no retry follows, no timer is left. Every waiting request
   * rejects with `disconnected` at once, a pending `connect()` too; catch-up stops. Unacknowledged
   * chat messages stay in the outbox (their calls reject) and are sent after the next `connect()`
   * of the same user once their channel is joined. Follows, status and joins are forgotten. Resolves when closed.
   */
  disconnect(): Promise<void> {
    return this.#link.disconnect();
  }

  // Not async: one promise and one turn fewer than awaiting. Its callers turn a throw into a rejection.
  // Checks the options last, after the call's other arguments.
  #request<N extends EnvelopeInit["kind"], K extends ReplyKind>(
    what: string,
    kind: N,
    body: Extract<EnvelopeInit, { kind: N }>["body"],
    expect: K | undefined,
    options: CallOptions | undefined,
  ): Promise<Models[Capitalize<K>]> {
    return this.#link
      .send({ what, message: { kind, body } as EnvelopeInit, expect, options: checkOptions(what, options) })
      .then(
        (envelope) =>
          (expect &&
            toModel(
              `${expect[0]?.toUpperCase()}${expect.slice(1)}` as never,
              envelope?.body as never,
            )) as never,
      );
  }

  // ---------- status ----------

  /**
   * Sets this connection's status, shown to followers. Without a status (`updateStatus()`,
   * `null` or `""`) the user appears offline, as when disconnected. At most 2048 bytes in UTF-8
   * (as herald's server and stock Nakama count it: 2048 ASCII characters, 1024 `é`).
   */
  async updateStatus(status?: string | null, options?: CallOptions): Promise<void> {
    if (status != null && typeof status !== "string") {
      throw badInput("updateStatus", "the status must be a string, null or undefined");
    }
    if (status && frameBytes(status) > MAX_STATUS_LENGTH) {
      throw badInput("updateStatus", `over ${MAX_STATUS_LENGTH} bytes`);
    }
    await this.#request("updateStatus", "statusUpdate", status ? { status } : {}, undefined, options);
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
    const parts = splitToFit(userIds, names, this.#link.profile.maxFrameBytes);
    const replies = await Promise.all(
      parts.map((part) =>
        this.#request(
          "followUsers",
          "statusFollow",
          { userIds: part.ids, usernames: part.names },
          "status",
          options,
        ),
      ),
    );
    return replies.length === 1 ? (replies[0] as Status) : { presences: replies.flatMap((r) => r.presences) };
  }

  /** Stops following users' status changes (split into frames the server takes). */
  async unfollowUsers(userIds: readonly string[], options?: CallOptions): Promise<void> {
    checkIds("unfollowUsers", userIds, "userIds");
    const parts = splitToFit(userIds, [], this.#link.profile.maxFrameBytes);
    await Promise.all(
      parts.map((part) =>
        this.#request("unfollowUsers", "statusUnfollow", { userIds: part.ids }, undefined, options),
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
      throw badInput("joinChat", "type must be a ChannelType");
    }
    const o = checkOptions("joinChat", options);
    const body = { target, type, persistence: o.persistence ?? true, hidden: o.hidden ?? false };
    return this.#request("joinChat", "channelJoin", body, "channel", options);
  }

  /** Leaves a chat channel (leaving one not joined succeeds); it is not joined again later. */
  async leaveChat(channelId: string, options?: CallOptions): Promise<void> {
    checkString("leaveChat", channelId, "channelId");
    const body = { channelId: canonicalChannelId(channelId) };
    await this.#request("leaveChat", "channelLeave", body, undefined, options);
  }

  /**
   * Sends a message to a joined channel. `content` must be a plain JSON object within the
   * server's size limit (refused with `bad_input` before anything is sent otherwise). Resolves
   * with the server's acknowledgement. With `reconnect`, the message waits in the outbox through
   * lost connections (no time limit unless `timeoutMs` is given) and is sent again until
   * acknowledged: exactly once on a server that deduplicates (herald), at least once elsewhere.
   * A call given up (`timeoutMs`, `signal`) takes it out: if it was sent, it may have been stored.
   */
  writeChatMessage<T extends object = JsonObject>(
    channelId: string,
    content: T,
    options?: WriteChatMessageOptions,
  ): Promise<ChannelMessageAck> {
    // Not async (an async function returning a promise adds two turns); every failure still rejects.
    try {
      checkString("writeChatMessage", channelId, "channelId");
      const o = checkOptions("writeChatMessage", options);
      const text = stringifyJsonObject(content);
      checkSize("writeChatMessage", text, this.#link.profile.maxContentBytes, "content");
      const body =
        o.clientMsgId === undefined
          ? { channelId, content: text }
          : { channelId, content: text, clientMsgId: o.clientMsgId };
      return this.#request("writeChatMessage", "channelMessageSend", body, "channelMessageAck", options);
    } catch (error) {
      return Promise.reject(error);
    }
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
    checkSize("updateChatMessage", text, this.#link.profile.maxContentBytes, "content");
    const body = { channelId, messageId, content: text };
    return this.#request("updateChatMessage", "channelMessageUpdate", body, "channelMessageAck", options);
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
    return this.#request("removeChatMessage", "channelMessageRemove", body, "channelMessageAck", options);
  }

  /** Round trip to the server (resolves on its pong). */
  async ping(options?: CallOptions): Promise<void> {
    await this.#request("ping", "ping", {}, "pong", options);
  }
}
