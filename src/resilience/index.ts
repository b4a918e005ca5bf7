/**
 * herald/resilience: kept for apps written before every Socket reconnected by itself. A socket
 * from `client.createSocket()` now does all of this; these names point at it.
 *
 * ```ts
 * // Before: createResilientSocket(client, { reconnect: { maxDelayMs: 30_000 } })
 * const socket = client.createSocket({ reconnect: { maxDelayMs: 30_000 } });
 * ```
 * @module
 */

import type { Client } from "../client.js";
import type { JsonObject } from "../gen/model.js";
import type { Socket } from "../socket/socket.js";
import type {
  SocketChannelMessage,
  SocketEvents,
  SocketOptions,
  StateChange,
} from "../socket/socket-types.js";

export { type ReconnectOptions, retryDelay } from "../socket/backoff.js";
export {
  MemoryOutboxStorage,
  type OutboxEntry,
  type OutboxOptions,
  type OutboxStorage,
} from "../socket/outbox-storage.js";
export type { GapEvent, HeartbeatOptions, ReconnectedEvent } from "../socket/socket-types.js";

/** @deprecated The {@link Socket} itself reconnects: use `Socket`. */
export type ResilientSocket = Socket;
/** @deprecated Use `SocketOptions`. */
export type ResilientSocketOptions = SocketOptions;
/** @deprecated Use `SocketEvents`. */
export type ResilientSocketEvents = SocketEvents;
/** @deprecated Use `StateChange`. */
export type ResilientStateChange = StateChange;
/** @deprecated Use `SocketChannelMessage`. */
export type ResilientChannelMessage<T extends object = JsonObject> = SocketChannelMessage<T>;

/** @deprecated Use `client.createSocket(options)`, which reconnects by default; this calls it. */
export function createResilientSocket(client: Client, options: SocketOptions = {}): Socket {
  return client.createSocket(options);
}
