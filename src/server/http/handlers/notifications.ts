import type { ServerContext } from "../../context.js";
import { refuse } from "../../refusal.js";
import { notificationToWire } from "../../storage/notifications.js";
import type { Handlers } from "../router.js";

/** Notification routes. The cacheable cursor is the sequence of the last notification listed. */
export function notificationHandlers(ctx: ServerContext): Handlers {
  return {
    listNotifications: (req, caller) => {
      const limit = req.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        refuse("Invalid limit - limit must be between 1 and 100.");
      let after = 0;
      if (req.cacheableCursor) {
        const n = Number(Buffer.from(req.cacheableCursor, "base64url").toString("utf8"));
        if (!Number.isSafeInteger(n) || n < 0) refuse("Malformed cursor was used.");
        after = n;
      }
      const rows = ctx.notifications.list(caller.userId, after, limit);
      const last = rows[rows.length - 1];
      return {
        notifications: rows.map((r) => notificationToWire(r)),
        cacheableCursor: Buffer.from(String(last?.seq ?? after)).toString("base64url"),
      };
    },
    deleteNotifications: (req, caller) => {
      ctx.notifications.delete(caller.userId, req.ids);
      return {};
    },
  };
}
