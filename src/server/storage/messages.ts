import type { ChannelMessageInit } from "../../gen/wire.js";
import type { Db } from "./database.js";

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
 * Stored channel messages. Inserts are written behind: queued and committed together in one
 * transaction at the end of the event-loop turn (one commit per turn instead of per message).
 * The commit is scheduled before any frame of the turn leaves the process, so a message is on
 * disk before its ack or push is sent; every read commits pending inserts first.
 */
export class MessageStore {
  private pending: NewMessage[] = [];
  private scheduled = false;
  private readonly commitPending;
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly byClientIdStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly afterStmt;
  private readonly beforeStmt;
  private readonly fromTimeStmt;
  private readonly beforeTimeStmt;
  private readonly existsAfterStmt;
  private readonly existsBeforeStmt;

  constructor(
    db: Db,
    private readonly onCommitError: (err: unknown) => void = (err) => {
      throw err;
    },
  ) {
    this.commitPending = db.transaction((rows: NewMessage[]) => {
      for (const row of rows) this.insertStmt.run(row);
    });
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
    this.byClientIdStmt = db.prepare<[string, string], MessageRow>(
      "SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?",
    );
    this.updateStmt = db.prepare("UPDATE messages SET content = ?, update_time = ? WHERE seq = ?");
    this.deleteStmt = db.prepare("DELETE FROM messages WHERE seq = ?");
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
  }

  /** Queues a message for the end-of-turn commit. Sequence numbers follow the queue's order. */
  insert(message: NewMessage): void {
    this.pending.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Commits queued inserts now. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.commitPending(rows);
    } catch (err) {
      // Runs from the event loop: an exception here would end the process.
      this.onCommitError(err);
    }
  };

  byId(channelId: string, messageId: string): MessageRow | undefined {
    this.flush();
    return this.byIdStmt.get(messageId, channelId);
  }

  byClientId(senderId: string, clientMsgId: string): MessageRow | undefined {
    this.flush();
    return this.byClientIdStmt.get(senderId, clientMsgId);
  }

  updateContent(seq: number, content: string, at: number): void {
    this.flush();
    this.updateStmt.run(content, at, seq);
  }

  delete(seq: number): void {
    this.flush();
    this.deleteStmt.run(seq);
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
