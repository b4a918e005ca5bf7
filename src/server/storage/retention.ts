import type { RetentionOptions } from "../options.js";
import type { Db } from "./database.js";
import { RemovedTimes } from "./removed-times.js";

export type { RetentionOptions };

/** Rows deleted per statement, so one pass never holds the write lock for long. */
const BATCH = 1000;

/**
 * Deletes channel messages past the retention limits, in batches, then the channels' floors that
 * can no longer matter. Returns how many messages were deleted. `now` is in milliseconds, the unit
 * `create_time` is stored in.
 */
export function pruneHistory(db: Db, options: RetentionOptions, now: number): number {
  let deleted = 0;
  const floors = new RemovedTimes(db);
  if (options.maxAgeSec !== undefined) {
    const byAge = db.prepare<[number, number], { channel_id: string; create_time: number }>(
      `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE create_time < ? LIMIT ?)
       RETURNING channel_id, create_time`,
    );
    // A channel's newest message may go by age: its time stays as the channel's floor, as a
    // removed message's does (a reader may hold it as the last it has). Same transaction, so a
    // batch of inserts sees either the message or its floor.
    const batch = db.transaction((cutoff: number): number => {
      const removed = byAge.all(cutoff, BATCH);
      const newest = new Map<string, number>();
      for (const r of removed)
        newest.set(r.channel_id, Math.max(newest.get(r.channel_id) ?? 0, r.create_time));
      for (const [channel, time] of newest) floors.record(channel, time);
      return removed.length;
    });
    const cutoff = now - options.maxAgeSec * 1000;
    for (let n = BATCH; n === BATCH; deleted += n) n = batch(cutoff);
  }
  if (options.maxPerChannel !== undefined) {
    const keep = options.maxPerChannel;
    const crowded = db
      .prepare<[number], string>("SELECT channel_id FROM messages GROUP BY channel_id HAVING COUNT(*) > ?")
      .pluck()
      .all(keep);
    // The oldest kept message's seq bounds what goes; the (channel_id, seq) index serves both.
    // At least one message is kept (the server refuses a limit below 1), the newest, which bounds
    // later ones by itself: no floor to record.
    const byCount = db.prepare(
      `DELETE FROM messages WHERE channel_id = ? AND seq < (
         SELECT seq FROM messages WHERE channel_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    );
    for (const channel of crowded) deleted += byCount.run(channel, channel, keep - 1).changes;
  }
  floors.sweep(BATCH);
  return deleted;
}
