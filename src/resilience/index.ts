/**
 * herald/resilience: a socket that survives lost connections.
 *
 * ```ts
 * import { createResilientSocket } from "herald/resilience";
 * const socket = createResilientSocket(client, { reconnect: { minDelayMs: 500, maxDelayMs: 30_000 } });
 * socket.onState(({ state, reason }) => console.log(state, reason));
 * await socket.connect(session, { appearOnline: true });
 * ```
 * @module
 */

export { type ReconnectOptions, retryDelay } from "./backoff.js";
export { MemoryOutboxStorage, type OutboxEntry, type OutboxOptions, type OutboxStorage } from "./outbox.js";
export {
  createResilientSocket,
  type GapEvent,
  type HeartbeatOptions,
  type ReconnectedEvent,
  type ResilientChannelMessage,
  ResilientSocket,
  type ResilientSocketEvents,
  type ResilientSocketOptions,
  type ResilientStateChange,
} from "./resilient-socket.js";
