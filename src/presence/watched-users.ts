import { HeraldError } from "../errors.js";
import { Emitter } from "../events.js";
import type { StatusPresenceEvent, User, UserPresence } from "../gen/model.js";
import { canonicalUuid } from "../socket/ids.js";
import { changeType, type PresenceStoreEvents, sameState, UserEntry } from "./presence-state.js";

/**
 * The user ids a store's call was given, checked, once each, in the spelling the server answers
 * with (its presences and events name users so, whatever spelling they were asked for by).
 */
export function userIdsOf(what: string, userIds: unknown): string[] {
  if (!Array.isArray(userIds) || userIds.some((id) => typeof id !== "string")) {
    throw new HeraldError("bad_input", `${what}: userIds must be an array of strings`);
  }
  return [...new Set((userIds as string[]).map(canonicalUuid))];
}

/** Presences grouped by user id, in the order they came. */
export function byUser(presences: readonly UserPresence[]): Map<string, UserPresence[]> {
  const out = new Map<string, UserPresence[]>();
  for (const p of presences) {
    const list = out.get(p.userId);
    if (list) list.push(p);
    else out.set(p.userId, [p]);
  }
  return out;
}

/**
 * The state side of a presence store: every watched user's entry, the status events applied to
 * them (or held while a follow that will reset them is in flight), and the `change` events told
 * to listeners. It sends nothing; the store decides what to follow and look up.
 */
export class WatchedUsers {
  /** Watched users by id, in the spelling the server answers with (`canonicalUuid`). */
  readonly entries = new Map<string, UserEntry>();
  /** Users whose first follow is still in flight, with the promise that settles it. */
  readonly loading = new Map<string, Promise<void>>();
  readonly events = new Emitter<PresenceStoreEvents>();
  readonly #left: (userId: string) => void;

  /** `left` hears of every watched user who went offline (after the `change` event). */
  constructor(left: (userId: string) => void) {
    this.#left = left;
  }

  /** Adds entries for new users; their events are held until their follow answers. */
  add(ids: readonly string[]): UserEntry[] {
    return ids.map((id) => {
      const entry = new UserEntry(id);
      entry.buffered = [];
      this.entries.set(id, entry);
      return entry;
    });
  }

  /** Watched users whose first follow has answered. */
  settledIds(): string[] {
    return [...this.entries.keys()].filter((id) => !this.loading.has(id));
  }

  /**
   * From now until `reconcile`, events of these users (all settled ones by default) wait;
   * `afresh` drops those already waiting.
   */
  hold(ids: readonly string[] = this.settledIds(), afresh = false): void {
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      entry.buffered = afresh ? [] : (entry.buffered ?? []);
      entry.touched = false;
    }
  }

  /**
   * A follow answered with `presences`: each held user starts again from it, with the events that
   * arrived meanwhile replayed over it.
   */
  reconcile(ids: readonly string[], presences: readonly UserPresence[]): void {
    const found = byUser(presences);
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry?.buffered) continue; // unwatched meanwhile, or not held
      const held = entry.buffered;
      entry.reset(found.get(id) ?? []);
      for (const event of held) entry.apply(event.joins, event.leaves);
      entry.buffered = undefined;
      entry.preferStatus(entry.reportedStatus);
      this.commit(entry);
    }
  }

  /** A follow failed: held users keep what was known, with the events heard meanwhile. */
  release(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry?.buffered) continue;
      const held = entry.buffered;
      entry.buffered = undefined;
      for (const event of held) entry.apply(event.joins, event.leaves);
      this.commit(entry);
    }
  }

  /** Users read over REST: usernames, `lastActive`, and the status the server reports. */
  applyUsers(users: readonly User[]): void {
    for (const user of users) {
      const entry = this.entries.get(user.id);
      if (!entry) continue;
      if (user.username) entry.username = user.username;
      entry.lastActive = user.lastActive;
      // The server's "current status" picks among sessions only if no event has moved on since.
      if (!entry.touched) entry.reportedStatus = user.online ? user.status : undefined;
      if (!entry.buffered && !entry.touched) entry.preferStatus(entry.reportedStatus);
      this.commit(entry);
    }
  }

  /** Applies a status event to the users it concerns (or holds it for them). */
  onStatus(event: StatusPresenceEvent): void {
    const joins = byUser(event.joins);
    const leaves = byUser(event.leaves);
    for (const id of new Set([...joins.keys(), ...leaves.keys()])) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      const j = joins.get(id) ?? [];
      const l = leaves.get(id) ?? [];
      if (entry.buffered) {
        entry.buffered.push({ joins: j, leaves: l });
        continue;
      }
      entry.touched = true;
      entry.apply(j, l);
      this.commit(entry);
    }
  }

  /** Forgets users, without `change` events; returns those that were watched. */
  forget(ids: readonly string[]): string[] {
    const gone = ids.filter((id) => this.entries.has(id));
    for (const id of gone) {
      this.entries.delete(id);
      this.loading.delete(id);
    }
    return gone;
  }

  // Derives the entry's state and tells listeners if it differs from the last one reported.
  commit(entry: UserEntry): void {
    if (entry.buffered || this.entries.get(entry.userId) !== entry) return;
    const current = entry.derive();
    const previous = entry.state;
    if (sameState(previous, current)) return;
    entry.state = current;
    const type = changeType(previous, current);
    this.events.emit("change", { type, userId: entry.userId, previous, current });
    if (type === "leave") this.#left(entry.userId);
  }
}
