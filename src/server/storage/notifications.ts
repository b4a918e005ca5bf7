import type { NotificationInit } from "../../gen/wire.js";
import type { Db } from "./database.js";

/** A notifications row. */
export interface NotificationRow {
  seq: number;
  id: string;
  user_id: string;
  subject: string;
  content: string;
  code: number;
  sender_id: string;
  create_time: number;
}

/** Stored (persistent) notifications. */
export class NotificationStore {
  constructor(private readonly db: Db) {}

  insert(row: Omit<NotificationRow, "seq">): NotificationRow {
    const info = this.db
      .prepare(
        `INSERT INTO notifications (id, user_id, subject, content, code, sender_id, create_time)
         VALUES (@id, @user_id, @subject, @content, @code, @sender_id, @create_time)`,
      )
      .run(row);
    return { ...row, seq: Number(info.lastInsertRowid) };
  }

  /** A user's notifications after `afterSeq`, oldest first. */
  list(userId: string, afterSeq: number, limit: number): NotificationRow[] {
    return this.db
      .prepare<[string, number, number], NotificationRow>(
        "SELECT * FROM notifications WHERE user_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?",
      )
      .all(userId, afterSeq, limit);
  }

  /** True while `userId` holds a stored notification of `code` from `senderId`. */
  has(userId: string, senderId: string, code: number): boolean {
    return (
      this.db
        .prepare<[string, string, number], number>(
          "SELECT 1 FROM notifications WHERE user_id = ? AND sender_id = ? AND code = ? LIMIT 1",
        )
        .pluck()
        .get(userId, senderId, code) !== undefined
    );
  }

  delete(userId: string, ids: readonly string[]): void {
    const stmt = this.db.prepare("DELETE FROM notifications WHERE user_id = ? AND id = ?");
    this.db.transaction(() => {
      for (const id of ids) stmt.run(userId, id);
    })();
  }
}

/** A notifications row as the wire's Notification message. */
export function notificationToWire(row: NotificationRow, persistent = true): NotificationInit {
  return {
    id: row.id,
    subject: row.subject,
    content: row.content,
    code: row.code,
    senderId: row.sender_id,
    createTime: new Date(row.create_time),
    persistent,
  };
}
