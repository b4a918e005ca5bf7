import type { HeraldError } from "../../errors.js";
import type { RetentionOptions } from "../options.js";
import type { EdgeRow } from "./friends.js";
import type { GroupFilters, GroupPosition } from "./group-order.js";
import type { GroupRow, MemberRow, UserGroupRow } from "./groups.js";
import type { MessageRow, NewMessage, StoredCount } from "./messages.js";
import type { NotificationRow } from "./notifications.js";
import type { UserChanges, UserRow } from "./users.js";

// The rows are those of the SQLite stores: both backends return the same shapes, so the wire
// mappings (userToWire, messageToWire, ...) serve either.
export type {
  EdgeRow,
  GroupRow,
  MemberRow,
  MessageRow,
  NewMessage,
  NotificationRow,
  RetentionOptions,
  UserChanges,
  UserGroupRow,
  UserRow,
};

/**
 * The storage the server's services use, whatever the engine (SQLite in one process, PostgreSQL for
 * a cluster). Every call returns a Promise, so an engine on the network never stalls the event
 * loop, and rejects (never throws) with a `HeraldError`:
 *
 * - `already_exists` when a unique name or id is taken (username, email, custom id, device id,
 *   group name);
 * - `disconnected` when the engine cannot be reached (the gRPC/HTTP numbers are 14/503: try again);
 * - `server_error` for anything else, with the engine's error as `cause`.
 *
 * Semantics are those of the SQLite schema (src/server/storage/database.ts): same ordering, same
 * sequence-number cursors, same deduplication, same durability (a write resolves once committed).
 */
export interface AsyncStorage {
  readonly users: AsyncUserStore;
  readonly tokens: AsyncTokenStore;
  readonly messages: AsyncMessageStore;
  readonly groups: AsyncGroupStore;
  readonly friends: AsyncFriendStore;
  readonly notifications: AsyncNotificationStore;
  /** The engine's name, for logs and the capabilities route. */
  readonly engine: "sqlite" | "postgres";
  /** Commits pending writes, then releases the engine (connections, file handles). */
  close(): Promise<void>;
  /**
   * Why the storage can take no writes now (an SQLite file deleted or replaced while open, checked
   * on the spot), or undefined while it can. Engines without such a fault leave it out.
   */
  fault?(): HeraldError | undefined;
}

/** Fields of a new user. */
export interface NewUser {
  username: string;
  email?: string;
  passwordHash?: string;
  customId?: string;
  /** A device id linked to the user in the same transaction. */
  deviceId?: string;
}

/** Users, their device ids and their credentials. */
export interface AsyncUserStore {
  byId(id: string): Promise<UserRow | undefined>;
  /** The users among `ids` that exist, in no particular order; unknown ids are skipped. */
  byIds(ids: readonly string[]): Promise<UserRow[]>;
  byUsername(username: string): Promise<UserRow | undefined>;
  /**
   * The users among `usernames` that exist, in no particular order; unknown names are skipped.
   * One lookup for the lot, however many names a request lists (a follow by 6,000 names is one
   * query, not 6,000 queued on the pool ahead of everyone else's).
   */
  byUsernames(usernames: readonly string[]): Promise<UserRow[]>;
  byDevice(deviceId: string): Promise<UserRow | undefined>;
  byCustomId(customId: string): Promise<UserRow | undefined>;
  byEmail(email: string): Promise<UserRow | undefined>;
  /** Creates a user (and links the device id, if any). Rejects with `already_exists` when taken. */
  create(fields: NewUser): Promise<UserRow>;
  /** The user's device ids, sorted. */
  devices(userId: string): Promise<string[]>;
  /** Changes the given fields (undefined = keep); a taken username rejects with `already_exists`. */
  update(userId: string, changes: UserChanges): Promise<void>;
  /**
   * Moves `last_active` of many users forward to `at` (never back: nodes of a cluster may race)
   * in one transaction; `public_last_active` follows it only for users who are not invisible.
   */
  touchLastActive(userIds: Iterable<string>, at: number): Promise<void>;
}

/** One question to {@link AsyncTokenStore.anyRevoked}: is `tid` revoked until later than `after`? */
export interface RevocationCheck {
  readonly tid: string;
  readonly after: number;
}

/**
 * The WHERE clause of {@link AsyncTokenStore.anyRevoked} for `count` checks, with `placeholder(n)`
 * giving the n-th parameter's marker (1-based); its parameters are {@link revocationParams}.
 */
export function revokedWhere(count: number, placeholder: (n: number) => string): string {
  return Array.from(
    { length: count },
    (_, i) => `(tid = ${placeholder(2 * i + 1)} AND exp > ${placeholder(2 * i + 2)})`,
  ).join(" OR ");
}

/** The parameters of {@link revokedWhere}: each check's id, then its time. */
export function revocationParams(checks: readonly RevocationCheck[]): (string | number)[] {
  return checks.flatMap((c) => [c.tid, c.after]);
}

/** Revoked token ids. A session token and its refresh token share one id. */
export interface AsyncTokenStore {
  /** Revokes `tid` until `exp` (unix seconds); an existing later expiry is kept. */
  revoke(tid: string, exp: number): Promise<void>;
  /**
   * True while any of `checks` holds: its `tid` is revoked past `after` (unix seconds; `now` asks
   * whether the revocation is still in force). One read, however many ids are asked about.
   */
  anyRevoked(checks: readonly RevocationCheck[]): Promise<boolean>;
  /** Forgets revocations expired by `now`, then lists the rest (to cache them in memory). */
  listRevoked(now: number): Promise<{ tid: string; exp: number }[]>;
  /**
   * The token signing secret every server on this database shares: the stored one, or `candidate`
   * stored now when there is none yet (the first server to ask wins, the others get its secret).
   */
  sharedSecret(candidate: string): Promise<string>;
}

/**
 * What {@link AsyncMessageStore.insert} resolves with: the row committed now, with the seq of the
 * channel's message before it at its commit (`prevSeq`, 0 if none), or the stored original of a
 * repeated client message id.
 */
export type InsertedMessage =
  | { row: MessageRow; duplicate: false; prevSeq: number }
  | { row: MessageRow; duplicate: true };

/**
 * Stored channel messages. `seq` orders a channel's history: it only grows, even within one
 * millisecond, and (in a cluster too) a message never appears below a seq a reader already passed,
 * so `after(channel, lastSeen)` never skips one. Along a channel's seqs `create_time` never
 * decreases either: a message is stored no older than the one before it (two nodes' clocks, or a
 * clock stepped back, could disagree), so that a client reading history back to the last message
 * it has, and stopping at the first one older than it, skips nothing. Nor older than a message
 * removed from the channel before it: the last message a client has may be one removed since.
 */
export interface AsyncMessageStore {
  /**
   * Stores a message and resolves with its row as stored (with its `seq`, and its times raised to
   * the channel's newest message's if those were later) once committed: acknowledge a send only
   * then, with that row's times. Inserts are batched, one transaction per event-loop turn, in call
   * order. A message whose `client_msg_id` (not empty) the same sender already used in the same
   * channel resolves with the stored original instead (`duplicate: true`); in another channel it
   * is another message.
   *
   * `prevSeq` is the seq of the channel's newest message when this one committed (0 if it is the
   * first), read under the same lock as the insert, so a channel's stored messages form a chain
   * (a batch holding two messages of a channel chains them). A cluster node uses it to hand a
   * channel's messages to its sockets in history order whatever order they reach it in.
   */
  insert(message: NewMessage): Promise<InsertedMessage>;
  byId(channelId: string, messageId: string): Promise<MessageRow | undefined>;
  /** The message a sender stored with a client message id in a channel. */
  byClientId(senderId: string, channelId: string, clientMsgId: string): Promise<MessageRow | undefined>;
  updateContent(seq: number, content: string, at: number): Promise<void>;
  /**
   * Removes a message; its `create_time` stays the least a later message of its channel gets (the
   * channel's floor, kept while no message at or after it remains in the channel).
   */
  delete(seq: number): Promise<void>;
  /** Up to `limit` messages after `seq`, oldest first. */
  after(channelId: string, seq: number, limit: number): Promise<MessageRow[]>;
  /** Up to `limit` messages before `seq`, newest first. */
  before(channelId: string, seq: number, limit: number): Promise<MessageRow[]>;
  existsAfter(channelId: string, seq: number): Promise<boolean>;
  existsBefore(channelId: string, seq: number): Promise<boolean>;
  /** Up to `limit` messages created at or after `time` (ms), oldest first (stock 3.26 cursors). */
  fromTime(channelId: string, time: number, limit: number): Promise<MessageRow[]>;
  /** Up to `limit` messages created before `time` (ms), newest first (stock 3.26 cursors). */
  beforeTime(channelId: string, time: number, limit: number): Promise<MessageRow[]>;
  /** Number of stored messages of a channel, with the newest one's seq (one read: see {@link StoredCount}). */
  count(channelId: string): Promise<StoredCount>;
  /**
   * The `limit` channels with the newest stored messages, newest first, with their message counts
   * and newest seqs (one read).
   */
  busiestChannels(limit: number): Promise<({ channelId: string } & StoredCount)[]>;
  /**
   * Deletes messages past the retention limits (older than `maxAgeSec` before `now` in ms; beyond
   * the newest `maxPerChannel` of each channel), in short batches so other writers are not held up
   * for long; a channel's newest message deleted by age leaves its time as the channel's floor, as
   * a removal does. Then forgets the floors that can no longer matter (a message at or after them
   * is in their channel, or their group is gone), with no limits given too. Resolves with how many
   * messages were deleted.
   */
  prune(retention: RetentionOptions, now: number): Promise<number>;
}

/** Fields of a new group. */
export interface NewGroup {
  creatorId: string;
  name: string;
  description: string;
  langTag: string;
  avatarUrl: string;
  open: boolean;
  maxCount: number;
}

/** Changes to a group (undefined = keep). */
export type GroupChanges = Partial<Record<"name" | "description" | "lang_tag" | "avatar_url", string>> & {
  open?: boolean;
};

/** Groups and their members. Member states are the wire's `GroupUserState` values. */
export interface AsyncGroupStore {
  byId(id: string): Promise<GroupRow | undefined>;
  byName(name: string): Promise<GroupRow | undefined>;
  /** Creates a group with its creator as superadmin; a taken name rejects with `already_exists`. */
  create(fields: NewGroup): Promise<GroupRow>;
  update(id: string, changes: GroupChanges): Promise<void>;
  /** Deletes a group and its memberships. */
  delete(id: string): Promise<void>;
  /**
   * Deletes a group if `userId` is its one member (join requests and bans aside), in one change.
   * False when others are members; true once the group is gone (deleted meanwhile too).
   */
  deleteIfOnly(groupId: string, userId: string): Promise<boolean>;
  /** A user's state in a group (undefined when not related at all). */
  stateOf(groupId: string, userId: string): Promise<number | undefined>;
  /**
   * Sets the state of a user, or of several in one change (refused whole); a new member goes last
   * in join order, a changed one keeps its place. A change that makes or unmakes a member moves the
   * group's `edge_count` and `update_time`, as does {@link removeMember} of a member; one that
   * makes a member past the group's `max_count` is refused with "Group is full.".
   */
  setState(groupId: string, userIds: string | readonly string[], state: number): Promise<void>;
  removeMember(groupId: string, userId: string): Promise<void>;
  /** Members and join requests (bans excluded) in join order, or those of one state. */
  members(groupId: string, state?: number): Promise<MemberRow[]>;
  /** The groups a user belongs to or asked to join, in join order, optionally of one state. */
  groupsOf(userId: string, state?: number): Promise<UserGroupRow[]>;
  /**
   * Groups whose name matches `pattern`, an SQL LIKE pattern matched case-insensitively (`%` any
   * run, `_` one character; "" matches every group), after `afterName`, by name (bytewise).
   */
  list(pattern: string, afterName: string, limit: number): Promise<GroupRow[]>;
  /**
   * Up to `limit` groups passing `filters`, in stock Nakama's order for those filters (see
   * `groupOrder`), after the position `after` (from the start when undefined).
   */
  listOrdered(filters: GroupFilters, after: GroupPosition | undefined, limit: number): Promise<GroupRow[]>;
}

/** Friend edges, one row per direction. States are the wire's FriendState values. */
export interface AsyncFriendStore {
  edge(sourceId: string, destId: string): Promise<EdgeRow | undefined>;
  /** Makes an edge, placed after its source's others, or changes its state, keeping its place. */
  set(sourceId: string, destId: string, state: number): Promise<void>;
  remove(sourceId: string, destId: string): Promise<void>;
  /**
   * A user's edges in listing order, by state and then by when each was made (`seq`), from the
   * place `from` on (that edge included), at most `limit`, optionally of one state only.
   */
  list(
    sourceId: string,
    state: number | undefined,
    from: { state: number; seq: number },
    limit: number,
  ): Promise<EdgeRow[]>;
  /**
   * Number of a user's edges of any state (friends, invites sent and received, blocks), as stock
   * counts a user's `edge_count`.
   */
  edgeCount(userId: string): Promise<number>;
}

/** Stored (persistent) notifications. */
export interface AsyncNotificationStore {
  insert(row: Omit<NotificationRow, "seq">): Promise<NotificationRow>;
  /** A user's notifications after `afterSeq`, oldest first. */
  list(userId: string, afterSeq: number, limit: number): Promise<NotificationRow[]>;
  /** True while `userId` holds a stored notification of `code` from `senderId`. */
  has(userId: string, senderId: string, code: number): Promise<boolean>;
  delete(userId: string, ids: readonly string[]): Promise<void>;
}
