import type { Unsubscribe } from "../events.js";
import type { Socket } from "../socket/socket.js";
import type { SocketEvents } from "../socket/socket-types.js";

/** Events the hooks listen to, by name: those of herald's one {@link Socket}. */
export type HeraldSocketEvents = SocketEvents;

/**
 * What the hooks need of a socket: herald's `Socket` (from `client.createSocket()`) fits it, and
 * so does a stand-in with the same methods in an app's own tests.
 */
export interface HeraldSocket
  extends Pick<
    Socket,
    | "state"
    | "connect"
    | "disconnect"
    | "updateStatus"
    | "followUsers"
    | "unfollowUsers"
    | "joinChat"
    | "leaveChat"
    | "writeChatMessage"
    | "updateChatMessage"
    | "removeChatMessage"
  > {
  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof SocketEvents>(name: K, fn: (event: SocketEvents[K]) => void): Unsubscribe;
}

/** Subscribes to any {@link HeraldSocketEvents} event, including those only reconnecting sockets emit. */
export function listen<K extends keyof HeraldSocketEvents>(
  socket: HeraldSocket,
  name: K,
  fn: (event: HeraldSocketEvents[K]) => void,
): Unsubscribe {
  // A socket whose map lacks `name` keeps the listener and never calls it.
  return (socket.on as (name: string, fn: (event: never) => void) => Unsubscribe)(name, fn as never);
}
