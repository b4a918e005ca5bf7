import type { UserInit } from "../../gen/wire.js";
import type { SharedUserViews } from "../cluster/shared-user-views.js";
import type { AsyncFriendStore } from "../storage/async-storage.js";
import { type UserRow, userToWire } from "../storage/users.js";
import type { StatusTracker } from "./status-tracker.js";
import type { Visibility } from "./visibility.js";

/** What a user view needs. */
export interface UserViewsDeps {
  status: StatusTracker;
  visibility: Visibility;
  friends: AsyncFriendStore;
  /** Whether the user_presence extension is on (`last_active`, `status`). */
  presence: boolean;
  /** In a cluster: completes `online` and `status` from every node's presences. */
  shared?: SharedUserViews | undefined;
}

/**
 * Users as a viewer sees them now: stored fields plus live presence (online, and with the
 * user_presence extension, status and last_active). An invisible user is offline to everyone but
 * themselves, and others see their last_active as it was when they turned invisible.
 */
export class UserViews {
  constructor(private readonly deps: UserViewsDeps) {}

  /** `row` as `viewerId` sees them. */
  async view(row: UserRow, viewerId: string): Promise<UserInit> {
    const { status, visibility, friends, presence } = this.deps;
    const user = userToWire(row);
    const self = viewerId === row.id;
    const hidden = presence && !self && visibility.isInvisible(row.id);
    user.online = !hidden && status.isOnline(row.id);
    user.edgeCount = await friends.edgeCount(row.id);
    if (presence) {
      const lastActive = self ? row.last_active : row.public_last_active;
      if (lastActive !== null) user.lastActive = new Date(lastActive);
      if (user.online) {
        const text = status.statusOf(row.id);
        if (text !== undefined) user.status = text;
      }
    }
    this.deps.shared?.note(user, row.id, self, presence);
    return user;
  }
}
