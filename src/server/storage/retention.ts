import type { RetentionOptions } from "../options.js";
import type { Db } from "./database.js";

export type { RetentionOptions };

/** Rows deleted per statement, so one pass never holds the write lock for long. */
const BATCH = 1000;

/**
 * Deletes channel messages past the retention limits, in batches. Returns how many were deleted.
 * `now` is in milliseconds, the unit `create_time` is stored in.
 */
export function pruneHistory(db: Db, options: RetentionOptions, now: number): number {
  let deleted = 0;
  if (options.maxAgeSec !== undefined) {
    const byAge = db.prepare(
      "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE create_time < ? LIMIT ?)",
    );
    const cutoff = now - options.maxAgeSec * 1000;
    for (let n = BATCH; n === BATCH; deleted += n) n = byAge.run(cutoff, BATCH).changes;
  }
  if (options.maxPerChannel !== undefined) {
    const keep = options.maxPerChannel;
    const crowded = db
      .prepare<[number], string>("SELECT channel_id FROM messages GROUP BY channel_id HAVING COUNT(*) > ?")
      .pluck()
      .all(keep);
    // The oldest kept message's seq bounds what goes; the (channel_id, seq) index serves both.
    const byCount = db.prepare(
      `DELETE FROM messages WHERE channel_id = ? AND seq < (
         SELECT seq FROM messages WHERE channel_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
    for (const channel of crowded) deleted += byCount.run(channel, channel, keep - 1).changes;
  }
  return deleted;
}
