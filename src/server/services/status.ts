import type { UserPresenceInit } from "../../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../protocol/limits.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { UserStore } from "../storage/users.js";
import type { Peer } from "./peer.js";
import type { StatusTracker } from "./status-tracker.js";

/** Status rules: what a status may be, and whom a peer may follow. */
export class Status {
  constructor(
    private readonly tracker: StatusTracker,
    private readonly users: UserStore,
  ) {}

  /** Sets a peer's status; none (or "") appears offline. */
  update(peer: Peer, text: string | undefined): void {
    if (text !== undefined && text.length > MAX_STATUS_LENGTH) {
      refuse("bad_input", `Status must be at most ${MAX_STATUS_LENGTH} characters`);
    }
    this.tracker.setStatus(peer, text === undefined || text === "" ? undefined : text);
  }

  /**
   * Follows users by id and by username; returns their visible presences now (a promise of them in
   * a cluster, where every node's presences are read).
   */
  follow(
    peer: Peer,
    userIds: readonly string[],
    usernames: readonly string[],
  ): UserPresenceInit[] | Promise<UserPresenceInit[]> {
    const ids: string[] = [];
    for (const id of userIds) {
      if (!isUuid(id)) refuse("bad_input", StockWords.invalidUserId);
      ids.push(id.toLowerCase());
    }
    for (const name of usernames) {
      const user = this.users.byUsername(name);
      if (user !== undefined) ids.push(user.id);
    }
    return this.tracker.shared ? this.tracker.followShared(peer, ids) : this.tracker.follow(peer, ids);
  }

  unfollow(peer: Peer, userIds: readonly string[]): void {
    this.tracker.unfollow(
      peer,
      userIds.map((id) => id.toLowerCase()),
    );
  }
}
