import type { UserInit } from "../../../gen/wire.js";
import type { ServerContext } from "../../context.js";
import { type UserRow, userToWire } from "../../storage/users.js";

/**
 * A user as `viewerId` sees them now: stored fields plus live presence (online, and with the
 * user_presence extension, status and last_active). An invisible user is offline to everyone but
 * themselves, and others see their last_active as it was when they turned invisible.
 */
export function userView(ctx: ServerContext, row: UserRow, viewerId: string): UserInit {
  const user = userToWire(row);
  const presence = ctx.extensions.has("user_presence");
  const self = viewerId === row.id;
  const hidden = presence && !self && ctx.visibility.isInvisible(row.id);
  user.online = !hidden && ctx.status.isOnline(row.id);
  user.edgeCount = ctx.friends.friendCount(row.id);
  if (presence) {
    const lastActive = self ? row.last_active : row.public_last_active;
    if (lastActive !== null) user.lastActive = new Date(lastActive);
    if (user.online) {
      const status = ctx.status.statusOf(row.id);
      if (status !== undefined) user.status = status;
    }
  }
  return user;
}
