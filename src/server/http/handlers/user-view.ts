import type { UserInit } from "../../../gen/wire.js";
import type { ServerContext } from "../../context.js";
import { type UserRow, userToWire } from "../../storage/users.js";

/** A user as others see it now: stored fields plus live presence (online, status, last active). */
export function userView(ctx: ServerContext, row: UserRow): UserInit {
  const user = userToWire(row);
  const invisible = row.invisible === 1;
  user.online = !invisible && ctx.status.isOnline(row.id);
  user.edgeCount = ctx.friends.friendCount(row.id);
  if (row.last_active !== null) user.lastActive = new Date(row.last_active);
  if (user.online) {
    const status = ctx.status.statusOf(row.id);
    if (status !== undefined) user.status = status;
  }
  return user;
}
