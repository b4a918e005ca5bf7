import type { ObservedSession } from "./console-tap.js";

/** A prepared SQL statement, as the console uses it. */
interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}

/**
 * The server state the console reads, described by shape only: the server's registries and
 * stores fit it as they are, so the console imports none of their modules.
 */
export interface ConsoleSources {
  /** Every connected session. */
  sessions: { all(): Iterable<ObservedSession> };
  /** Live channels: a session's presence in one, and whether it is hidden. */
  channels: {
    get(
      channelId: string,
    ):
      | { members: ReadonlyMap<string, { readonly hidden: boolean; readonly hiddenByInvisible: boolean }> }
      | undefined;
  };
  visibility: { isInvisible(userId: string): boolean };
  users: { byId(userId: string): { readonly username: string } | undefined };
  groups: { byId(groupId: string): { readonly name: string } | undefined };
  /** The database holding the `messages` table. */
  db: { prepare(sql: string): Statement };
  serverKey: string;
  version: string;
}
