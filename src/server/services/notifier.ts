import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { AsyncNotificationStore } from "../storage/async-storage.js";
import { notificationToWire } from "../storage/notifications.js";
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
    private readonly store: AsyncNotificationStore,
    private readonly peers: PeerRegistry,
    private readonly logger?: Logger,
  ) {}

  /** True while the user still holds a stored notification of this code from this sender. */
  pending(userId: string, senderId: string, code: number): Promise<boolean> {
    return this.store.has(userId, senderId, code);
  }

  /**
   * Stores the notification (when persistent), then pushes it: a user never sees one that
   * `GET /v2/notification` would not list. Resolves once pushed; a store that fails is logged and
   * the notification is not pushed.
   */
  async send(n: NewNotification): Promise<void> {
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
    if (persistent) {
      try {
        row.seq = (await this.store.insert(row)).seq;
      } catch (err) {
        this.logger?.error("notification_not_stored", { err, userId: n.userId, code: n.code });
        return;
      }
    }
    const out = new Outgoing({
      kind: "notifications",
      body: { notifications: [notificationToWire(row, persistent)] },
    });
    this.peers.sendToUser(n.userId, out);
  }
}
