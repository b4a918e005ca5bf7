import type { Pool } from "pg";
import type { AsyncNotificationStore, NotificationRow } from "../async-storage.js";
import { query } from "./connection.js";

/** Stored notifications on PostgreSQL. */
export class PostgresNotificationStore implements AsyncNotificationStore {
  constructor(private readonly pool: Pool) {}

  async insert(row: Omit<NotificationRow, "seq">): Promise<NotificationRow> {
    const rows = await query<{ seq: number }>(
      this.pool,
      `INSERT INTO notifications (id, user_id, subject, content, code, sender_id, create_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
      [row.id, row.user_id, row.subject, row.content, row.code, row.sender_id, row.create_time],
    );
    return { ...row, seq: rows[0]?.seq ?? 0 };
  }

  list(userId: string, afterSeq: number, limit: number): Promise<NotificationRow[]> {
    return query<NotificationRow>(
      this.pool,
      "SELECT * FROM notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3",
      [userId, afterSeq, limit],
    );
  }

  async has(userId: string, senderId: string, code: number): Promise<boolean> {
    const rows = await query(
      this.pool,
      "SELECT 1 FROM notifications WHERE user_id = $1 AND sender_id = $2 AND code = $3 LIMIT 1",
      [userId, senderId, code],
    );
    return rows.length > 0;
  }

  async delete(userId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await query(this.pool, "DELETE FROM notifications WHERE user_id = $1 AND id = ANY($2::text[])", [
      userId,
      [...ids],
    ]);
  }
}
