import type { Unsubscribe } from "../events.js";
import type { Socket } from "../socket/socket.js";
import type { ReconnectedEvent, StateChange } from "../socket/socket-types.js";

/** Options of a `PresenceStore`. */
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

/**
 * What the store needs of a socket: a herald `Socket` (whose `onState` and `onReconnected` the
 * store uses to resync by itself after a reconnection), or anything with the same methods.
 */
export type PresenceSocket = Pick<Socket, "state" | "followUsers" | "unfollowUsers" | "onStatusPresence"> & {
  onReconnected?(fn: (event: ReconnectedEvent) => void): Unsubscribe;
  onState?(fn: (change: StateChange) => void): Unsubscribe;
};
