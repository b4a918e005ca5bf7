import type { HeraldError } from "../errors.js";
import type { Channel, ChannelMessage, JsonObject, UserPresence } from "../gen/model.js";
import { ChannelType } from "../gen/wire.js";
import { canonicalUuid } from "../socket/ids.js";

/** Options of `useChannel`. */
export interface ChannelOptions {
  /**
   * Store messages in history (the `persistence` of the join). Components using one channel at the
   * same time must agree on it (see `useChannel`). @default true
   */
  persistence?: boolean | undefined;
  /**
   * Join without presence events and without being listed. Components using one channel at the
   * same time must agree on it (see `useChannel`). @default false
   */
  hidden?: boolean | undefined;
  /**
   * Messages per history page: the newest page is loaded on join, older ones by `loadOlder()`.
   * `0` loads no history (live messages only). Components sharing a channel each get pages of
   * their own size.
   * @default 50
   */
  historyPageSize?: number | undefined;
}

/** Where a channel of `useChannel` stands. */
export type ChannelStatus = "joining" | "joined" | "failed";

/** What `useChannel` returns besides its functions; replaced, never mutated. */
export interface ChannelSnapshot<T extends object = JsonObject> {
  /** `joining` until the join answers (and again while the socket reconnects), `failed` if it was refused. */
  readonly status: ChannelStatus;
  /** The channel as the last join returned it. */
  readonly channel: Channel | undefined;
  /** The channel's id, once joined. */
  readonly channelId: string | undefined;
  /** Messages, oldest first: the history loaded so far, then live ones as they come. */
  readonly messages: readonly ChannelMessage<T>[];
  /** Visible members, this connection included unless joined hidden. */
  readonly presences: readonly UserPresence[];
  /** True while older history pages may remain (`loadOlder()` reads the next). */
  readonly hasOlder: boolean;
  /**
   * True when older messages exist that this server cannot page to: one without exact history
   * cursors (stock Nakama; 3.26's cursors skip and repeat messages) gives only its newest 100
   * messages, exactly. `hasOlder` is false then, and `loadOlder()` rejects with `unsupported`.
   */
  readonly historyLimited: boolean;
  /** True while `loadOlder()` is reading a page. */
  readonly loadingOlder: boolean;
  /** Why the join or the history read failed. */
  readonly error: HeraldError | undefined;
}

/** The snapshot of a channel not joined yet. */
export const joiningSnapshot: ChannelSnapshot = {
  status: "joining",
  channel: undefined,
  channelId: undefined,
  messages: [],
  presences: [],
  hasOlder: false,
  historyLimited: false,
  loadingOlder: false,
  error: undefined,
};

/**
 * The channel a target names, as a socket's membership: a group or user id is taken in any
 * spelling the server reads (one join answers both); a room's name is case-sensitive.
 */
export function channelMembership(target: string, type: ChannelType): string {
  // (A target that is not a string, from plain JavaScript, fails in the join, not here.)
  const id =
    typeof target === "string" && (type === ChannelType.DirectMessage || type === ChannelType.Group)
      ? canonicalUuid(target)
      : target;
  return JSON.stringify([type, id]);
}

/**
 * The identity of a channel's feed in the registry: two components asking the same share one.
 * Feeds of one channel with other options would share its membership (a socket has one per
 * channel, with the options of its first join): one asking while another is in use is refused.
 */
export function channelKey(target: string, type: ChannelType, options: ChannelOptions): string {
  return `${channelMembership(target, type)} ${options.persistence ?? true} ${options.hidden ?? false}`;
}
