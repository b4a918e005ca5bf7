import type { UserInit } from "../../gen/wire.js";
import { type ClusterAdapter, statusStream } from "./cluster-adapter.js";

interface Noted {
  user: UserInit;
  userId: string;
  /** The viewer is the user: their own hidden (invisible) sessions count. */
  self: boolean;
  /** Whether the view carries `status` (the user_presence extension). */
  presence: boolean;
}

/** How deep a call's result is searched for user views (`{ friends: [{ user }] }` is 3 deep). */
const MAX_DEPTH = 6;

/**
 * `online` and `status` of the users a REST call returns, read from the presences of every node.
 * A user view is built synchronously from what this node knows and noted here; the call is wrapped
 * so that, before its answer is encoded, the noted views found in its result are completed from
 * the cluster's shared status presences (one read per user). A read that fails rejects the call
 * with `disconnected`.
 *
 * Views are found in the result rather than tracked along the call with `AsyncLocalStorage`: once
 * used, that makes every promise and every I/O callback of the process pay for its bookkeeping,
 * socket traffic included, for the sake of a few REST calls.
 */
export class SharedUserViews {
  private readonly noted = new WeakMap<UserInit, Noted>();

  constructor(private readonly cluster: ClusterAdapter) {}

  /** Notes a view built for a call, to be completed if the call returns it. */
  note(user: UserInit, userId: string, self: boolean, presence: boolean): void {
    this.noted.set(user, { user, userId, self, presence });
  }

  /** Wraps a REST handler so that the user views it returns are completed from the cluster. */
  wrap<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => Promise<Awaited<R>> {
    return async (...args: A): Promise<Awaited<R>> => {
      const result = await handler(...args);
      const found = new Set<Noted>();
      this.find(result, found, 0);
      if (found.size > 0) await this.complete([...found]);
      return result;
    };
  }

  /** Adds the noted views in `value` (plain objects and arrays, down to {@link MAX_DEPTH}). */
  private find(value: unknown, found: Set<Noted>, depth: number): void {
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) this.find(item, found, depth + 1);
      return;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return;
    const noted = this.noted.get(value as UserInit);
    if (noted !== undefined) {
      found.add(noted);
      return;
    }
    for (const key in value) this.find((value as Record<string, unknown>)[key], found, depth + 1);
  }

  private async complete(noted: Noted[]): Promise<void> {
    const ids = [...new Set(noted.map((n) => n.userId))];
    const [lists, recent] = await Promise.all([
      Promise.all(ids.map((id) => this.cluster.presences(statusStream(id)))),
      // A change of the invisible flag made a moment ago (on any node) may not be on the presences yet.
      this.cluster.recentInvisible(ids),
    ]);
    const byUser = new Map(ids.map((id, i) => [id, lists[i] ?? []]));
    for (const n of noted) {
      const flag = recent.get(n.userId);
      const hiding = !n.self && flag === true;
      // A user who turned visible a moment ago may still have presences marked hidden: their nodes
      // mark them visible when the change's message arrives, after the change was answered.
      const showAll = n.self || flag === false;
      // Oldest change first: the last one shown is the user's current status.
      const shown = hiding ? [] : (byUser.get(n.userId) ?? []).filter((p) => !p.hidden || showAll);
      const last = shown[shown.length - 1];
      n.user.online = last !== undefined;
      if (!n.presence) continue;
      if (last === undefined) delete n.user.status;
      else n.user.status = last.status ?? "";
    }
  }
}
