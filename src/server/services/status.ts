import { HeraldError } from "../../errors.js";
import type { UserPresenceInit } from "../../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../protocol/limits.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore } from "../storage/async-storage.js";
import type { Peer } from "./peer.js";
import type { StatusTracker } from "./status-tracker.js";

/** A shared status update waiting for the stored invisible flag. */
interface QueuedUpdate {
  status: string | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Status rules: what a status may be, and whom a peer may follow.
 *
 * In a cluster, a user's invisible flag set through another node reaches this node by a Redis
 * message, and until it arrives this node's cached flag is stale: a status update or a follow
 * here could show a user who has just turned invisible. So here the stored flag is read where it
 * decides what others see (one storage read per update or follow, beside its Redis round trips),
 * and the user is hidden if either the stored or the cached flag says so. Waiting for every node
 * to apply a flag change instead would need acknowledgements over pub/sub (which has none) and
 * would stall the change on a slow or dying node. Hiding on either flag errs on the private side:
 * a flag on its way to "visible" shows the user a moment later, when its message arrives and the
 * holding node announces the joins.
 */
export class Status {
  /** Per peer, its shared status updates waiting on the stored flag: they apply in order. */
  private readonly pending = new WeakMap<Peer, QueuedUpdate[]>();

  constructor(
    private readonly tracker: StatusTracker,
    private readonly users: AsyncUserStore,
  ) {}

  /**
   * Sets a peer's status; none (or "") appears offline. On a single server it applies at once
   * (undefined); in a cluster it resolves once applied, after reading the stored invisible flag.
   */
  update(peer: Peer, text: string | undefined): undefined | Promise<void> {
    if (text !== undefined && text.length > MAX_STATUS_LENGTH) {
      refuse("bad_input", `Status must be at most ${MAX_STATUS_LENGTH} characters`);
    }
    const status = text === undefined || text === "" ? undefined : text;
    if (!this.tracker.shared) {
      this.tracker.setStatus(peer, status);
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      const queue = this.pending.get(peer);
      const update = { status, resolve, reject };
      if (queue !== undefined) queue.push(update);
      else void this.applyQueued(peer, [update]);
    });
  }

  /**
   * Applies a peer's shared status updates in order. One stored-flag read serves every update that
   * arrived before it started (a back-to-back burst costs a read per round trip, not per update),
   * and none is applied on a read older than its own arrival.
   */
  private async applyQueued(peer: Peer, queue: QueuedUpdate[]): Promise<void> {
    this.pending.set(peer, queue);
    while (queue.length > 0) {
      const batch = queue.splice(0);
      let invisible = false;
      try {
        invisible = (await this.users.byId(peer.userId))?.invisible === 1;
      } catch (err) {
        for (const u of batch) u.reject(err);
        continue;
      }
      for (const u of batch) {
        // Closed meanwhile: its presences are gone, and must not come back.
        if (peer.closed === true) {
          u.reject(new HeraldError("disconnected", "The socket closed before the status update completed"));
          continue;
        }
        try {
          this.tracker.setStatus(peer, u.status, invisible || this.tracker.isInvisibleHere(peer.userId));
          u.resolve();
        } catch (err) {
          u.reject(err);
        }
      }
    }
    this.pending.delete(peer);
  }

  /** Which of `userIds` are invisible in storage. */
  private async storedInvisible(userIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.users.byIds(userIds);
    return new Set(rows.filter((r) => r.invisible === 1).map((r) => r.id));
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
    return this.tracker.shared
      ? this.tracker.followShared(peer, ids, (others) => this.storedInvisible(others))
      : this.tracker.follow(peer, ids);
  }

  unfollow(peer: Peer, userIds: readonly string[]): void {
    this.tracker.unfollow(
      peer,
      userIds.map((id) => id.toLowerCase()),
    );
  }
}
