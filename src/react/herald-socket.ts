import type { Unsubscribe } from "../events.js";
import type { ChannelMessage, JsonObject } from "../gen/model.js";
import type { GapEvent, ReconnectedEvent } from "../resilience/resilient-socket.js";
import type { Socket, SocketEvents, StateChange } from "../socket.js";

/**
 * Events the hooks listen to, by name: those of every socket, plus `reconnected` and `gap` of a
 * socket that reconnects by itself (a socket without them never emits them, so listening to them
 * costs nothing).
 */
export interface HeraldSocketEvents extends Omit<SocketEvents, "channelMessage" | "state"> {
  /** A message of a joined channel; `catchUp` marks one missed while away and fetched afterwards. */
  channelMessage: ChannelMessage<JsonObject> & { catchUp?: true | undefined };
  /** The connection state changed; reconnecting sockets add why. */
  state: StateChange & { reason?: string | undefined };
  /** A lost connection was restored: status, follows and channel joins are back. */
  reconnected: ReconnectedEvent;
  /** Messages of a channel could not be recovered after a reconnection. */
  gap: GapEvent;
}

/**
 * What the hooks need of a socket. Both herald's `Socket` (from `client.createSocket()`) and the
 * socket of `herald/resilience` fit it, so the hooks do not care which one the app uses.
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
