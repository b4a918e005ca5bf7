import { AsyncLocalStorage } from "node:async_hooks";
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

/**
 * `online` and `status` of the users a REST call returns, read from the presences of every node.
 * A user view is built synchronously from what this node knows; the call is wrapped so that, before
 * its answer is encoded, the noted views are completed from the cluster's shared status presences
 * (one read per user). A read that fails rejects the call with `disconnected`.
 */
export class SharedUserViews {
  private readonly calls = new AsyncLocalStorage<Noted[]>();

  constructor(private readonly cluster: ClusterAdapter) {}

  /** Notes a view built during the current call, to be completed before the call answers. */
  note(user: UserInit, userId: string, self: boolean, presence: boolean): void {
    this.calls.getStore()?.push({ user, userId, self, presence });
  }

  /** Wraps a REST handler so that the user views it returns are completed from the cluster. */
  wrap<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => Promise<Awaited<R>> {
    return (...args: A) => {
      const noted: Noted[] = [];
      return this.calls.run(noted, async (): Promise<Awaited<R>> => {
        const result = await handler(...args);
        if (noted.length > 0) await this.complete(noted);
        return result;
      });
    };
  }

  private async complete(noted: Noted[]): Promise<void> {
    const ids = [...new Set(noted.map((n) => n.userId))];
    const [lists, recent] = await Promise.all([
      Promise.all(ids.map((id) => this.cluster.presences(statusStream(id)))),
      // A user who turned invisible a moment ago may still have presences not marked hidden.
      this.cluster.recentInvisible(ids),
    ]);
    const byUser = new Map(ids.map((id, i) => [id, lists[i] ?? []]));
    for (const n of noted) {
      const hiding = !n.self && recent.get(n.userId) === true;
      // Oldest change first: the last one shown is the user's current status.
      const shown = hiding ? [] : (byUser.get(n.userId) ?? []).filter((p) => !p.hidden || n.self);
      const last = shown[shown.length - 1];
      n.user.online = last !== undefined;
      if (!n.presence) continue;
      if (last === undefined) delete n.user.status;
      else n.user.status = last.status ?? "";
    }
  }
}
