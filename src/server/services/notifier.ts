import { randomUUID } from "node:crypto";
import { type NotificationStore, notificationToWire } from "../storage/notifications.js";
import { Outgoing } from "./outgoing.js";
import type { PeerRegistry } from "./peer-registry.js";

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

/** Stores notifications and pushes them to the user's connected peers. */
export class Notifier {
  constructor(
    private readonly store: NotificationStore,
    private readonly peers: PeerRegistry,
  ) {}

  /** True while the user still holds a stored notification of this code from this sender. */
  pending(userId: string, senderId: string, code: number): boolean {
    return this.store.has(userId, senderId, code);
  }

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
    this.peers.sendToUser(n.userId, out);
  }
}
