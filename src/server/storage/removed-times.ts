import type { Db } from "./database.js";

/**
 * Each channel's floor on SQLite: the newest creation time of a message removed from it (by a
 * user or by retention), below which no later message of the channel is stored (see
 * MessageStore). A floor is kept only while it says more than the channel's newest message does:
 * once that message is at or after it, the message bounds later ones by itself, and the row goes.
 * Every call runs inside the caller's transaction, after the removal it records.
 */
export class RemovedTimes {
  private readonly raiseStmt;
  private readonly dropIfCoveredStmt;
  private readonly sweepBoundsStmt;
  private readonly sweepBatchStmt;

  constructor(db: Db) {
    this.raiseStmt = db.prepare<[{ channel: string; time: number }]>(
      `INSERT INTO removed_times (channel_id, create_time) VALUES (@channel, @time)
       ON CONFLICT (channel_id) DO UPDATE SET create_time = MAX(create_time, excluded.create_time)`,
    );
    // A channel with no message left keeps its floor (the subquery is NULL).
    this.dropIfCoveredStmt = db.prepare<[{ channel: string }]>(
      `DELETE FROM removed_times WHERE channel_id = @channel AND create_time <= (
         SELECT create_time FROM messages WHERE channel_id = @channel ORDER BY seq DESC LIMIT 1)`,
    );
    // Of the channels after @after (at most @limit, in channel id order): the covered floors, and
    // those of group channels (`3.GROUP_ID..`) whose group is gone: nobody can join or read such a
    // channel again, and a new group never gets an old id.
    this.sweepBoundsStmt = db.prepare<[{ after: string; limit: number }], { last: string | null; n: number }>(
      `WITH batch AS (
         SELECT channel_id FROM removed_times WHERE channel_id > @after ORDER BY channel_id LIMIT @limit)
       SELECT MAX(channel_id) AS last, COUNT(*) AS n FROM batch`,
    );
    this.sweepBatchStmt = db.prepare<[{ after: string; last: string }]>(
      `DELETE FROM removed_times WHERE channel_id > @after AND channel_id <= @last AND (
         create_time <= (
           SELECT m.create_time FROM messages m WHERE m.channel_id = removed_times.channel_id
           ORDER BY m.seq DESC LIMIT 1)
         OR (channel_id LIKE '3.%..' AND NOT EXISTS (
           SELECT 1 FROM groups g
           WHERE g.id = substr(removed_times.channel_id, 3, length(removed_times.channel_id) - 4))))`,
    );
  }

  /** Records that a message created at `time` left `channel` (call after removing it). */
  record(channel: string, time: number): void {
    this.raiseStmt.run({ channel, time });
    this.dropIfCoveredStmt.run({ channel });
  }

  /**
   * Deletes every floor that can no longer matter, `batch` channels per statement so the write
   * lock is never held for long (call outside a transaction); returns how many.
   */
  sweep(batch: number): number {
    let deleted = 0;
    for (let after = ""; ; ) {
      const { last, n } = this.sweepBoundsStmt.get({ after, limit: batch }) ?? { last: null, n: 0 };
      if (last === null) return deleted;
      deleted += this.sweepBatchStmt.run({ after, last }).changes;
      if (n < batch) return deleted;
      after = last;
    }
  }
}
