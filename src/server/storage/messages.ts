import { HeraldError } from "../../errors.js";
import type { ChannelMessageInit } from "../../gen/wire.js";
import type { Db } from "./database.js";
import { RemovedTimes } from "./removed-times.js";
import { isSqliteBusy, sqliteFault } from "./sqlite-fault.js";

/** A messages row. `seq` orders a channel's messages: it only grows, even within one millisecond. */
export interface MessageRow {
  seq: number;
  id: string;
  channel_id: string;
  code: number;
  sender_id: string;
  username: string;
  content: string;
  create_time: number;
  update_time: number;
  client_msg_id: string;
  room_name: string;
  group_id: string;
  user_id_one: string;
  user_id_two: string;
}

export type NewMessage = Omit<MessageRow, "seq">;

/**
 * A channel's number of stored messages, and the seq of the newest (0 if none), read together.
 * A channel's messages commit in seq order, so a read holds exactly the inserts up to `newest`
 * (less those removed before it): whoever sees a message's seq can tell whether it was counted.
 */
export interface StoredCount {
  count: number;
  newest: number;
}

/**
 * Finds a sender's message by client message id in one channel. The literal
 * `client_msg_id <> ''` lets SQLite use the partial index on those columns; with only the bound
 * parameter it cannot prove the index applies and scans the whole table.
 */
export const BY_CLIENT_ID_SQL =
  "SELECT * FROM messages WHERE sender_id = ? AND channel_id = ? AND client_msg_id = ? AND client_msg_id <> ''";

/** Options of {@link MessageStore}. */
export interface MessageStoreOptions {
  /**
   * How long a batch of inserts keeps retrying while another connection holds the write lock,
   * before its inserts reject with `disconnected` (retryable). The retries wait on timers, never on
   * the event loop.
   * @default 5000
   */
  commitTimeoutMs?: number;
  /**
   * Called when a batch fails to commit (its inserts reject too), for logs.
   * @default does nothing
   */
  onCommitError?: (err: unknown) => void;
  /**
   * Called after each batch commits, with how long it took (from its first attempt, so time spent
   * waiting for a held write lock counts) and how many inserts it held, for metrics.
   * @default does nothing
   */
  onCommit?: (durationMs: number, batchSize: number) => void;
  /**
   * Asked after each batch commits whether what was written is durable; an error it returns
   * rejects every insert of the batch instead of acknowledging them (a database file deleted
   * while open takes writes that a restart loses).
   * @default every commit is durable
   */
  verifyCommit?: () => Error | undefined;
}

/**
 * Where a committed insert landed: its `seq`, the seq of the channel's message before it, and the
 * row as written.
 */
export interface InsertedSeq {
  seq: number;
  /**
   * The message as stored (without its seq): the one given, or a copy with its times raised to the
   * channel's newest message's when that is later (a clock stepped back), so that times never
   * decrease along a channel's history.
   */
  row: NewMessage;
  /**
   * The seq of the channel's newest message when this one was committed (0 if none), read under
   * the write lock: a reader holding `prevSeq` as its last seen message misses nothing by taking
   * this one next.
   */
  prevSeq: number;
}

interface PendingInsert {
  row: NewMessage;
  resolve: (inserted: InsertedSeq | undefined) => void;
  reject: (err: unknown) => void;
}

/** First wait before retrying a batch that met a held write lock; it doubles up to the cap. */
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 100;

/**
 * Stored channel messages. Inserts are written behind: queued and committed together in one
 * transaction at the end of the event-loop turn (one commit per turn instead of per message).
 * `insert` resolves once its batch has committed, so a caller acknowledges (and pushes) a message
 * only after it is on disk; a batch that cannot commit rejects every insert in it. When another
 * connection holds the write lock, the batch is retried on timers rather than waited for on the
 * only thread, so other users keep being answered meanwhile. Every read commits pending inserts
 * first (when it can).
 */
export class MessageStore {
  private pending: PendingInsert[] = [];
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_FIRST_MS;
  private busySince = 0;
  private readonly commitTimeoutMs: number;
  private readonly onCommitError: (err: unknown) => void;
  private readonly onCommit: ((durationMs: number, batchSize: number) => void) | undefined;
  private readonly verifyCommit: (() => Error | undefined) | undefined;
  /** When the batch now committing was first tried (`performance.now()`); 0 between batches. */
  private firstAttemptAt = 0;
  private readonly commitPending;
  private readonly insertStmt;
  private readonly newestStmt;
  private readonly byIdStmt;
  private readonly byClientIdStmt;
  private readonly updateStmt;
  private readonly deleteTx;
  private readonly afterStmt;
  private readonly beforeStmt;
  private readonly fromTimeStmt;
  private readonly beforeTimeStmt;
  private readonly existsAfterStmt;
  private readonly existsBeforeStmt;
  private readonly countStmt;
  private readonly busiestStmt;

  constructor(db: Db, options: MessageStoreOptions = {}) {
    this.commitTimeoutMs = options.commitTimeoutMs ?? 5000;
    this.onCommitError = options.onCommitError ?? (() => {});
    this.onCommit = options.onCommit;
    this.verifyCommit = options.verifyCommit;
    this.commitPending = db.transaction((batch: PendingInsert[]) => {
      // Each channel's newest message is read once per batch, under the write lock the batch
      // holds (so no other process commits in between); the batch's own rows of a channel then
      // chain. A row is stored no older than the message before it: history is read by seq, and
      // a reader going back stops at the first message older than the last it has (see
      // AsyncMessageStore).
      const newest = new Map<string, { seq: number; time: number }>();
      return batch.map((p): InsertedSeq | undefined => {
        const channelId = p.row.channel_id;
        let prev = newest.get(channelId);
        if (prev === undefined) {
          const read = this.newestStmt.get({ channel: channelId });
          prev = { seq: read?.seq ?? 0, time: read?.time ?? 0 };
        }
        const createTime = Math.max(p.row.create_time, prev.time);
        const row =
          createTime === p.row.create_time
            ? p.row
            : { ...p.row, create_time: createTime, update_time: Math.max(p.row.update_time, createTime) };
        const result = this.insertStmt.run(row);
        if (result.changes === 0) {
          newest.set(channelId, prev);
          return undefined;
        }
        const seq = Number(result.lastInsertRowid);
        newest.set(channelId, { seq, time: createTime });
        return { seq, prevSeq: prev.seq, row };
      });
    });
    // The newest message's seq, and the time no new message goes below: the newest message's, or
    // a removed one's if later (a reader may hold that one as the last it has).
    this.newestStmt = db.prepare<[{ channel: string }], { seq: number | null; time: number }>(
      `SELECT newest.seq AS seq,
         MAX(COALESCE(newest.create_time, 0),
           COALESCE((SELECT create_time FROM removed_times WHERE channel_id = @channel), 0)) AS time
       FROM (SELECT 1) LEFT JOIN (
         SELECT seq, create_time FROM messages WHERE channel_id = @channel ORDER BY seq DESC LIMIT 1
       ) AS newest`,
    );
    this.insertStmt = db.prepare(
      // OR IGNORE: a duplicate client message id must not fail the whole batch it is committed in.
      `INSERT OR IGNORE INTO messages (id, channel_id, code, sender_id, username, content, create_time, update_time,
         client_msg_id, room_name, group_id, user_id_one, user_id_two)
       VALUES (@id, @channel_id, @code, @sender_id, @username, @content, @create_time, @update_time,
         @client_msg_id, @room_name, @group_id, @user_id_one, @user_id_two)`,
    );
    this.byIdStmt = db.prepare<[string, string], MessageRow>(
      "SELECT * FROM messages WHERE id = ? AND channel_id = ?",
    );
    this.byClientIdStmt = db.prepare<[string, string, string], MessageRow>(BY_CLIENT_ID_SQL);
    this.updateStmt = db.prepare("UPDATE messages SET content = ?, update_time = ? WHERE seq = ?");
    const deleteStmt = db.prepare<[number], { channel_id: string; create_time: number }>(
      "DELETE FROM messages WHERE seq = ? RETURNING channel_id, create_time",
    );
    const floors = new RemovedTimes(db);
    // A removed message's time stays as the channel's floor (see newestStmt) while no message
    // at or after it remains.
    this.deleteTx = db.transaction((seq: number) => {
      const removed = deleteStmt.get(seq);
      if (removed !== undefined) floors.record(removed.channel_id, removed.create_time);
    });
    this.afterStmt = db.prepare<[string, number, number], MessageRow>(
      "SELECT * FROM messages WHERE channel_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?",
    );
    this.beforeStmt = db.prepare<[string, number, number], MessageRow>(
      "SELECT * FROM messages WHERE channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    );
    this.fromTimeStmt = db.prepare<[string, number, number], MessageRow>(
      "SELECT * FROM messages WHERE channel_id = ? AND create_time >= ? ORDER BY seq ASC LIMIT ?",
    );
    this.beforeTimeStmt = db.prepare<[string, number, number], MessageRow>(
      "SELECT * FROM messages WHERE channel_id = ? AND create_time < ? ORDER BY seq DESC LIMIT ?",
    );
    this.existsAfterStmt = db
      .prepare<[string, number], number>("SELECT 1 FROM messages WHERE channel_id = ? AND seq > ? LIMIT 1")
      .pluck();
    this.existsBeforeStmt = db
      .prepare<[string, number], number>("SELECT 1 FROM messages WHERE channel_id = ? AND seq < ? LIMIT 1")
      .pluck();
    this.countStmt = db.prepare<[string], StoredCount>(
      "SELECT COUNT(*) AS count, COALESCE(MAX(seq), 0) AS newest FROM messages WHERE channel_id = ?",
    );
    this.busiestStmt = db.prepare<[number], { channelId: string } & StoredCount>(
      "SELECT channel_id AS channelId, COUNT(*) AS count, MAX(seq) AS newest FROM messages GROUP BY channel_id ORDER BY MAX(seq) DESC LIMIT ?",
    );
  }

  /**
   * Queues a message for the end-of-turn commit. Sequence numbers follow the queue's order.
   * Resolves with the message's `seq` (and the channel's seq before it) once committed, or `undefined` when the sender's client
   * message id was already stored in this channel (nothing new was written); rejects with
   * `disconnected` when the batch could not commit (the caller may retry), `server_error` otherwise.
   */
  insert(message: NewMessage): Promise<InsertedSeq | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row: message, resolve, reject });
      if (!this.scheduled && this.retryTimer === undefined) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits queued inserts now (unless a retry is waiting for a held lock). */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0 || this.retryTimer !== undefined) return;
    this.commit();
  };

  /** Rejects every queued insert and stops retrying (for a server that closes). */
  abandon(reason: string): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.firstAttemptAt = 0;
    const batch = this.pending;
    this.pending = [];
    const err = new HeraldError("disconnected", reason);
    for (const p of batch) p.reject(err);
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    let seqs: (InsertedSeq | undefined)[];
    if (this.firstAttemptAt === 0) this.firstAttemptAt = performance.now();
    try {
      seqs = this.commitPending(batch);
    } catch (err) {
      if (isSqliteBusy(err)) {
        const now = Date.now();
        if (this.busySince === 0) this.busySince = now;
        if (now - this.busySince < this.commitTimeoutMs) {
          // Keep the batch first in line, ahead of what arrived meanwhile, and try again later.
          this.pending = batch.concat(this.pending);
          this.retryTimer = setTimeout(this.retry, this.retryDelay);
          this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
          return;
        }
      }
      this.busySince = 0;
      this.firstAttemptAt = 0;
      this.retryDelay = RETRY_FIRST_MS;
      this.onCommitError(err);
      const failure =
        sqliteFault(err, "Message not stored") ?? HeraldError.from(err, "server_error", "Message not stored");
      for (const p of batch) p.reject(failure);
      return;
    }
    this.busySince = 0;
    this.retryDelay = RETRY_FIRST_MS;
    const notDurable = this.verifyCommit?.();
    if (notDurable !== undefined) {
      this.firstAttemptAt = 0;
      this.onCommitError(notDurable);
      for (const p of batch) p.reject(notDurable);
      return;
    }
    this.onCommit?.(performance.now() - this.firstAttemptAt, batch.length);
    this.firstAttemptAt = 0;
    for (let i = 0; i < batch.length; i++) batch[i]?.resolve(seqs[i]);
  }

  private readonly retry = (): void => {
    this.retryTimer = undefined;
    if (this.pending.length > 0) this.commit();
  };

  byId(channelId: string, messageId: string): MessageRow | undefined {
    this.flush();
    return this.byIdStmt.get(messageId, channelId);
  }

  /**
   * A sender's committed message with this client message id in this channel. It does not commit
   * the pending batch first (that would cut every batch to one message, as each send with an id
   * asks): a pending insert with the same id is caught by the insert itself (`OR IGNORE`), whose
   * caller reads the original back after the commit.
   */
  byClientId(senderId: string, channelId: string, clientMsgId: string): MessageRow | undefined {
    return this.byClientIdStmt.get(senderId, channelId, clientMsgId);
  }

  updateContent(seq: number, content: string, at: number): void {
    this.flush();
    this.updateStmt.run(content, at, seq);
  }

  delete(seq: number): void {
    this.flush();
    this.deleteTx(seq);
  }

  /** Up to `limit` messages after `seq`, oldest first. */
  after(channelId: string, seq: number, limit: number): MessageRow[] {
    this.flush();
    return this.afterStmt.all(channelId, seq, limit);
  }

  /** Up to `limit` messages before `seq`, newest first. */
  before(channelId: string, seq: number, limit: number): MessageRow[] {
    this.flush();
    return this.beforeStmt.all(channelId, seq, limit);
  }

  /** Up to `limit` messages created at or after `time` (ms), oldest first. */
  fromTime(channelId: string, time: number, limit: number): MessageRow[] {
    this.flush();
    return this.fromTimeStmt.all(channelId, time, limit);
  }

  /** Up to `limit` messages created before `time` (ms), newest first. */
  beforeTime(channelId: string, time: number, limit: number): MessageRow[] {
    this.flush();
    return this.beforeTimeStmt.all(channelId, time, limit);
  }

  existsAfter(channelId: string, seq: number): boolean {
    this.flush();
    return this.existsAfterStmt.get(channelId, seq) !== undefined;
  }

  existsBefore(channelId: string, seq: number): boolean {
    this.flush();
    return this.existsBeforeStmt.get(channelId, seq) !== undefined;
  }

  /** Number of stored messages of a channel, with the newest one's seq. */
  count(channelId: string): StoredCount {
    this.flush();
    return this.countStmt.get(channelId) ?? { count: 0, newest: 0 };
  }

  /** Up to `limit` channels with their message counts, the most recently written first. */
  busiestChannels(limit: number): ({ channelId: string } & StoredCount)[] {
    this.flush();
    return this.busiestStmt.all(limit);
  }
}

/** A stored message as the wire's ChannelMessage (history lists edits with code 0, as Nakama does). */
export function messageToWire(row: MessageRow): ChannelMessageInit {
  return {
    channelId: row.channel_id,
    messageId: row.id,
    code: row.code,
    senderId: row.sender_id,
    username: row.username,
    content: row.content,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
    persistent: true,
    roomName: row.room_name,
    groupId: row.group_id,
    userIdOne: row.user_id_one,
    userIdTwo: row.user_id_two,
    clientMsgId: row.client_msg_id,
  };
}
