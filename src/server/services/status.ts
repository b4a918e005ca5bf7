import type { UserPresenceInit } from "../../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../protocol/limits.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore } from "../storage/async-storage.js";
import type { Peer } from "./peer.js";
import type { StatusTracker } from "./status-tracker.js";

/** Status rules: what a status may be, and whom a peer may follow. */
export class Status {
  constructor(
    private readonly tracker: StatusTracker,
    private readonly users: AsyncUserStore,
  ) {}

  /** Sets a peer's status; none (or "") appears offline. */
  update(peer: Peer, text: string | undefined): void {
    if (text !== undefined && text.length > MAX_STATUS_LENGTH) {
      refuse("bad_input", `Status must be at most ${MAX_STATUS_LENGTH} characters`);
    }
    this.tracker.setStatus(peer, text === undefined || text === "" ? undefined : text);
  }

  /**
   * Follows users by id and by username; resolves with their visible presences now (in a cluster,
   * every node's presences).
   */
  async follow(
    peer: Peer,
    userIds: readonly string[],
    usernames: readonly string[],
  ): Promise<UserPresenceInit[]> {
    const ids: string[] = [];
    for (const id of userIds) {
      if (!isUuid(id)) refuse("bad_input", StockWords.invalidUserId);
      ids.push(id.toLowerCase());
    }
    if (usernames.length > 0) {
      const found = await Promise.all(usernames.map((name) => this.users.byUsername(name)));
      for (const user of found) if (user !== undefined) ids.push(user.id);
      // A socket that closed while the names were looked up follows nobody.
      if (peer.closed === true) refuse("disconnected", "The socket closed before the follow completed");
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
