import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { HeraldError } from "../errors.js";
import type { UserPresenceState } from "../presence/presence-state.js";
import { useHeraldConnection } from "./herald-context.js";
import type { PresenceWatch } from "./presence-watch.js";

/** What {@link usePresence} returns; a new object only when something in it changed. */
export interface PresenceResult {
  /** The users asked for whose state is known, in the order asked. */
  users: readonly UserPresenceState[];
  /** The same states by user id (as asked, not lower-cased). */
  byId: ReadonlyMap<string, UserPresenceState>;
  /** True while some user asked for has no known state yet and nothing failed. */
  loading: boolean;
  /** Why watching failed (e.g. `bad_input` for a malformed id); retried when the socket opens again. */
  error: HeraldError | undefined;
}

const noIds: readonly string[] = [];

// The watch of the provider, held while the component is mounted and asks for some users.
function useWatch(
  hook: string,
  userIds: readonly string[],
): { watch: PresenceWatch | undefined; key: string } {
  const connection = useHeraldConnection(hook);
  const [watch, setWatch] = useState<PresenceWatch | undefined>(undefined);
  // The ids' content, not the array's identity: `usePresence([a, b])` makes a new array per render.
  // JSON keeps each id as given: joined by a separator, [""] read as no ids at all (no error shown
  // for the malformed id) and an id holding the separator as two others.
  // An id that is not a string is sent as text, so that it fails as a malformed id in `error`.
  const key = JSON.stringify(Array.isArray(userIds) ? userIds.map(String) : []);
  useEffect(() => {
    if (connection.stopped) return undefined;
    const { watch: w, release } = connection.acquirePresence();
    setWatch(w);
    const ids = idsOf(key);
    const unwatch = ids.length === 0 ? undefined : w.acquire(ids);
    return () => {
      unwatch?.();
      release();
    };
  }, [connection, key]);
  return { watch, key };
}

function idsOf(key: string): string[] {
  return JSON.parse(key) as string[];
}

function useVersion(watch: PresenceWatch | undefined): number {
  return useSyncExternalStore(
    useCallback((fn: () => void) => watch?.subscribe(fn) ?? (() => {}), [watch]),
    () => watch?.version ?? -1,
    () => -1,
  );
}

/**
 * Live presence of users: follows them while the component is mounted (shared with every other
 * component asking for them) and re-renders when one comes online, goes offline or changes status.
 *
 * ```tsx
 * const { users } = usePresence(friendIds);
 * return users.map((u) => <li key={u.userId}>{u.username}: {u.online ? u.status : "offline"}</li>);
 * ```
 */
export function usePresence(userIds: readonly string[]): PresenceResult {
  const { watch, key } = useWatch("usePresence", userIds ?? noIds);
  const version = useVersion(watch);
  // A single id or an object where a list belongs (plain JavaScript) is an error to show, not an
  // empty list to show nothing for.
  const notList = userIds != null && !Array.isArray(userIds) ? typeof userIds : undefined;
  const refused = useMemo(
    () =>
      notList
        ? new HeraldError("bad_input", `usePresence: userIds must be an array of user ids, not a ${notList}`)
        : undefined,
    [notList],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is when the store changed
  return useMemo(() => {
    if (refused) return { users: [], byId: new Map(), loading: false, error: refused };
    const ids = [...new Set(idsOf(key))];
    const byId = new Map<string, UserPresenceState>();
    for (const id of ids) {
      const state = watch?.get(id);
      if (state) byId.set(id, state);
    }
    const error = watch?.error;
    return { users: [...byId.values()], byId, loading: byId.size < ids.length && !error, error };
  }, [watch, key, version, refused]);
}

/**
 * Live statuses of users, by user id: a status string while the user is online (`""` online
 * without one), `undefined` while offline or not loaded yet. A lighter `usePresence`.
 *
 * ```tsx
 * const statuses = useStatus([friendId]);
 * return <span>{statuses[friendId] ?? "offline"}</span>;
 * ```
 */
export function useStatus(userIds: readonly string[]): Readonly<Record<string, string | undefined>> {
  const { byId } = usePresence(userIds);
  return useMemo(() => {
    const out: Record<string, string | undefined> = {};
    for (const [id, u] of byId) out[id] = u.online ? (u.status ?? "") : undefined;
    return out;
  }, [byId]);
}
