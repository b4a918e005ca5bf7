import { HeraldError } from "../errors.js";
import type { Layer, LayerHost } from "./layer.js";
import type { HeartbeatOptions } from "./socket-types.js";

/**
 * Sends a protocol ping on the current connection; resolves when its pong is in. Every frame the
 * server sent before that pong has come in before it.
 */
export const ping = (host: LayerHost, timeoutMs: number): Promise<unknown> =>
  host.transmit({
    what: "ping",
    message: { kind: "ping", body: {} },
    expect: "pong",
    options: { timeoutMs },
  });

/**
 * Pings the server while the connection is open; a ping unanswered within `timeoutMs` means the
 * connection is dead though nothing closed it (a network that swallows packets), so it is cut and
 * the reconnect layer takes over.
 */
export function heartbeatLayer(host: LayerHost, options: HeartbeatOptions): Layer {
  const intervalMs = options.intervalMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const beat = (generation: number) => {
    stop();
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        await ping(host, timeoutMs);
      } catch (error) {
        if (generation === host.generation && HeraldError.is(error, "timeout")) host.cut("heartbeat timeout");
        return;
      }
      if (generation === host.generation) beat(generation);
    }, intervalMs);
  };
  return {
    // Started on the raw connection, before restore: a restore stuck on a dead connection is noticed too.
    restore: async () => beat(host.generation),
    opened: (reconnected) => {
      if (!reconnected) beat(host.generation);
    },
    lost: stop,
    closed: stop,
  };
}
