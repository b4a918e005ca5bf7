import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import type { EventIteratorOptions, Unsubscribe } from "../events.js";
import type { Session } from "../session.js";
import { canonicalUuid } from "../socket/ids.js";
import type { ReconnectedEvent } from "../socket/socket-types.js";
import type { PresenceChange, PresenceStoreEvents, UserEntry, UserPresenceState } from "./presence-state.js";
import type { PresenceSocket, PresenceStoreOptions } from "./presence-store-options.js";
import { UserLookup } from "./user-lookup.js";
import { userIdsOf, WatchedUsers } from "./watched-users.js";

export type { PresenceSocket, PresenceStoreOptions } from "./presence-store-options.js";

/**
 * A live map of users' presence, kept over a socket's status follows: who is online, with which
 * sessions and statuses, and (on herald's server) when each user was last active.
 *
 * ```ts
 * const presence = new PresenceStore(socket, client, session);
 * presence.onChange(({ type, current }) => console.log(type, current.username, current.status));
 * await presence.watch([friendId]);
 * presence.get(friendId)?.online;
 * ```
 *
 * Events that arrive while a follow is in flight are held and replayed over its reply, so the
 * reply and status events may come in either order. The store sets no limit on the number of
 * users; the server may (herald's lets one socket follow 5000 by default: `resource_exhausted`).
 * Follows end with the connection; the socket follows again after a reconnection, and the store
 * reconciles every watched user with what that follow answered, by itself. With a socket made
 * with `reconnect: false`, call {@link PresenceStore.resync} after connecting again.
 */
export class PresenceStore {
  readonly #socket: PresenceSocket;
  readonly #users = new WatchedUsers((id) => this.#lookups.left(id));
  readonly #lookups: UserLookup;
  readonly #offStatus: Unsubscribe;
  readonly #offReconnected: Unsubscribe | undefined;
  readonly #offState: Unsubscribe | undefined;
  #closed = false;

  constructor(socket: PresenceSocket, client: Client, session: Session, options: PresenceStoreOptions = {}) {
    this.#socket = socket;
    this.#lookups = new UserLookup(this.#users, {
      client,
      session,
      enabled: options.loadUsers ?? true,
      refreshOnLeave: options.refreshOnLeave ?? true,
      closed: () => this.#closed,
      fail: (error) => this.#fail(error),
    });
    this.#offStatus = socket.onStatusPresence((event) => this.#users.onStatus(event));
    // A socket that reconnects by itself says so; states may have changed while it was away:
    // from the loss until the follow of the next connection is reconciled, events wait.
    this.#offState = socket.onState?.(({ state }) => {
      if (state === "reconnecting") this.#users.hold();
    });
    this.#offReconnected = socket.onReconnected?.((report) => this.#reconnected(report));
  }

  #fail(error: unknown): void {
    if (!this.#closed) this.#users.events.emit("error", HeraldError.from(error));
  }

  // The socket followed every user again while restoring: its answer is the new starting point.
  #reconnected(report: ReconnectedEvent): void {
    if (this.#closed) return;
    const followed = new Set(report.follows);
    const ids = this.#users.settledIds();
    if (report.failed.some((f) => f.what === "followUsers") || ids.some((id) => !followed.has(id))) {
      this.resync().catch((error: unknown) => this.#fail(error));
      return;
    }
    this.#users.reconcile(ids, report.presences);
    // `lastActive` may have moved meanwhile.
    this.#lookups.read(ids, undefined).catch((error: unknown) => this.#fail(error));
  }

  // ---------- reading ----------

  /** The state of a watched user, once its follow has answered. */
  get(userId: string): UserPresenceState | undefined {
    return typeof userId === "string" ? this.#users.entries.get(canonicalUuid(userId))?.state : undefined;
  }

  /** The states of every watched user whose follow has answered, by user id. */
  snapshot(): Map<string, UserPresenceState> {
    const out = new Map<string, UserPresenceState>();
    for (const [id, entry] of this.#users.entries) if (entry.state) out.set(id, entry.state);
    return out;
  }

  /** Ids of the users watched (including those still loading). */
  get watching(): string[] {
    return [...this.#users.entries.keys()];
  }

  // ---------- watching ----------

  /**
   * Follows users and loads their current state; resolves with it, in the order asked (unknown
   * users are offline with an empty username). Users already watched are not followed again.
   * Rejects (watching none of the new users) if the follow or the user lookup fails, e.g.
   * `bad_input` for a malformed user id or `disconnected` when the socket is not connected.
   */
  async watch(userIds: readonly string[], options?: CallOptions): Promise<UserPresenceState[]> {
    this.#assertOpen("watch");
    const ids = userIdsOf("watch", userIds);
    const users = this.#users;
    const fresh = ids.filter((id) => !users.entries.has(id));
    const waits = ids.filter((id) => users.loading.has(id)).map((id) => users.loading.get(id));
    if (fresh.length > 0) {
      const loading = this.#start(users.add(fresh), options);
      for (const id of fresh) users.loading.set(id, loading);
      const settled = () => {
        for (const id of fresh) if (users.loading.get(id) === loading) users.loading.delete(id);
      };
      loading.then(settled, settled);
      waits.push(loading);
    }
    await Promise.all(waits);
    const states: UserPresenceState[] = [];
    for (const id of ids) {
      const state = users.entries.get(id)?.state;
      if (state) states.push(state);
    }
    return states;
  }

  // Follows and looks up the new entries' users (sent at once, before any await, so a later
  // unwatch is ordered after the follow on the wire); on failure forgets them again.
  async #start(entries: UserEntry[], options: CallOptions | undefined): Promise<void> {
    const ids = entries.map((e) => e.userId);
    const follows = this.#socket.followUsers(ids, options);
    const lookups = this.#lookups.read(ids, options);
    try {
      // The first report of a user waits for both answers, whichever comes first: it carries the
      // username and last activity of the lookup as well as the follow's presences.
      const [{ presences }] = await Promise.all([follows, lookups]);
      this.#users.reconcile(ids, presences);
    } catch (error) {
      const mine = entries.filter((e) => this.#users.entries.get(e.userId) === e).map((e) => e.userId);
      const forgotten = this.#users.forget(mine);
      if (this.#socket.state !== "closed" && this.#socket.state !== "connecting" && forgotten.length > 0) {
        // Other chunks may have been followed; they are no longer wanted.
        await this.#socket.unfollowUsers(forgotten).catch(() => {});
      }
      throw error;
    }
  }

  async #follow(ids: string[], options: CallOptions | undefined): Promise<void> {
    const { presences } = await this.#socket.followUsers(ids, options);
    this.#users.reconcile(ids, presences);
  }

  /**
   * Stops watching users: unfollows them (when the socket is connected or reconnecting) and
   * forgets their state, without `change` events.
   */
  async unwatch(userIds: readonly string[], options?: CallOptions): Promise<void> {
    const ids = this.#users.forget(userIdsOf("unwatch", userIds));
    // While the socket is reconnecting the unfollow takes effect at once: the follows are not
    // restored on the next connection.
    const { state } = this.#socket;
    if (ids.length === 0 || (state !== "open" && state !== "reconnecting")) return;
    await this.#socket.unfollowUsers(ids, options);
  }

  /**
   * Follows every watched user again and reconciles: call it after the socket reconnected (follows
   * end with a connection). Users whose state changed meanwhile get `change` events. Lookups
   * (`lastActive`) are refreshed too.
   */
  async resync(options?: CallOptions): Promise<void> {
    this.#assertOpen("resync");
    const ids = this.#users.settledIds();
    // Held afresh: what the follow answers replaces everything heard before it.
    this.#users.hold(ids, true);
    try {
      await Promise.all([
        ids.length ? this.#follow(ids, options) : undefined,
        this.#lookups.read(ids, options),
      ]);
    } catch (error) {
      this.#users.release(ids);
      throw error;
    }
  }

  /**
   * Re-reads watched users with `client.getUsers` (all of them, or `userIds`), e.g. to see a
   * newer `lastActive` of users who went offline.
   */
  async refresh(userIds?: readonly string[], options?: CallOptions): Promise<void> {
    this.#assertOpen("refresh");
    const ids = (userIds === undefined ? this.watching : userIdsOf("refresh", userIds)).filter((id) =>
      this.#users.entries.has(id),
    );
    if (ids.length > 0) await this.#lookups.read(ids, options);
  }

  /**
   * Stops listening to the socket, ends event iterators and forgets every user; unfollows them
   * when the socket is connected (failures to unfollow are ignored). Calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#offStatus();
    this.#offReconnected?.();
    this.#offState?.();
    this.#users.events.end();
    const ids = this.#users.forget(this.watching);
    if (ids.length === 0 || this.#socket.state !== "open") return;
    await this.#socket.unfollowUsers(ids).catch(() => {});
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof PresenceStoreEvents>(name: K, fn: (event: PresenceStoreEvents[K]) => void): Unsubscribe {
    return this.#users.events.on(name, fn);
  }

  /** Calls `fn` whenever a watched user's state changes; returns the function that stops it. */
  onChange(fn: (change: PresenceChange) => void): Unsubscribe {
    return this.on("change", fn);
  }

  /**
   * The `name` events as an async iterator (`for await`). Ends when `signal` aborts, the loop is
   * left, or the store is closed; throws HeraldError `overflow` past `bufferSize` unread events.
   */
  events<K extends keyof PresenceStoreEvents>(
    name: K,
    options?: EventIteratorOptions,
  ): AsyncIterableIterator<PresenceStoreEvents[K]> {
    return this.#users.events.events(name, options);
  }

  // ---------- internals ----------

  #assertOpen(what: string): void {
    if (this.#closed) throw new HeraldError("bad_input", `${what}: the presence store is closed`);
  }
}
