import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import type { Session } from "../session.js";
import { hasExtension, USER_PRESENCE } from "./extension.js";
import type { WatchedUsers } from "./watched-users.js";

// Ids per user lookup: keeps URLs under length limits, whatever the number of users watched.
// (Follows need no such split here: the socket splits them to fit the server's frame limit.)
const LOOKUP_CHUNK = 100;

/** What a presence store reads of its users over REST, and when. */
export interface UserLookupOptions {
  client: Client;
  session: Session;
  /** Off: users are known from their presences only. */
  enabled: boolean;
  /** Read users gone offline again (batched), for their new `lastActive`. */
  refreshOnLeave: boolean;
  /** True once the store is closed: nothing more is read. */
  closed(): boolean;
  /** Where a lookup nobody waits for reports its failure. */
  fail(error: unknown): void;
}

/**
 * The lookup side of a presence store: reads watched users with `client.getUsers` in chunks
 * (usernames, `lastActive`, the reported status) and, after users go offline, once more per batch.
 */
export class UserLookup {
  readonly #users: WatchedUsers;
  readonly #options: UserLookupOptions;
  /** Users gone offline whose `lastActive` is to be read again on the next turn. */
  readonly #left = new Set<string>();

  constructor(users: WatchedUsers, options: UserLookupOptions) {
    this.#users = users;
    this.#options = options;
  }

  /** Reads `ids` (in chunks, in parallel) into the watched users' entries. */
  async read(ids: readonly string[], options: CallOptions | undefined): Promise<void> {
    const { enabled, client, session } = this.#options;
    if (!enabled) return;
    const reads: Promise<void>[] = [];
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + LOOKUP_CHUNK);
      reads.push(
        client
          .getUsers(session, { ...options, ids: chunk })
          .then(({ users }) => this.#users.applyUsers(users)),
      );
    }
    await Promise.all(reads);
  }

  /**
   * A watched user went offline. One lookup per batch of users gone offline in the same turn, so
   * a crowd leaving at once (a server restart) costs a few requests rather than one each.
   */
  left(userId: string): void {
    if (!this.#options.enabled || !this.#options.refreshOnLeave) return;
    this.#left.add(userId);
    if (this.#left.size > 1) return;
    setTimeout(() => {
      const ids = [...this.#left].filter((id) => this.#users.entries.has(id));
      this.#left.clear();
      if (this.#options.closed() || ids.length === 0) return;
      hasExtension(this.#options.client, USER_PRESENCE)
        .then((has) => (has ? this.read(ids, undefined) : undefined))
        .catch((error: unknown) => this.#options.fail(error));
    }, 0);
  }
}
