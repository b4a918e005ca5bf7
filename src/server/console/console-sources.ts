import type { ObservedSession } from "./console-tap.js";

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
  users: { byId(userId: string): Promise<{ readonly username: string } | undefined> };
  groups: { byId(groupId: string): Promise<{ readonly name: string } | undefined> };
  /** Stored channel messages (whatever the storage engine). */
  messages: {
    /**
     * A channel's number of stored messages and its newest seq, read at once. A channel's
     * messages commit in seq order, so the read counted exactly those up to that seq.
     */
    count(channelId: string): Promise<{ count: number; newest: number }>;
    /** The channels with the newest messages, newest first, each read as {@link count} reads one. */
    busiestChannels(limit: number): Promise<{ channelId: string; count: number; newest: number }[]>;
    /** Newest first. */
    before(
      channelId: string,
      seq: number,
      limit: number,
    ): Promise<
      {
        id: string;
        sender_id: string;
        username: string;
        content: string;
        create_time: number;
        code: number;
      }[]
    >;
  };
  serverKey: string;
  version: string;
}
