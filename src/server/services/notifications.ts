import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncNotificationStore } from "../storage/async-storage.js";
import { notificationToWire } from "../storage/notifications.js";
import type { Caller } from "./caller.js";
import { decodeNumberCursor, encodeNumberCursor, legacyNumberCursor } from "./number-cursor.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import { canonicalUuid } from "./uuid-text.js";

/**
 * Stock's words when a delete names something that is not a notification id: its database refuses
 * the whole statement, so nothing is deleted and the call fails as an internal error.
 */
const DELETE_FAILED = "Error while deleting notifications.";

/**
 * Listing and deleting a user's notifications (the Notifier sends them). The cacheable cursor is
 * the sequence of the last notification listed.
 */
export class Notifications {
  constructor(private readonly store: AsyncNotificationStore) {}

  async listNotifications(
    req: RequestOf<"listNotifications">,
    caller: Caller,
  ): Promise<ResponseOf<"listNotifications">> {
    // Stock lists one notification when no limit is given (the SDK always sends one).
    const limit = req.limit ?? 1;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) refuse("bad_input", StockWords.invalidLimit);
    const listing = `notifications/${caller.userId}`;
    let after = 0;
    if (req.cacheableCursor) {
      after = legacyNumberCursor(req.cacheableCursor) ?? decodeNumberCursor(listing, req.cacheableCursor);
    }
    const rows = await this.store.list(caller.userId, after, limit);
    const last = rows[rows.length - 1];
    return {
      notifications: rows.map((r) => notificationToWire(r)),
      cacheableCursor: encodeNumberCursor(listing, last?.seq ?? after),
    };
  }

  async deleteNotifications(
    req: RequestOf<"deleteNotifications">,
    caller: Caller,
  ): Promise<ResponseOf<"deleteNotifications">> {
    // As stock: ids are read as UUIDs in any form, and one that is not a UUID fails the whole
    // delete, so nothing is deleted. Stock answers it as an internal error; herald's meaning, bad
    // input, travels beside it.
    const ids = req.ids.map(
      (text) => canonicalUuid(text) ?? refuse("bad_input", DELETE_FAILED, { wire: "server_error" }),
    );
    await this.store.delete(caller.userId, ids);
    return {};
  }
}
