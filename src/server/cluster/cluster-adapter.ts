/**
 * The seam between one herald node and the others (socket.io's Adapter is the model): fan-out of
 * broadcasts to the nodes that have an audience for them, and the presences every node must see.
 * A single server uses {@link MemoryClusterAdapter}; a cluster uses {@link RedisClusterAdapter}.
 * The node itself still delivers to its own sockets: the adapter only carries what other nodes need.
 *
 * @module
 */

/**
 * A presence stream: `channel:<channelId>` (who is in a channel) or `status:<userId>` (the user's
 * sessions visible on their status stream). Fan-out rooms use the same names, plus `user:<userId>`
 * (every session of a user, for notifications and account changes).
 */
export type Stream = `channel:${string}` | `status:${string}`;

/** A fan-out room: a presence stream or `user:<userId>`. */
export type Room = Stream | `user:${string}`;

/** The stream of a channel's presences. */
export function channelStream(channelId: string): Stream {
  return `channel:${channelId}`;
}

/** The stream of a user's status presences. */
export function statusStream(userId: string): Stream {
  return `status:${userId}`;
}

/** The room reaching every session of a user. */
export function userRoom(userId: string): Room {
  return `user:${userId}`;
}

/** One session's presence on a stream, as every node sees it. */
export interface ClusterPresence {
  sessionId: string;
  userId: string;
  username: string;
  /** Hidden presences are kept (so they can be shown again) but not listed and cause no events. */
  hidden: boolean;
  /** A channel presence's `persistence` flag. */
  persistence?: boolean;
  /** A status presence's status text. */
  status?: string;
  /** When the presence last changed (ms): the newest status of a user is the one shown. */
  changedAt: number;
  /** The node holding the session (set by the adapter). */
  node: string;
}

/** Whose sessions of a room's members receive a message. */
export interface Audience {
  /** Skip the sessions of this user. */
  exceptUser?: string;
  /** Only the sessions of this user. */
  onlyUser?: string;
}

/**
 * Where a stored channel message sits in its channel's history: its `seq`, and the seq of the
 * channel's message before it at its commit (`prevSeq`, 0 if none). A frame carrying it is handed
 * to the node's sockets in history order (see {@link ChannelSequencer}).
 */
export interface StoredOrder {
  seq: number;
  prevSeq: number;
}

/**
 * An edit or removal of a stored channel message: the seq of the message it changes (`edits`). A
 * frame carrying it is handed to the node's sockets after that message.
 */
export interface ChangeOf {
  edits: number;
}

/** What one node sends the others. */
export type ClusterMessage =
  /**
   * An envelope already encoded, in protobuf (`bytes`), JSON (`text`) or both (at least one): each
   * node delivers it to its own members of the room.
   */
  | ({ kind: "frame"; bytes?: Uint8Array; text?: Uint8Array } & Audience &
      Partial<StoredOrder> &
      Partial<ChangeOf>)
  /**
   * The newest seq the sending node stored in the room's channel (a `channel:` room): a node that
   * has not delivered that far missed a publish, and reads the gap from storage.
   */
  | { kind: "tip"; seq: number }
  /** Presences that joined or left a stream: each node encodes the event once for its members. */
  | ({ kind: "presence"; stream: Stream; joins: ClusterPresence[]; leaves: ClusterPresence[] } & Audience)
  /** A user turned invisible or visible: nodes holding the user's sessions hide or show them. */
  | { kind: "invisible"; userId: string; invisible: boolean }
  /** Every session of a user leaves a channel (a kick, a ban, a block): each node removes its own. */
  | { kind: "evict"; channelId: string; userId: string };

/** A node whose lease ran out, cleaned up by the node that reports it. */
export interface NodeDown {
  nodeId: string;
  /** Every presence the node held, removed everywhere; leaves were published for the visible ones. */
  presences: { stream: Stream; presence: ClusterPresence }[];
}

/** Events of a cluster adapter. */
export interface ClusterEvents {
  /** A message from another node for a room this node subscribed to. */
  message: (room: Room, message: ClusterMessage) => void;
  /** A dead node was cleaned up by this node (emitted on one surviving node only). */
  nodeDown: (info: NodeDown) => void;
  /** The shared state was lost (a restart of Redis) or this node was taken for dead, and this node
   * has announced its presences again. */
  reannounced: (info: { reaped: boolean }) => void;
  /**
   * This node subscribed again to its rooms after its subscription connection was lost: what
   * other nodes published meanwhile never reached it (stored messages can be read back).
   */
  resubscribed: () => void;
  /** A background failure (a lost heartbeat, a failed publish); the adapter keeps trying. */
  error: (err: unknown) => void;
}

/** The seam between a node and the rest of the cluster. */
export interface ClusterAdapter {
  /** This node's id, unique in the cluster. */
  readonly nodeId: string;
  /** Connects and starts heart-beating. */
  start(): Promise<void>;
  /** Removes this node's presences (publishing their leaves), stops heart-beating, disconnects. */
  close(): Promise<void>;
  /** Listens to an event; returns the function that stops listening. */
  on<E extends keyof ClusterEvents>(event: E, listener: ClusterEvents[E]): () => void;

  /**
   * Declares local interest in a room (counted: call once per local member, and
   * {@link unsubscribe} as many times), so other nodes' messages for it reach this node. Resolves
   * once the subscription is active: await it before answering a join, so the member misses
   * nothing sent after the reply. Rejects with `disconnected` when Redis is away (the interest is
   * kept, and subscribed again when it returns).
   */
  subscribe(room: Room): Promise<void>;
  unsubscribe(room: Room): void;
  /** Sends a message to the other nodes with members in `room`, once per node. Never throws. */
  publish(room: Room, message: ClusterMessage): void;

  /** Adds or replaces a presence of one of this node's sessions. */
  setPresence(stream: Stream, presence: Omit<ClusterPresence, "node">): Promise<void>;
  /** Removes a presence of one of this node's sessions; resolves with it (undefined if unknown). */
  removePresence(stream: Stream, sessionId: string): Promise<ClusterPresence | undefined>;
  /** Every presence on a stream, hidden ones included, oldest change first. */
  presences(stream: Stream): Promise<ClusterPresence[]>;
  /** The users among `userIds` with a presence that is not hidden on their status stream. */
  onlineUsers(userIds: readonly string[]): Promise<Set<string>>;

  /**
   * Records that a user's invisible flag has just changed, for {@link recentInvisible}, before the
   * change is published: a node whose `invisible` message is still on its way reads it here.
   * Kept for {@link RECENT_FLAG_MS}, far longer than a message takes.
   */
  noteInvisible(userId: string, invisible: boolean): Promise<void>;
  /** The users among `userIds` whose invisible flag changed recently, with the new flag. */
  recentInvisible(userIds: readonly string[]): Promise<Map<string, boolean>>;

  /**
   * Runs `hook` when this node cleans up a dead node, before the dead sessions' leaves are
   * published (for what a follower told of a leave reads, such as `last_active`); the leaves wait
   * for it up to the lease's length. Returns the function that removes it. An adapter that never
   * cleans up other nodes (a single server) never calls it.
   */
  beforeLeaves(hook: (info: NodeDown) => Promise<void>): () => void;
}

/** How long a changed invisible flag stays readable by {@link ClusterAdapter.recentInvisible}. */
export const RECENT_FLAG_MS = 60_000;

/** Sorts presences by last change, oldest first (ties by session id, so every node agrees). */
export function byChange(a: ClusterPresence, b: ClusterPresence): number {
  return a.changedAt - b.changedAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);
}
