import type { FriendInit } from "../../../gen/wire.js";
import { FriendState, NotificationCode } from "../../../gen/wire.js";
import type { Caller, ServerContext } from "../../context.js";
import { isUuid, refuse } from "../../refusal.js";
import type { UserRow } from "../../storage/users.js";
import type { Handlers } from "../router.js";
import { userView } from "./user-view.js";

/**
 * Friend routes. Each user has their own edge to the other (friend, invite sent/received,
 * blocked); a block is one-sided and survives the other user's changes.
 */
export function friendHandlers(ctx: ServerContext): Handlers {
  const { friends, users } = ctx;

  const resolve = (caller: Caller, ids: readonly string[], usernames: readonly string[]): UserRow[] => {
    const out = new Map<string, UserRow>();
    for (const id of ids) {
      if (!isUuid(id)) refuse(`Invalid user ID '${id}'.`);
      const row = users.byId(id.toLowerCase());
      if (row !== undefined) out.set(row.id, row);
    }
    for (const name of usernames) {
      const row = users.byUsername(name);
      if (row !== undefined) out.set(row.id, row);
    }
    if (out.has(caller.userId)) refuse("Cannot add, block or delete yourself.");
    return [...out.values()];
  };

  return {
    listFriends: (req, caller) => {
      const limit = req.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        refuse("Invalid limit - limit must be between 1 and 1000.");
      let before = Number.MAX_SAFE_INTEGER;
      if (req.cursor) {
        before = Number(Buffer.from(req.cursor, "base64url").toString("utf8"));
        if (!Number.isSafeInteger(before)) refuse("Malformed cursor was used.");
      }
      const rows = friends.list(caller.userId, req.state, before, limit + 1);
      const page = rows.slice(0, limit);
      const result: FriendInit[] = [];
      for (const edge of page) {
        const row = users.byId(edge.dest_id);
        if (row !== undefined)
          result.push({
            user: userView(ctx, row, caller.userId),
            state: edge.state,
            updateTime: new Date(edge.update_time),
          });
      }
      const last = page[page.length - 1];
      return {
        friends: result,
        cursor:
          rows.length > limit && last !== undefined
            ? Buffer.from(String(last.seq)).toString("base64url")
            : "",
      };
    },
    addFriends: (req, caller) => {
      for (const other of resolve(caller, req.ids, req.usernames)) {
        const theirs = friends.edge(other.id, caller.userId);
        if (theirs?.state === FriendState.Blocked) continue;
        const mine = friends.edge(caller.userId, other.id);
        if (mine?.state === FriendState.Friend || mine?.state === FriendState.InviteSent) continue;
        if (mine?.state === FriendState.InviteReceived) {
          friends.set(caller.userId, other.id, FriendState.Friend);
          friends.set(other.id, caller.userId, FriendState.Friend);
          ctx.notifier.send({
            userId: other.id,
            subject: `${caller.username} accepted your friend request`,
            content: JSON.stringify({ username: caller.username }),
            code: NotificationCode.FriendAccept,
            senderId: caller.userId,
          });
        } else {
          friends.set(caller.userId, other.id, FriendState.InviteSent);
          friends.set(other.id, caller.userId, FriendState.InviteReceived);
          ctx.notifier.send({
            userId: other.id,
            subject: `${caller.username} wants to add you as a friend`,
            content: JSON.stringify({ username: caller.username }),
            code: NotificationCode.FriendRequest,
            senderId: caller.userId,
          });
        }
      }
      return {};
    },
    blockFriends: (req, caller) => {
      for (const other of resolve(caller, req.ids, req.usernames)) {
        friends.set(caller.userId, other.id, FriendState.Blocked);
        if (friends.edge(other.id, caller.userId)?.state !== FriendState.Blocked)
          friends.remove(other.id, caller.userId);
      }
      return {};
    },
    deleteFriends: (req, caller) => {
      for (const other of resolve(caller, req.ids, req.usernames)) {
        friends.remove(caller.userId, other.id);
        if (friends.edge(other.id, caller.userId)?.state !== FriendState.Blocked)
          friends.remove(other.id, caller.userId);
      }
      return {};
    },
  };
}
