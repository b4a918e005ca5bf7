import { HeraldError } from "../../errors.js";
import {
  type AsyncFriendStore,
  type AsyncGroupStore,
  type AsyncMessageStore,
  type AsyncNotificationStore,
  type AsyncStorage,
  type AsyncTokenStore,
  type AsyncUserStore,
  revocationParams,
  revokedWhere,
} from "./async-storage.js";
import type { Db } from "./database.js";
import { FileGuard } from "./file-guard.js";
import { FriendStore } from "./friends.js";
import { GroupStore } from "./groups.js";
import { MessageStore } from "./messages.js";
import { NotificationStore } from "./notifications.js";
import { pruneHistory } from "./retention.js";
import { sqliteFault } from "./sqlite-fault.js";
import { UserStore } from "./users.js";

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * Called when a batch of message inserts fails to commit (the inserts reject too).
   * @default ignores it (the rejected inserts carry the error)
   */
  onCommitError?: (err: unknown) => void;
  /**
   * Called after each batch of message inserts commits, with its duration (lock waits included)
   * and size, for metrics.
   * @default does nothing
   */
  onCommit?: (durationMs: number, batchSize: number) => void;
  /**
   * How long a batch of message inserts keeps retrying while another process holds the write
   * lock, before its inserts reject with `disconnected`. @default 5000
   */
  commitTimeoutMs?: number;
  /** Close the database handle in `close()`. @default true */
  closeDatabase?: boolean;
  /**
   * How often the database file is checked to still be the one opened, between writes (each
   * write checks it too). 0: only writes check. Ignored for an in-memory database.
   * @default 1000
   */
  fileCheckMs?: number;
  /**
   * Told once when the database file was found deleted or replaced while open; from then on every
   * write is refused with `unavailable`.
   * @default does nothing
   */
  onFileLost?: (err: HeraldError) => void;
}

/** Maps an SQLite error to the storage interface's error codes. */
export function sqliteError(err: unknown): HeraldError {
  if (HeraldError.is(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    return HeraldError.from(err, "already_exists");
  }
  // A held lock, a full disk or a read-only file is the storage's state, not a server bug: the
  // client is told to try again (14 / HTTP 503), as for a PostgreSQL that is away.
  return sqliteFault(err) ?? HeraldError.from(err, "server_error");
}

// Runs a synchronous store call as an async one: its exceptions become rejections.
function wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return fn(...args);
    } catch (err) {
      throw sqliteError(err);
    }
  };
}

/**
 * The SQLite stores behind the asynchronous storage interface, so the services run unchanged on
 * SQLite or PostgreSQL. SQLite itself stays synchronous (and fast, being in-process); message
 * inserts keep their write-behind batching, and resolve once their batch has committed.
 */
export function createSqliteStorage(db: Db, options: SqliteStorageOptions = {}): AsyncStorage {
  const guard =
    db.memory || db.name === ""
      ? undefined
      : new FileGuard(db.name, {
          ...(options.fileCheckMs !== undefined && { checkIntervalMs: options.fileCheckMs }),
          ...(options.onFileLost !== undefined && { onLost: options.onFileLost }),
        });
  // A write goes to the file only while it is the one opened, and counts only if it still is after.
  const write = guard
    ? <A extends unknown[], R>(fn: (...args: A) => R) =>
        wrap((...args: A): R => {
          guard.assertWritable();
          const result = fn(...args);
          const lost = guard.check();
          if (lost !== undefined) throw lost;
          return result;
        })
    : wrap;
  const messageStore = new MessageStore(db, {
    ...(guard !== undefined && { verifyCommit: () => guard.check() }),
    ...(options.onCommitError !== undefined && { onCommitError: options.onCommitError }),
    ...(options.onCommit !== undefined && { onCommit: options.onCommit }),
    ...(options.commitTimeoutMs !== undefined && { commitTimeoutMs: options.commitTimeoutMs }),
  });
  const userStore = new UserStore(db);
  const groupStore = new GroupStore(db);
  const friendStore = new FriendStore(db);
  const notificationStore = new NotificationStore(db);

  const users: AsyncUserStore = {
    byId: wrap((id) => userStore.byId(id)),
    byIds: wrap((ids) => foundOnce(ids, (id) => userStore.byId(id))),
    byUsername: wrap((username) => userStore.byUsername(username)),
    byUsernames: wrap((usernames) => foundOnce(usernames, (name) => userStore.byUsername(name))),
    byDevice: wrap((deviceId) => userStore.byDevice(deviceId)),
    byCustomId: wrap((customId) => userStore.byCustomId(customId)),
    byEmail: wrap((email) => userStore.byEmail(email)),
    create: write((fields) => userStore.create(fields)),
    devices: wrap((userId) => userStore.devices(userId)),
    update: write((userId, changes) => userStore.update(userId, changes)),
    touchLastActive: write((userIds, at) => userStore.touchLastActiveMany(userIds, at)),
  };

  const tokens: AsyncTokenStore = {
    revoke: write((tid, exp) => {
      db.prepare(
        "INSERT OR REPLACE INTO revoked_tokens (tid, exp) VALUES (?, max(?, coalesce((SELECT exp FROM revoked_tokens WHERE tid = ?), 0)))",
      ).run(tid, exp, tid);
    }),
    anyRevoked: wrap(
      (checks) =>
        checks.length > 0 &&
        db
          .prepare(`SELECT 1 FROM revoked_tokens WHERE ${revokedWhere(checks.length, () => "?")} LIMIT 1`)
          .get(...revocationParams(checks)) !== undefined,
    ),
    listRevoked: wrap((now) => {
      db.prepare("DELETE FROM revoked_tokens WHERE exp <= ?").run(now);
      return db.prepare("SELECT tid, exp FROM revoked_tokens").all() as { tid: string; exp: number }[];
    }),
    sharedSecret: wrap((candidate) => {
      db.prepare("INSERT OR IGNORE INTO settings (key, value) VALUES ('token_secret', ?)").run(candidate);
      return (db.prepare("SELECT value FROM settings WHERE key = 'token_secret'").get() as { value: string })
        .value;
    }),
  };

  const messages: AsyncMessageStore = {
    async insert(message) {
      try {
        guard?.assertWritable();
        const inserted = await messageStore.insert(message);
        if (inserted === undefined && message.client_msg_id !== "") {
          const row = messageStore.byClientId(message.sender_id, message.channel_id, message.client_msg_id);
          if (row !== undefined) return { row, duplicate: true };
        }
        if (inserted === undefined) throw new HeraldError("server_error", "The message was not stored");
        // The row as stored, without reading it back (a read would commit the next batch early).
        return { row: { ...inserted.row, seq: inserted.seq }, duplicate: false, prevSeq: inserted.prevSeq };
      } catch (err) {
        throw sqliteError(err);
      }
    },
    byId: wrap((channelId, messageId) => messageStore.byId(channelId, messageId)),
    byClientId: wrap((senderId, channelId, clientMsgId) =>
      messageStore.byClientId(senderId, channelId, clientMsgId),
    ),
    updateContent: write((seq, content, at) => messageStore.updateContent(seq, content, at)),
    delete: write((seq) => messageStore.delete(seq)),
    after: wrap((channelId, seq, limit) => messageStore.after(channelId, seq, limit)),
    before: wrap((channelId, seq, limit) => messageStore.before(channelId, seq, limit)),
    existsAfter: wrap((channelId, seq) => messageStore.existsAfter(channelId, seq)),
    existsBefore: wrap((channelId, seq) => messageStore.existsBefore(channelId, seq)),
    fromTime: wrap((channelId, time, limit) => messageStore.fromTime(channelId, time, limit)),
    beforeTime: wrap((channelId, time, limit) => messageStore.beforeTime(channelId, time, limit)),
    count: wrap((channelId) => messageStore.count(channelId)),
    busiestChannels: wrap((limit) => messageStore.busiestChannels(limit)),
    prune: write((retention, now) => {
      messageStore.flush();
      return pruneHistory(db, retention, now);
    }),
  };

  const groups: AsyncGroupStore = {
    byId: wrap((id) => groupStore.byId(id)),
    byName: wrap((name) => groupStore.byName(name)),
    create: write((fields) => groupStore.create(fields)),
    update: write((id, changes) => groupStore.update(id, changes)),
    delete: write((id) => groupStore.delete(id)),
    deleteIfOnly: write((groupId, userId) => groupStore.deleteIfOnly(groupId, userId)),
    stateOf: wrap((groupId, userId) => groupStore.stateOf(groupId, userId)),
    setState: write((groupId, userIds, state) => groupStore.setState(groupId, userIds, state)),
    removeMember: write((groupId, userId) => groupStore.removeMember(groupId, userId)),
    members: wrap((groupId, state) => groupStore.members(groupId, state)),
    groupsOf: wrap((userId, state) => groupStore.groupsOf(userId, state)),
    list: wrap((prefix, afterName, limit) => groupStore.list(prefix, afterName, limit)),
    listOrdered: wrap((filters, after, limit) => groupStore.listOrdered(filters, after, limit)),
  };

  const friends: AsyncFriendStore = {
    edge: wrap((sourceId, destId) => friendStore.edge(sourceId, destId)),
    set: write((sourceId, destId, state) => friendStore.set(sourceId, destId, state)),
    remove: write((sourceId, destId) => friendStore.remove(sourceId, destId)),
    list: wrap((sourceId, state, from, limit) => friendStore.list(sourceId, state, from, limit)),
    edgeCount: wrap((userId) => friendStore.edgeCount(userId)),
  };

  const notifications: AsyncNotificationStore = {
    insert: write((row) => notificationStore.insert(row)),
    list: wrap((userId, afterSeq, limit) => notificationStore.list(userId, afterSeq, limit)),
    has: wrap((userId, senderId, code) => notificationStore.has(userId, senderId, code)),
    delete: write((userId, ids) => notificationStore.delete(userId, ids)),
  };

  return {
    users,
    tokens,
    messages,
    groups,
    friends,
    notifications,
    engine: "sqlite",
    fault: () => guard?.check(),
    close: wrap(() => {
      guard?.close();
      messageStore.flush();
      messageStore.abandon("The storage closed before the message was stored");
      if (options.closeDatabase ?? true) db.close();
    }),
  };
}

/** The rows `find` gives for `keys`, each key looked up once, those not found left out. */
function foundOnce<K, R>(keys: readonly K[], find: (key: K) => R | undefined): R[] {
  const rows: R[] = [];
  for (const key of new Set(keys)) {
    const row = find(key);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
