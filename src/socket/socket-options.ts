import { checkFields } from "../arguments.js";
import type { SocketOptions } from "./socket-types.js";

// What each `createSocket()` option must be, as `checkFields` reads it (t a number 0 or more, n 1
// or more, f a function, o an object, g an object or true/false, c a codec). A heartbeat every 0 ms
// would flood the server and a frame limit of 0 would refuse every write: both at least 1.
const SPEC =
  "codec:c WebSocket:f timeoutMs:t connectTimeoutMs:t maxFrameBytes:n reconnect:g reconnect.minDelayMs:t reconnect.maxDelayMs:t reconnect.random:f heartbeat:g heartbeat.intervalMs:n heartbeat.timeoutMs:t outbox:o outbox.storage:o outbox.maxSize:t outbox.maxAttempts:t outbox.maxRetries:t outbox.retryBackoff:o outbox.retryBackoff.minDelayMs:t outbox.retryBackoff.maxDelayMs:t catchUp:o catchUp.maxPages:t";

/** Checks `createSocket()` options (null meaning none); throws HeraldError `bad_input` naming the first wrong one. */
export const checkSocketOptions = (options: SocketOptions | null | undefined): SocketOptions =>
  checkFields("createSocket", SPEC, options ?? undefined);
