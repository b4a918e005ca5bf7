import { randomUUID } from "node:crypto";
import { Outgoing } from "./realtime/outgoing.js";
import type { SessionRegistry } from "./realtime/session-registry.js";
import { type NotificationStore, notificationToWire } from "./storage/notifications.js";

/** A notification to send to one user. */
export interface NewNotification {
  userId: string;
  subject: string;
  /** A JSON object, as text. */
  content: string;
  code: number;
  senderId: string;
  /** Stored for `GET /v2/notification` as well as pushed. @default true */
  persistent?: boolean;
}

/** Stores notifications and pushes them to the user's connected sessions. */
export class Notifier {
  constructor(
    private readonly store: NotificationStore,
    private readonly sessions: SessionRegistry,
  ) {}

  send(n: NewNotification): void {
    const persistent = n.persistent ?? true;
    const row = {
      seq: 0,
      id: randomUUID(),
      user_id: n.userId,
      subject: n.subject,
      content: n.content,
      code: n.code,
      sender_id: n.senderId,
      create_time: Date.now(),
    };
    if (persistent) this.store.insert(row);
    const out = new Outgoing({
      kind: "notifications",
      body: { notifications: [notificationToWire(row, persistent)] },
    });
    this.sessions.sendToUser(n.userId, out);
  }
}
