import type { FriendInit } from "../../gen/wire.js";
import { FriendState, NotificationCode } from "../../gen/wire.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncFriendStore, AsyncUserStore, UserRow } from "../storage/async-storage.js";
import type { Caller } from "./caller.js";
import type { Chat } from "./chat.js";
import type { Notifier } from "./notifier.js";
import { decodeNumberCursor, encodeNumberCursor } from "./number-cursor.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import type { UserViews } from "./user-views.js";
import { NIL_UUID } from "./uuid-text.js";

/** The most friends one listing gives, and what it gives when no limit is asked, as on stock. */
const FRIEND_LIMIT_MAX = 1000;
const FRIEND_LIMIT_WORDS = "Invalid limit - limit must be between 1 and 1000.";

/** Room for a sequence number below each state in {@link edgeKey}. */
const SEQ_SPAN = 2 ** 44;

/** An edge's place in a friend listing, its state first, then its age: what a cursor holds. */
const edgeKey = (edge: { state: number; seq: number }): number => edge.state * SEQ_SPAN + edge.seq;

/** What the friend rules need. */
export interface FriendsDeps {
  friends: AsyncFriendStore;
  /** Ends the direct chat of a pair when one blocks the other. */
  chat: Chat;
  users: AsyncUserStore;
  notifier: Notifier;
  userViews: UserViews;
}

/**
 * Friend rules. Each user has their own edge to the other (friend, invite sent/received,
 * blocked); a block is one-sided and survives the other user's changes.
 */
export class Friends {
  constructor(private readonly deps: FriendsDeps) {}

  /**
   * The users a friend operation names, checked as stock checks them: ids are UUIDs, usernames are
   * not empty, and neither names the caller. Unknown users are skipped; `add` and `block` refuse a
   * request that names nobody who exists ("delete" takes it as a no-op).
   */
  private async resolve(
    caller: Caller,
    ids: readonly string[],
    usernames: readonly string[],
    verb: "add" | "block" | "delete",
  ): Promise<UserRow[]> {
    const { users } = this.deps;
    const out = new Map<string, UserRow>();
    const self =
      verb === "add"
        ? "Cannot add self as friend."
        : verb === "block"
          ? "Cannot block self."
          : "Cannot delete self.";
    if (ids.length === 0 && usernames.length === 0) return [];
    // As stock: each id in turn is checked for the caller's own, then for a UUID other than the nil
    // one; then the usernames.
    for (const id of ids) {
      if (id === caller.userId) refuse("bad_input", self);
      if (!isUuid(id) || id === NIL_UUID) refuse("bad_input", `Invalid user ID '${id}'.`);
    }
    for (const name of usernames) {
      if (name === "") refuse("bad_input", "Username must not be empty.");
      if (name === caller.username) refuse("bad_input", self);
    }
    const byId = new Map((await users.byIds(ids.map((id) => id.toLowerCase()))).map((r) => [r.id, r]));
    // In the order asked, as the users are then changed in that order.
    for (const id of ids) {
      const row = byId.get(id.toLowerCase());
      if (row !== undefined) out.set(row.id, row);
    }
    const named = new Map((await users.byUsernames(usernames)).map((r) => [r.username, r]));
    for (const name of usernames) {
      const row = named.get(name);
      if (row !== undefined) out.set(row.id, row);
    }
    if (out.has(caller.userId)) refuse("bad_input", self);
    if (verb !== "delete" && ids.length === 0 && out.size === 0)
      refuse("bad_input", "No valid ID or username was provided.");
    return [...out.values()];
  }

  async listFriends(req: RequestOf<"listFriends">, caller: Caller): Promise<ResponseOf<"listFriends">> {
    // As stock: 1,000 friends when no limit is given.
    const limit = req.limit ?? FRIEND_LIMIT_MAX;
    if (!Number.isInteger(limit) || limit < 1 || limit > FRIEND_LIMIT_MAX)
      refuse("bad_input", FRIEND_LIMIT_WORDS);
    if (req.state !== undefined && (req.state < FriendState.Friend || req.state > FriendState.Blocked))
      refuse("bad_input", StockWords.invalidFriendState);
    const listing = `friends/${caller.userId}/${req.state ?? ""}`;
    const from = req.cursor ? decodeNumberCursor(listing, req.cursor, StockWords.invalidCursor) : 0;
    // As stock: by state (friends, invites sent, invites received, blocked), then by when the edge
    // was made: accepting an invite or blocking keeps an edge's place. One more than the page is
    // read, to know whether another follows.
    const edges = await this.deps.friends.list(
      caller.userId,
      req.state,
      { state: Math.floor(from / SEQ_SPAN), seq: from % SEQ_SPAN },
      limit + 1,
    );
    const page = edges.slice(0, limit);
    const users = new Map((await this.deps.users.byIds(page.map((e) => e.dest_id))).map((r) => [r.id, r]));
    const result: FriendInit[] = [];
    for (const edge of page) {
      const row = users.get(edge.dest_id);
      if (row !== undefined)
        result.push({
          user: await this.deps.userViews.view(row, caller.userId),
          state: edge.state,
          updateTime: new Date(edge.update_time),
        });
    }
    // As stock, the cursor names the first edge of the next page.
    const next = edges[limit];
    return { friends: result, cursor: next !== undefined ? encodeNumberCursor(listing, edgeKey(next)) : "" };
  }

  async addFriends(req: RequestOf<"addFriends">, caller: Caller): Promise<ResponseOf<"addFriends">> {
    for (const other of await this.resolve(caller, req.ids, req.usernames, "add")) {
      const theirs = await this.deps.friends.edge(other.id, caller.userId);
      if (theirs?.state === FriendState.Blocked) continue;
      const mine = await this.deps.friends.edge(caller.userId, other.id);
      if (mine?.state === FriendState.Friend || mine?.state === FriendState.InviteSent) continue;
      // As stock: adding a user one has blocked changes nothing and tells them nothing; the
      // block is lifted by deleting the friend first.
      if (mine?.state === FriendState.Blocked) continue;
      if (mine?.state === FriendState.InviteReceived) {
        await this.deps.friends.set(caller.userId, other.id, FriendState.Friend);
        await this.deps.friends.set(other.id, caller.userId, FriendState.Friend);
        await this.deps.notifier.send({
          userId: other.id,
          subject: `${caller.username} accepted your friend request`,
          content: JSON.stringify({ username: caller.username }),
          code: NotificationCode.FriendAccept,
          senderId: caller.userId,
        });
      } else {
        await this.deps.friends.set(caller.userId, other.id, FriendState.InviteSent);
        await this.deps.friends.set(other.id, caller.userId, FriendState.InviteReceived);
        await this.deps.notifier.send({
          userId: other.id,
          subject: `${caller.username} wants to add you as a friend`,
          content: JSON.stringify({ username: caller.username }),
          code: NotificationCode.FriendRequest,
          senderId: caller.userId,
        });
      }
    }
    return {};
  }

  async blockFriends(req: RequestOf<"blockFriends">, caller: Caller): Promise<ResponseOf<"blockFriends">> {
    for (const other of await this.resolve(caller, req.ids, req.usernames, "block")) {
      await this.deps.friends.set(caller.userId, other.id, FriendState.Blocked);
      // Stock checks blocks only at join; herald ends a direct chat under way at once.
      this.deps.chat.endDirectChat(caller.userId, other.id);
      if ((await this.deps.friends.edge(other.id, caller.userId))?.state !== FriendState.Blocked)
        await this.deps.friends.remove(other.id, caller.userId);
    }
    return {};
  }

  async deleteFriends(req: RequestOf<"deleteFriends">, caller: Caller): Promise<ResponseOf<"deleteFriends">> {
    for (const other of await this.resolve(caller, req.ids, req.usernames, "delete")) {
      await this.deps.friends.remove(caller.userId, other.id);
      if ((await this.deps.friends.edge(other.id, caller.userId))?.state !== FriendState.Blocked)
        await this.deps.friends.remove(other.id, caller.userId);
    }
    return {};
  }
}
