import type { Pool, PoolClient } from "pg";
import { HeraldError } from "../../../errors.js";
import type {
  AsyncMessageStore,
  InsertedMessage,
  MessageRow,
  NewMessage,
  RetentionOptions,
} from "../async-storage.js";
import type { StoredCount } from "../messages.js";
import { query, transaction } from "./connection.js";

/** Options of {@link PostgresMessageStore}. */
export interface PostgresMessageStoreOptions {
  /**
   * Called after each batch commits, with how long it took (from taking a pooled connection to
   * COMMIT, waits for channel locks and retries included) and how many inserts it held, for metrics.
   * @default does nothing
   */
  onCommit?: (durationMs: number, batchSize: number) => void;
  /**
   * Called when a batch fails to commit (its inserts reject too), for logs and metrics.
   * @default does nothing
   */
  onCommitError?: (err: unknown) => void;
}

interface Pending {
  message: NewMessage;
  resolve(result: InsertedMessage): void;
  reject(err: unknown): void;
}

/** Rows deleted per retention statement, so one pass never holds many row locks for long. */
const PRUNE_BATCH = 1000;

// Namespace of the per-channel advisory locks (the other key is the channel id's hash).
const CHANNEL_LOCK_SPACE = 0x6d73_6773; // "msgs"

const columns = [
  ["id", "text"],
  ["channel_id", "text"],
  ["code", "integer"],
  ["sender_id", "text"],
  ["username", "text"],
  ["content", "text"],
  ["create_time", "bigint"],
  ["update_time", "bigint"],
  ["client_msg_id", "text"],
  ["room_name", "text"],
  ["group_id", "text"],
  ["user_id_one", "text"],
  ["user_id_two", "text"],
] as const satisfies readonly (readonly [keyof NewMessage, string])[];

const names = columns.map(([name]) => name).join(", ");
const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
// A row is stored no older than the message before it in its channel (the newest stored, or an
// earlier row of the batch): two nodes' clocks may disagree, and history is read by seq.
const NOT_OLDER =
  "GREATEST(t.create_time, prev.time, max(t.create_time) OVER (PARTITION BY t.channel_id ORDER BY t.ord))";
// A repeated client message id (already stored, or earlier in the same batch) is left out before
// the times are chained: a send that stores nothing must not raise the times of the rows after it.
const FRESH = `SELECT * FROM (
    SELECT u.*, row_number() OVER (
      PARTITION BY u.sender_id, u.channel_id, u.client_msg_id ORDER BY u.ord) AS nth
    FROM unnest(${arrays}) WITH ORDINALITY AS u(${names}, ord)
  ) AS numbered
  WHERE client_msg_id = '' OR (nth = 1 AND NOT EXISTS (
    SELECT 1 FROM messages m WHERE m.sender_id = numbered.sender_id AND m.channel_id = numbered.channel_id
      AND m.client_msg_id = numbered.client_msg_id AND m.client_msg_id <> ''))`;
const selected = columns
  .map(([name]) =>
    name === "create_time"
      ? `${NOT_OLDER} AS create_time`
      : name === "update_time"
        ? `GREATEST(t.update_time, ${NOT_OLDER}) AS update_time`
        : `t.${name}`,
  )
  .join(", ");
// One statement inserts the whole batch; ORDER BY ordinality gives the rows their seq in call order.
// A repeated client message id is skipped (FRESH; ON CONFLICT still guards the unique indexes).
// Each inserted row also comes back with the seq of its channel's newest message before the batch
// (`before_seq`): the CTE reads with the statement's snapshot, taken once the batch holds its
// channels' locks, and never sees the rows this statement inserts. One round trip, as before.
const INSERT_BATCH = `WITH prev AS (
    SELECT c AS channel_id, newest.seq,
      GREATEST(newest.create_time, (SELECT create_time FROM removed_times r WHERE r.channel_id = c)) AS time
    FROM (SELECT DISTINCT c FROM unnest($2::text[]) AS c) AS channels
    LEFT JOIN LATERAL (
      SELECT seq, create_time FROM messages WHERE channel_id = c ORDER BY seq DESC LIMIT 1
    ) AS newest ON true
  ), ins AS (
    INSERT INTO messages (${names})
    SELECT ${selected} FROM (${FRESH}) AS t
      JOIN prev ON prev.channel_id = t.channel_id
    ORDER BY t.ord
    ON CONFLICT DO NOTHING RETURNING *
  )
  SELECT ins.*, prev.seq AS before_seq FROM ins JOIN prev USING (channel_id)`;
// Channels are locked in one global order, so two nodes' batches never deadlock.
const LOCK_CHANNELS = `SELECT count(pg_advisory_xact_lock(${CHANNEL_LOCK_SPACE}, k)) FROM
  (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY 1) AS keys`;

// Deletes the floors (removed_times rows) of the channels `$1` that are at or below their channel's
// newest message, which then bounds later messages by itself. That message is locked (FOR SHARE)
// until the transaction ends: its removal, by a user or by retention on any node, waits and then
// records its own floor, and one committed meanwhile leaves the channel out (the locking read then
// finds no row). Without the lock, a floor raised by such a removal after this statement's
// snapshot would be deleted on the strength of the message it replaced.
const DROP_COVERED = `WITH covered AS (
    SELECT r.channel_id, newest.create_time FROM removed_times r
    CROSS JOIN LATERAL (
      SELECT m.create_time FROM messages m WHERE m.channel_id = r.channel_id
      ORDER BY m.seq DESC LIMIT 1 FOR SHARE
    ) AS newest
    WHERE r.channel_id = ANY($1::text[]) AND newest.create_time >= r.create_time
  )
  DELETE FROM removed_times r USING covered
  WHERE r.channel_id = covered.channel_id AND r.create_time <= covered.create_time`;
// The floors of group channels (`3.GROUP_ID..`) whose group is gone: nobody can join or read such
// a channel again, and a new group never gets an old id.
const DROP_GONE_GROUPS = `DELETE FROM removed_times r WHERE r.channel_id LIKE '3.%..' AND NOT EXISTS (
    SELECT 1 FROM groups g WHERE g.id = substr(r.channel_id, 3, length(r.channel_id) - 4))`;
// Deletes a batch of messages older than the cutoff. A channel whose newest message goes keeps its
// time as the floor, as for a removed message (a reader may hold it as the last it has); one
// statement, so a batch of inserts sees either the message or its floor. (The subquery reads the
// snapshot from before the deletion.)
const PRUNE_BY_AGE = `WITH pruned AS (
    DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE create_time < $1 LIMIT $2)
    RETURNING channel_id, create_time
  ), floors AS (
    INSERT INTO removed_times (channel_id, create_time)
    SELECT channel_id, max(create_time) FROM pruned GROUP BY channel_id
    HAVING (SELECT m.create_time FROM messages m WHERE m.channel_id = pruned.channel_id
      ORDER BY m.seq DESC LIMIT 1) < $1
    ON CONFLICT (channel_id) DO UPDATE
      SET create_time = GREATEST(removed_times.create_time, excluded.create_time)
  )
  SELECT count(*)::int8 AS n FROM pruned`;

/**
 * Stored channel messages on PostgreSQL. Inserts are queued and committed together, one transaction
 * per event-loop turn; each insert resolves once its transaction has committed, so a send is
 * acknowledged only when it is durable. While one batch commits, the next one gathers: at most one
 * batch per process is in flight, which keeps a node's messages in the order they were sent.
 *
 * Cursors need more than a growing seq in a cluster: two nodes could take seqs 10 and 11 and commit
 * 11 first, and a reader who saw 11 would never see 10. A batch therefore holds a transaction lock
 * on each of its channels from before it takes seqs until it commits, so within a channel, commit
 * order is seq order and `after(seq)` never skips a message. Under the same locks each batch reads
 * its channels' newest seq, so every insert also tells the seq before it in its channel (`prevSeq`).
 */
export class PostgresMessageStore implements AsyncMessageStore {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresMessageStoreOptions = {},
  ) {}

  insert(message: NewMessage): Promise<InsertedMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.scheduled && this.inFlight === undefined) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    });
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.inFlight !== undefined || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = undefined;
      // Inserts queued during the commit have waited a turn already: commit them at once.
      if (this.queue.length > 0) this.run();
    });
  };

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await transaction(this.pool, (sql) => this.write(sql, batch));
      this.options.onCommit?.(performance.now() - started, batch.length);
      for (const [i, p] of batch.entries()) {
        const result = results[i];
        if (result === undefined) {
          p.reject(
            new HeraldError("server_error", `message ${p.message.id} was not stored (its id is taken)`),
          );
        } else {
          p.resolve(result);
        }
      }
    } catch (err) {
      // Nothing of the batch was committed (or, if the connection dropped during COMMIT, it may
      // have been): the senders get an error, and a retry with the same client message id is safe.
      this.options.onCommitError?.(err);
      for (const p of batch) p.reject(err);
    }
  }

  private async write(sql: PoolClient, batch: Pending[]): Promise<(InsertedMessage | undefined)[]> {
    const values = columns.map(([name]) => batch.map((p) => p.message[name]));
    await sql.query(LOCK_CHANNELS, [values[1]]);
    const inserted = new Map<string, MessageRow>();
    const { rows: insertedRows } = await sql.query<MessageRow & { before_seq: number | null }>(
      INSERT_BATCH,
      values,
    );
    // RETURNING promises no order: the batch's rows of a channel chain in seq order.
    const newest = new Map<string, number>();
    const prevSeqs = new Map<string, number>();
    for (const { before_seq, ...row } of insertedRows.sort((a, b) => a.seq - b.seq)) {
      inserted.set(row.id, row);
      prevSeqs.set(row.id, newest.get(row.channel_id) ?? before_seq ?? 0);
      newest.set(row.channel_id, row.seq);
    }
    const skipped = batch.filter((p) => !inserted.has(p.message.id) && p.message.client_msg_id !== "");
    const originals = new Map<string, MessageRow>();
    if (skipped.length > 0) {
      const { rows } = await sql.query<MessageRow>(
        `SELECT m.* FROM messages m
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(sender_id, channel_id, client_msg_id)
           ON m.sender_id = k.sender_id AND m.channel_id = k.channel_id AND m.client_msg_id = k.client_msg_id
           AND m.client_msg_id <> ''`,
        [
          skipped.map((p) => p.message.sender_id),
          skipped.map((p) => p.message.channel_id),
          skipped.map((p) => p.message.client_msg_id),
        ],
      );
      for (const row of rows) originals.set(`${row.sender_id}\n${row.channel_id}\n${row.client_msg_id}`, row);
    }
    return batch.map((p) => {
      const row = inserted.get(p.message.id);
      if (row !== undefined) return { row, duplicate: false, prevSeq: prevSeqs.get(row.id) ?? 0 };
      const original = originals.get(
        `${p.message.sender_id}\n${p.message.channel_id}\n${p.message.client_msg_id}`,
      );
      return original === undefined ? undefined : { row: original, duplicate: true };
    });
  }

  /** Waits until every insert queued so far has committed (or failed): reads see the writes before them. */
  async settled(): Promise<void> {
    while (this.inFlight !== undefined || this.queue.length > 0) {
      if (this.inFlight === undefined) this.run();
      await this.inFlight?.catch(() => {});
    }
  }

  private async rows(text: string, values: unknown[]): Promise<MessageRow[]> {
    await this.settled();
    return query<MessageRow>(this.pool, text, values);
  }

  async byId(channelId: string, messageId: string): Promise<MessageRow | undefined> {
    return (
      await this.rows("SELECT * FROM messages WHERE id = $1 AND channel_id = $2", [messageId, channelId])
    )[0];
  }

  /**
   * A sender's committed message with this client message id in this channel. It does not wait for
   * the inserts in flight (a sender's sends would then each wait for the one before): a pending
   * insert with the same id is caught by the insert itself (`ON CONFLICT`), which resolves with the
   * original.
   */
  async byClientId(
    senderId: string,
    channelId: string,
    clientMsgId: string,
  ): Promise<MessageRow | undefined> {
    const rows = await query<MessageRow>(
      this.pool,
      "SELECT * FROM messages WHERE sender_id = $1 AND channel_id = $2 AND client_msg_id = $3 AND client_msg_id <> ''",
      [senderId, channelId, clientMsgId],
    );
    return rows[0];
  }

  async updateContent(seq: number, content: string, at: number): Promise<void> {
    await this.settled();
    await query(this.pool, "UPDATE messages SET content = $1, update_time = $2 WHERE seq = $3", [
      content,
      at,
      seq,
    ]);
  }

  /**
   * Removes a message. Its time stays as its channel's floor (a reader may hold it as the last
   * message it has): a later message is stored no older. Done under the channel's lock, so that a
   * batch of another node either stores before it (no older than this message) or sees the floor.
   */
  async delete(seq: number): Promise<void> {
    await this.settled();
    const [row] = await query<{ channel_id: string }>(
      this.pool,
      "SELECT channel_id FROM messages WHERE seq = $1",
      [seq],
    );
    if (row === undefined) return;
    await transaction(this.pool, async (sql) => {
      await sql.query(LOCK_CHANNELS, [[row.channel_id]]);
      await sql.query(
        `WITH removed AS (DELETE FROM messages WHERE seq = $1 RETURNING channel_id, create_time)
         INSERT INTO removed_times (channel_id, create_time) SELECT channel_id, create_time FROM removed
         ON CONFLICT (channel_id) DO UPDATE
           SET create_time = GREATEST(removed_times.create_time, excluded.create_time)`,
        [seq],
      );
      // Kept only while no message at or after it remains (removing an older message needs none).
      await sql.query(DROP_COVERED, [[row.channel_id]]);
    });
  }

  after(channelId: string, seq: number, limit: number): Promise<MessageRow[]> {
    return this.rows("SELECT * FROM messages WHERE channel_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3", [
      channelId,
      seq,
      limit,
    ]);
  }

  before(channelId: string, seq: number, limit: number): Promise<MessageRow[]> {
    return this.rows("SELECT * FROM messages WHERE channel_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3", [
      channelId,
      seq,
      limit,
    ]);
  }

  async existsAfter(channelId: string, seq: number): Promise<boolean> {
    const rows = await this.rows("SELECT seq FROM messages WHERE channel_id = $1 AND seq > $2 LIMIT 1", [
      channelId,
      seq,
    ]);
    return rows.length > 0;
  }

  async existsBefore(channelId: string, seq: number): Promise<boolean> {
    const rows = await this.rows("SELECT seq FROM messages WHERE channel_id = $1 AND seq < $2 LIMIT 1", [
      channelId,
      seq,
    ]);
    return rows.length > 0;
  }

  fromTime(channelId: string, time: number, limit: number): Promise<MessageRow[]> {
    return this.rows(
      "SELECT * FROM messages WHERE channel_id = $1 AND create_time >= $2 ORDER BY seq ASC LIMIT $3",
      [channelId, time, limit],
    );
  }

  beforeTime(channelId: string, time: number, limit: number): Promise<MessageRow[]> {
    return this.rows(
      "SELECT * FROM messages WHERE channel_id = $1 AND create_time < $2 ORDER BY seq DESC LIMIT $3",
      [channelId, time, limit],
    );
  }

  // One statement, so one snapshot for the count and the newest seq. A channel's inserts take its
  // advisory lock until they commit, so they become visible in seq order: the snapshot holds a
  // prefix of the channel's seqs (see StoredCount).
  async count(channelId: string): Promise<StoredCount> {
    await this.settled();
    const rows = await query<StoredCount>(
      this.pool,
      "SELECT COUNT(*)::int8 AS count, COALESCE(MAX(seq), 0)::int8 AS newest FROM messages WHERE channel_id = $1",
      [channelId],
    );
    return rows[0] ?? { count: 0, newest: 0 };
  }

  async busiestChannels(limit: number): Promise<({ channelId: string } & StoredCount)[]> {
    await this.settled();
    return query<{ channelId: string } & StoredCount>(
      this.pool,
      `SELECT channel_id AS "channelId", COUNT(*)::int8 AS count, MAX(seq)::int8 AS newest FROM messages
       GROUP BY channel_id ORDER BY MAX(seq) DESC LIMIT $1`,
      [limit],
    );
  }

  async prune(retention: RetentionOptions, now: number): Promise<number> {
    let deleted = 0;
    if (retention.maxAgeSec !== undefined) {
      const cutoff = now - retention.maxAgeSec * 1000;
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH; deleted += n) {
        const [row] = await query<{ n: number }>(this.pool, PRUNE_BY_AGE, [cutoff, PRUNE_BATCH]);
        n = row?.n ?? 0;
      }
    }
    if (retention.maxPerChannel !== undefined) {
      const crowded = await query<{ channel_id: string }>(
        this.pool,
        "SELECT channel_id FROM messages GROUP BY channel_id HAVING COUNT(*) > $1",
        [retention.maxPerChannel],
      );
      for (const { channel_id } of crowded) {
        // The oldest kept message's seq bounds what goes; the (channel_id, seq) index serves both.
        // The newest message is always kept (the server refuses a limit below 1): no floor.
        const rows = await query(
          this.pool,
          `DELETE FROM messages WHERE channel_id = $1 AND seq < (
             SELECT seq FROM messages WHERE channel_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)
           RETURNING seq`,
          [channel_id, retention.maxPerChannel - 1],
        );
        deleted += rows.length;
      }
    }
    // The floors that can no longer matter, a batch of channels at a time (in channel id order).
    for (let after = "", n = PRUNE_BATCH; n === PRUNE_BATCH; ) {
      const channels = (
        await query<{ channel_id: string }>(
          this.pool,
          "SELECT channel_id FROM removed_times WHERE channel_id > $1 ORDER BY channel_id LIMIT $2",
          [after, PRUNE_BATCH],
        )
      ).map((r) => r.channel_id);
      n = channels.length;
      if (n > 0) await transaction(this.pool, (sql) => sql.query(DROP_COVERED, [channels]));
      after = channels[n - 1] ?? after;
    }
    await query(this.pool, DROP_GONE_GROUPS);
    return deleted;
  }
}
