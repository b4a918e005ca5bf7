import type { CallOptions } from "../call-options.js";
import type { HeraldError } from "../errors.js";
import type {
  ChannelMessage,
  ChannelPresenceEvent,
  JsonObject,
  Notification,
  StatusPresenceEvent,
  UserPresence,
} from "../gen/model.js";
import type { Codec } from "../protocol/codec.js";
import type { WebSocketConstructor } from "../transport/websocket.js";
import type { ReconnectOptions } from "./backoff.js";
import type { OutboxOptions } from "./outbox-storage.js";

/** Heartbeat settings: a protocol ping every `intervalMs`, the connection cut after `timeoutMs` without a pong. */
export interface HeartbeatOptions {
  /** @default 10000 */
  intervalMs?: number | undefined;
  /** @default 5000 */
  timeoutMs?: number | undefined;
}

/** How far back messages missed during an outage are fetched from history. */
export interface CatchUpOptions {
  /**
   * The most history pages (of 100 messages) read back per channel after a reconnection; older
   * missed messages are reported by a `gap` event instead. Also bounds the pages held in memory.
   * @default 10
   */
  maxPages?: number | undefined;
}

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
  /**
   * Retry timing after a lost connection, or `false` for a socket that stays closed once its
   * connection is lost (no heartbeat, restore, catch-up or outbox either).
   * @default { minDelayMs: 500, maxDelayMs: 30000 }
   */
  reconnect?: ReconnectOptions | false | undefined;
  /** Ping settings, or `false` to rely on the platform noticing a dead connection. @default { intervalMs: 10000, timeoutMs: 5000 } */
  heartbeat?: HeartbeatOptions | false | undefined;
  /** Where unacknowledged chat messages wait, how many may, how often one is tried. */
  outbox?: OutboxOptions | undefined;
  /** How far back missed messages are fetched after a reconnection. */
  catchUp?: CatchUpOptions | undefined;
  /**
   * The largest frame the server takes, in bytes. Requests that would be larger are refused with
   * `bad_input` before sending (or split, where the protocol allows).
   * @default 65536 on a herald server (as its capabilities say), 4096 elsewhere (stock Nakama's default)
   */
  maxFrameBytes?: number | undefined;
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
 * Connection state: `connecting` (the first `connect()`, which rejects on failure), `open`,
 * `reconnecting` (a lost connection being restored, retried until it succeeds, the server refuses
 * the session, or `disconnect()`), `closed` (nothing retried).
 */
export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

/** A change of {@link SocketState}, and why. */
export interface StateChange {
  previous: SocketState;
  state: SocketState;
  /** Why, in words: "connected", "connection lost (1006)", "heartbeat timeout", ... */
  reason: string;
  /** The error behind the change, if one was. */
  error?: HeraldError | undefined;
}

/** Why a socket closed for good. */
export interface DisconnectEvent {
  /** The WebSocket close code (1000 after `disconnect()`, 1006 when the connection was lost). */
  code: number;
  reason: string;
  /** True when the app called `disconnect()`. */
  requested: boolean;
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
  /**
   * Users followed again, by id (lower-case and hyphenated, as the server writes ids, whatever
   * spelling they were followed by). A user followed by username counts here by the id the server
   * found for the name when it was followed (so an unfollow by id ends it).
   */
  follows: string[];
  /** Usernames followed again as names: those no user had when they were followed. */
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
   * `not_rejoined`: joining it again was refused (the channel is no longer joined);
   * `too_far_behind`: more was missed than catch-up reads back (`catchUp.maxPages`), or the
   * server's history cursors cannot page further (stock Nakama 3.26): older messages are skipped;
   * or, every message catch-up would read back to removed, some cannot be told from ones delivered.
   */
  reason: "not_persistent" | "history_unreadable" | "not_rejoined" | "too_far_behind";
  error?: HeraldError | undefined;
}

/** A channel message; `catchUp` is true for one fetched from history after a reconnection. */
export type SocketChannelMessage<T extends object = JsonObject> = ChannelMessage<T> & { catchUp?: true };

/** Events of a {@link Socket}, by name. */
export interface SocketEvents {
  /** Followed users' status changes: new presences in `joins`, old ones in `leaves`. */
  statusPresence: StatusPresenceEvent;
  /** Members joining or leaving a joined channel. */
  channelPresence: ChannelPresenceEvent;
  /** Messages in joined channels (the sender's own too): live ones, and (marked `catchUp`) missed ones, each once, in order per channel. */
  channelMessage: SocketChannelMessage;
  /** A notification (each one of a batch is its own event). */
  notification: Notification;
  /** A problem not tied to one call: a server error push, an unreadable frame, a listener that threw. */
  error: HeraldError;
  /** The socket closed for good: `disconnect()`, a lost connection without `reconnect`, or a session the server refuses. */
  disconnect: DisconnectEvent;
  /** The connection state changed. */
  state: StateChange;
  /** A lost connection was restored, with status, follows and joins. */
  reconnected: ReconnectedEvent;
  /** Messages of a channel could not be recovered. */
  gap: GapEvent;
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
   * A client-chosen id, unique per sender: a server with the `client_msg_id` extension stores the
   * message once per id and answers a repeated send with the first acknowledgement. Other servers
   * never see it (stock Nakama closes a JSON connection on fields it does not know).
   * @default a random id when the socket reconnects (the outbox needs one), none otherwise
   */
  clientMsgId?: string | undefined;
}

/** Options of {@link Socket.followUsers}. */
export interface FollowOptions extends CallOptions {
  /** Users to follow by username too. */
  usernames?: readonly string[] | undefined;
}
