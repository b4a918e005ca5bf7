import { badInput, describeValue, isRecord } from "../arguments.js";
import type { SocketOptions } from "./socket-types.js";

// `createSocket()` options as a JavaScript caller may get them wrong. Left unchecked, a NaN or
// negative time would mean "no limit" or a timer firing every millisecond (a heartbeat of -1 pings
// the server non-stop), and a wrong type would fail only at connect(), far from its cause.

const WHAT = "createSocket";

/** A number of milliseconds or a count: 0 or more (Infinity allowed), never NaN. */
function checkCount(path: string, v: unknown, min = 0): void {
  if (v !== undefined && !(typeof v === "number" && v >= min)) {
    throw badInput(
      WHAT,
      `${path} must be a number, ${min} or more, got ${typeof v === "number" ? v : describeValue(v)}`,
    );
  }
}

function checkFunction(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== "function") {
    throw badInput(WHAT, `${path} must be a function, got ${describeValue(v)}`);
  }
}

/** An options group that may be left out, given as an object, or (where `switchable`) true or false. */
function group(path: string, v: unknown, switchable: boolean): Record<string, unknown> {
  if (v === undefined || (switchable && typeof v === "boolean")) return {};
  if (!isRecord(v)) {
    throw badInput(
      WHAT,
      `${path} must be an object${switchable ? " or false" : ""}, got ${describeValue(v)}`,
    );
  }
  return v;
}

/** Checks `createSocket()` options; throws HeraldError `bad_input` naming the first wrong one. */
export function checkSocketOptions(options: unknown): SocketOptions {
  if (options === undefined || options === null) return {};
  if (!isRecord(options)) throw badInput(WHAT, `options must be an object, got ${describeValue(options)}`);
  const o = options as Record<string, unknown>;
  const codec = o.codec;
  if (
    codec !== undefined &&
    !(
      isRecord(codec) &&
      typeof codec.encodeEnvelope === "function" &&
      typeof codec.decodeEnvelope === "function"
    )
  ) {
    throw badInput(WHAT, "codec must be a codec (jsonCodec, or protobufCodec from herald/protobuf)");
  }
  checkFunction("WebSocket", o.WebSocket);
  checkCount("timeoutMs", o.timeoutMs);
  checkCount("connectTimeoutMs", o.connectTimeoutMs);
  checkCount("maxFrameBytes", o.maxFrameBytes, 1);
  const reconnect = group("reconnect", o.reconnect, true);
  checkCount("reconnect.minDelayMs", reconnect.minDelayMs);
  checkCount("reconnect.maxDelayMs", reconnect.maxDelayMs);
  checkFunction("reconnect.random", reconnect.random);
  const heartbeat = group("heartbeat", o.heartbeat, true);
  // A heartbeat every 0 ms would flood the server: at least 1.
  checkCount("heartbeat.intervalMs", heartbeat.intervalMs, 1);
  checkCount("heartbeat.timeoutMs", heartbeat.timeoutMs);
  const outbox = group("outbox", o.outbox, false);
  checkCount("outbox.maxSize", outbox.maxSize);
  checkCount("outbox.maxAttempts", outbox.maxAttempts);
  checkCount("outbox.maxRetries", outbox.maxRetries);
  const retry = group("outbox.retryBackoff", outbox.retryBackoff, false);
  checkCount("outbox.retryBackoff.minDelayMs", retry.minDelayMs);
  checkCount("outbox.retryBackoff.maxDelayMs", retry.maxDelayMs);
  checkCount("catchUp.maxPages", group("catchUp", o.catchUp, false).maxPages);
  return o as SocketOptions;
}
