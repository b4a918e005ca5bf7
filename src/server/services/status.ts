import type { UserPresenceInit } from "../../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../protocol/limits.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncUserStore } from "../storage/async-storage.js";
import { utf8Length } from "./field-limits.js";
import type { Peer } from "./peer.js";
import type { StatusTracker } from "./status-tracker.js";
import { canonicalUuid, isNilUuid } from "./uuid-text.js";

/** A status update checked against the cluster's recent invisible flags (see {@link Status.stageUpdate}). */
export interface StagedStatus {
  /** Resolves (never rejects) once the flag is read. */
  readonly ready: Promise<void>;
  /** Once `ready`: applies the update, or throws the refusal (Redis away, the socket closed). */
  finish(): void;
}

// Stock Nakama's words for a status over its limit, and for an empty username in a follow.
const STATUS_TOO_LONG = `Status must be ${MAX_STATUS_LENGTH} characters or less`;
const INVALID_USERNAME = "Invalid username";

/**
 * The status a text sets, as stock Nakama reads it: none (undefined) appears offline, any string
 * (even "") appears online with it. Refuses one over the limit, which stock counts in UTF-8 bytes.
 */
function statusOf(text: string | undefined): string | undefined {
  if (text !== undefined && utf8Length(text) > MAX_STATUS_LENGTH) {
    refuse("bad_input", STATUS_TOO_LONG);
  }
  return text;
}

/**
 * Status rules: what a status may be, and whom a peer may follow.
 *
 * In a cluster, a user's invisible flag set through another node reaches this node by a Redis
 * message, and until it arrives this node's flag is stale: a status update or a follow here could
 * show a user who has just turned invisible. So where it decides what others see, a flag change
 * the cluster recorded in the last minute (in Redis, before the change was published) overrides
 * this node's flag: one Redis round trip per shared status update or follow. Waiting for every node
 * to apply a change instead would need acknowledgements that pub/sub does not give, and would stall
 * the change on a slow or dying node; reading the flag from the database would cost a database
 * round trip per status update.
 */
export class Status {
  constructor(
    private readonly tracker: StatusTracker,
    private readonly users: AsyncUserStore,
  ) {}

  /** True in a cluster, where status updates wait on a flag read (see {@link stageUpdate}). */
  get shared(): boolean {
    return this.tracker.shared;
  }

  /**
   * Sets a peer's status; none appears offline, "" appears online without a status. On a single server it applies at once
   * (undefined); in a cluster it resolves once applied (see the class comment).
   */
  update(peer: Peer, text: string | undefined): undefined | Promise<void> {
    if (!this.tracker.shared) {
      this.tracker.setStatus(peer, statusOf(text));
      return undefined;
    }
    const staged = this.stageUpdate(peer, text);
    return staged.ready.then(() => staged.finish());
  }

  /**
   * A status update in a cluster, in two steps: the flag read starts now, and {@link
   * StagedStatus.finish} applies the update once it is `ready`. A socket's updates can so be
   * staged one after the other, their reads sharing one round trip, and applied in order: a
   * socket sending many updates waits one round trip for all of them, not one each. Throws the
   * refusal of a status that is too long.
   */
  stageUpdate(peer: Peer, text: string | undefined): StagedStatus {
    const status = statusOf(text);
    let invisible: boolean | undefined;
    let failure: unknown;
    const ready = this.tracker.invisibleNow([peer.userId]).then(
      (set) => {
        invisible = set.has(peer.userId);
      },
      (err: unknown) => {
        failure = err;
      },
    );
    return {
      ready,
      finish: () => {
        if (invisible === undefined) throw failure;
        // Closed meanwhile: its presences are gone, and must not come back.
        if (peer.closed === true)
          refuse("disconnected", "The socket closed before the status update completed");
        this.tracker.setStatus(peer, status, invisible);
      },
    };
  }

  /**
   * Follows users by id and by username; resolves with their visible presences now (in a cluster,
   * every node's presences). Checked as stock Nakama checks: every id must be a UUID (any
   * spelling), then no username may be empty; the caller's own id or name is skipped, as is the
   * nil UUID (no user has it), and a user named twice is followed once.
   */
  async follow(
    peer: Peer,
    userIds: readonly string[],
    usernames: readonly string[],
  ): Promise<UserPresenceInit[]> {
    const ids = new Set<string>();
    for (const text of userIds) {
      const id = canonicalUuid(text);
      if (id === undefined) return refuse("bad_input", StockWords.invalidUserId);
      if (id !== peer.userId && !isNilUuid(id)) ids.add(id);
    }
    const names = new Set<string>();
    for (const name of usernames) {
      if (name === "") return refuse("bad_input", INVALID_USERNAME);
      if (name !== peer.username) names.add(name);
    }
    if (names.size > 0) {
      for (const user of await this.users.byUsernames([...names]))
        if (user.id !== peer.userId) ids.add(user.id);
      // A socket that closed while the names were looked up follows nobody.
      if (peer.closed === true) refuse("disconnected", "The socket closed before the follow completed");
    }
    const list = [...ids];
    return this.tracker.shared ? this.tracker.followShared(peer, list) : this.tracker.follow(peer, list);
  }

  /**
   * Stops following users. As on stock, every id must be a UUID (any spelling); the caller's own
   * id, and users not followed, are skipped.
   */
  unfollow(peer: Peer, userIds: readonly string[]): void {
    const ids: string[] = [];
    for (const text of userIds) {
      const id = canonicalUuid(text);
      if (id === undefined) refuse("bad_input", StockWords.invalidUserId);
      if (id !== peer.userId) ids.push(id);
    }
    this.tracker.unfollow(peer, ids);
  }
}
