import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import { Emitter, type EventIteratorOptions, type Unsubscribe } from "../events.js";
import type { StatusPresenceEvent, UserPresence } from "../gen/model.js";
import type { Session } from "../session.js";
import type { Socket } from "../socket/socket.js";
import type { ReconnectedEvent, StateChange } from "../socket/socket-types.js";
import { hasExtension, USER_PRESENCE } from "./extension.js";
import {
  changeType,
  type PresenceChange,
  type PresenceStoreEvents,
  sameState,
  UserEntry,
  type UserPresenceState,
} from "./presence-state.js";

/** Options of {@link PresenceStore}. */
export interface PresenceStoreOptions {
  /**
   * Load watched users with `client.getUsers`: usernames of offline users, and `lastActive` on a
   * server with herald's "user_presence" extension. Without it, users are known from their
   * presences only.
   * @default true
   */
  loadUsers?: boolean | undefined;
  /**
   * When a watched user goes offline, read them again (batched) for the `lastActive` the server
   * set as their last connection closed. Only on a server with the "user_presence" extension,
   * and only with `loadUsers`. Failures are reported as `error` events.
   * @default true
   */
  refreshOnLeave?: boolean | undefined;
}

// Ids per user lookup: keeps URLs under length limits, whatever the number of users watched.
// (Follows need no such split here: the socket splits them to fit the server's frame limit.)
const LOOKUP_CHUNK = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function byUser(presences: readonly UserPresence[]): Map<string, UserPresence[]> {
  const out = new Map<string, UserPresence[]>();
  for (const p of presences) {
    const list = out.get(p.userId);
    if (list) list.push(p);
    else out.set(p.userId, [p]);
  }
  return out;
}

/**
 * What the store needs of a socket: a herald `Socket` (whose `onState` and `onReconnected` the
 * store uses to resync by itself after a reconnection), or anything with the same methods.
 */
export type PresenceSocket = Pick<Socket, "state" | "followUsers" | "unfollowUsers" | "onStatusPresence"> & {
  onReconnected?(fn: (event: ReconnectedEvent) => void): Unsubscribe;
  onState?(fn: (change: StateChange) => void): Unsubscribe;
};

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
 * reply and status events may come in either order. There is no limit on the number of users.
 * Follows end with the connection; the socket follows again after a reconnection, and the store
 * reconciles every watched user with what that follow answered, by itself. With a socket made
 * with `reconnect: false`, call {@link PresenceStore.resync} after connecting again.
 */
export class PresenceStore {
  readonly #socket: PresenceSocket;
  readonly #client: Client;
  readonly #session: Session;
  readonly #loadUsers: boolean;
  readonly #refreshOnLeave: boolean;
  /** Users gone offline whose `lastActive` is to be read again on the next turn. */
  readonly #left = new Set<string>();
  readonly #events = new Emitter<PresenceStoreEvents>();
  readonly #entries = new Map<string, UserEntry>();
  /** Users whose first follow is still in flight, with the promise that settles it. */
  readonly #loading = new Map<string, Promise<void>>();
  readonly #offStatus: Unsubscribe;
  readonly #offReconnected: Unsubscribe | undefined;
  readonly #offState: Unsubscribe | undefined;
  #closed = false;

  constructor(socket: PresenceSocket, client: Client, session: Session, options: PresenceStoreOptions = {}) {
    this.#socket = socket;
    this.#client = client;
    this.#session = session;
    this.#loadUsers = options.loadUsers ?? true;
    this.#refreshOnLeave = this.#loadUsers && (options.refreshOnLeave ?? true);
    this.#offStatus = socket.onStatusPresence((event) => this.#onStatus(event));
    // A socket that reconnects by itself says so; states may have changed while it was away.
    this.#offState = socket.onState?.(({ state }) => {
      if (state === "reconnecting") this.#hold();
    });
    this.#offReconnected = socket.onReconnected?.((report) => this.#reconnected(report));
  }

  // From a lost connection until the follow of the next one is reconciled, events wait.
  #hold(): void {
    for (const [id, entry] of this.#entries) {
      if (this.#loading.has(id)) continue;
      entry.buffered ??= [];
      entry.touched = false;
    }
  }

  // The socket followed every user again while restoring: its answer is the new starting point.
  #reconnected(report: ReconnectedEvent): void {
    if (this.#closed) return;
    const fail = (error: unknown) => {
      if (!this.#closed) this.#events.emit("error", HeraldError.from(error));
    };
    const followed = new Set(report.follows);
    const ids = [...this.#entries.keys()].filter((id) => !this.#loading.has(id));
    if (report.failed.some((f) => f.what === "followUsers") || ids.some((id) => !followed.has(id))) {
      this.resync().catch(fail);
      return;
    }
    const found = byUser(report.presences);
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (!entry?.buffered) continue;
      const held = entry.buffered;
      entry.reset(found.get(id) ?? []);
      for (const event of held) entry.apply(event.joins, event.leaves);
      entry.buffered = undefined;
      entry.preferStatus(entry.reportedStatus);
      this.#commit(entry);
    }
    // `lastActive` may have moved meanwhile.
    this.#lookup(ids, undefined).catch(fail);
  }

  // ---------- reading ----------

  /** The state of a watched user, once its follow has answered. */
  get(userId: string): UserPresenceState | undefined {
    return this.#entries.get(userId.toLowerCase())?.state;
  }

  /** The states of every watched user whose follow has answered, by user id. */
  snapshot(): Map<string, UserPresenceState> {
    const out = new Map<string, UserPresenceState>();
    for (const [id, entry] of this.#entries) if (entry.state) out.set(id, entry.state);
    return out;
  }

  /** Ids of the users watched (including those still loading). */
  get watching(): string[] {
    return [...this.#entries.keys()];
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
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))];
    const fresh = ids.filter((id) => !this.#entries.has(id));
    const waits = ids.filter((id) => this.#loading.has(id)).map((id) => this.#loading.get(id));
    if (fresh.length > 0) {
      const entries = fresh.map((id) => {
        const entry = new UserEntry(id);
        entry.buffered = [];
        this.#entries.set(id, entry);
        return entry;
      });
      const loading = this.#start(entries, options);
      for (const id of fresh) this.#loading.set(id, loading);
      const settled = () => {
        for (const id of fresh) if (this.#loading.get(id) === loading) this.#loading.delete(id);
      };
      loading.then(settled, settled);
      waits.push(loading);
    }
    await Promise.all(waits);
    const states: UserPresenceState[] = [];
    for (const id of ids) {
      const state = this.#entries.get(id)?.state;
      if (state) states.push(state);
    }
    return states;
  }

  // Follows and looks up the new entries' users (sent at once, before any await, so a later
  // unwatch is ordered after the follow on the wire); on failure forgets them again.
  async #start(entries: UserEntry[], options: CallOptions | undefined): Promise<void> {
    const ids = entries.map((e) => e.userId);
    const follows = this.#follow(ids, options);
    const lookups = this.#lookup(ids, options);
    try {
      await Promise.all([follows, lookups]);
    } catch (error) {
      const forgotten = entries.filter((e) => this.#entries.get(e.userId) === e).map((e) => e.userId);
      for (const id of forgotten) this.#entries.delete(id);
      if (this.#socket.state === "open" && forgotten.length > 0) {
        // Other chunks may have been followed; they are no longer wanted.
        await this.#socket.unfollowUsers(forgotten).catch(() => {});
      }
      throw error;
    }
  }

  async #follow(ids: string[], options: CallOptions | undefined): Promise<void> {
    const { presences } = await this.#socket.followUsers(ids, options);
    const found = byUser(presences);
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (!entry?.buffered) continue; // unwatched meanwhile
      entry.reset(found.get(id) ?? []);
      for (const event of entry.buffered) entry.apply(event.joins, event.leaves);
      entry.buffered = undefined;
      entry.preferStatus(entry.reportedStatus);
      this.#commit(entry);
    }
  }

  async #lookup(ids: string[], options: CallOptions | undefined): Promise<void> {
    if (!this.#loadUsers) return;
    await Promise.all(
      chunks(ids, LOOKUP_CHUNK).map(async (chunk) => {
        const { users } = await this.#client.getUsers(this.#session, { ...options, ids: chunk });
        for (const user of users) {
          const entry = this.#entries.get(user.id);
          if (!entry) continue;
          if (user.username) entry.username = user.username;
          entry.lastActive = user.lastActive;
          // The server's "current status" picks among sessions only if no event has moved on since.
          if (!entry.touched) entry.reportedStatus = user.online ? user.status : undefined;
          if (!entry.buffered && !entry.touched) entry.preferStatus(entry.reportedStatus);
          this.#commit(entry);
        }
      }),
    );
  }

  /**
   * Stops watching users: unfollows them (when the socket is connected) and forgets their state,
   * without `change` events.
   */
  async unwatch(userIds: readonly string[], options?: CallOptions): Promise<void> {
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))].filter((id) => this.#entries.has(id));
    for (const id of ids) {
      this.#entries.delete(id);
      this.#loading.delete(id);
    }
    if (ids.length === 0 || this.#socket.state !== "open") return;
    await this.#socket.unfollowUsers(ids, options);
  }

  /**
   * Follows every watched user again and reconciles: call it after the socket reconnected (follows
   * end with a connection). Users whose state changed meanwhile get `change` events. Lookups
   * (`lastActive`) are refreshed too.
   */
  async resync(options?: CallOptions): Promise<void> {
    this.#assertOpen("resync");
    const ids = [...this.#entries.keys()].filter((id) => !this.#loading.has(id));
    for (const id of ids) {
      const entry = this.#entries.get(id) as UserEntry;
      entry.buffered = [];
      entry.touched = false;
    }
    try {
      await Promise.all([ids.length ? this.#follow(ids, options) : undefined, this.#lookup(ids, options)]);
    } catch (error) {
      // Keep what was known, plus anything heard meanwhile.
      for (const id of ids) {
        const entry = this.#entries.get(id);
        if (!entry?.buffered) continue;
        const held = entry.buffered;
        entry.buffered = undefined;
        for (const event of held) entry.apply(event.joins, event.leaves);
        this.#commit(entry);
      }
      throw error;
    }
  }

  /**
   * Re-reads watched users with `client.getUsers` (all of them, or `userIds`), e.g. to see a
   * newer `lastActive` of users who went offline.
   */
  async refresh(userIds?: readonly string[], options?: CallOptions): Promise<void> {
    this.#assertOpen("refresh");
    const ids = (userIds ?? [...this.#entries.keys()])
      .map((id) => id.toLowerCase())
      .filter((id) => this.#entries.has(id));
    if (!this.#loadUsers || ids.length === 0) return;
    await this.#lookup(ids, options);
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
    this.#events.end();
    const ids = [...this.#entries.keys()];
    this.#entries.clear();
    this.#loading.clear();
    if (ids.length === 0 || this.#socket.state !== "open") return;
    await this.#socket.unfollowUsers(ids).catch(() => {});
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof PresenceStoreEvents>(name: K, fn: (event: PresenceStoreEvents[K]) => void): Unsubscribe {
    return this.#events.on(name, fn);
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
    return this.#events.events(name, options);
  }

  // ---------- internals ----------

  #assertOpen(what: string): void {
    if (this.#closed) throw new HeraldError("bad_input", `${what}: the presence store is closed`);
  }

  #onStatus(event: StatusPresenceEvent): void {
    const joins = byUser(event.joins);
    const leaves = byUser(event.leaves);
    for (const id of new Set([...joins.keys(), ...leaves.keys()])) {
      const entry = this.#entries.get(id);
      if (!entry) continue;
      const j = joins.get(id) ?? [];
      const l = leaves.get(id) ?? [];
      if (entry.buffered) {
        entry.buffered.push({ joins: j, leaves: l });
        continue;
      }
      entry.touched = true;
      entry.apply(j, l);
      this.#commit(entry);
    }
  }

  // One lookup per batch of users gone offline in the same turn, so a crowd leaving at once (a
  // server restart) costs a few requests rather than one each.
  #refreshLater(userId: string): void {
    if (!this.#refreshOnLeave) return;
    this.#left.add(userId);
    if (this.#left.size > 1) return;
    setTimeout(() => {
      const ids = [...this.#left].filter((id) => this.#entries.has(id));
      this.#left.clear();
      if (this.#closed || ids.length === 0) return;
      hasExtension(this.#client, USER_PRESENCE)
        .then((has) => (has ? this.#lookup(ids, undefined) : undefined))
        .catch((error: unknown) => {
          if (this.#closed) return;
          const cause = HeraldError.is(error)
            ? error
            : new HeraldError("server_error", String(error), { cause: error });
          this.#events.emit("error", cause);
        });
    }, 0);
  }

  // Derives the entry's state and tells listeners if it differs from the last one reported.
  #commit(entry: UserEntry): void {
    if (entry.buffered || this.#entries.get(entry.userId) !== entry) return;
    const current = entry.derive();
    const previous = entry.state;
    if (sameState(previous, current)) return;
    entry.state = current;
    const type = changeType(previous, current);
    if (type === "leave") this.#refreshLater(entry.userId);
    this.#events.emit("change", { type, userId: entry.userId, previous, current });
  }
}
