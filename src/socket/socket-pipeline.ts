import type { HeraldError } from "../errors.js";
import { CatchUpLayer } from "./catch-up.js";
import { heartbeatLayer } from "./heartbeat.js";
import type { Deliver, Layer, LayerHost, Send } from "./layer.js";
import { OutboxLayer } from "./outbox.js";
import { reconnectLayer } from "./reconnect.js";
import { RestoreLayer } from "./restore.js";
import type { GapEvent, SocketOptions } from "./socket-types.js";

/** The layers of one Socket, chained over its sender and its delivery to the app. */
export interface Pipeline {
  /** In order: the first sees a request first and a message last. */
  readonly layers: readonly Layer[];
  /** Sends a request through every layer. */
  readonly send: Send;
  /** Hands an incoming channel message through every layer to the app. */
  readonly deliver: Deliver;
  readonly outbox: OutboxLayer | undefined;
  readonly catchUp: CatchUpLayer | undefined;
}

/** What the pipeline's ends and its reconnect layer are wired to. */
export interface PipelineEnds {
  /** The innermost sender: puts a request on the current connection. */
  transmit: Send;
  /** The outermost deliverer: emits the message to the app. */
  toApp: Deliver;
  /** A connection is open again after a loss, not yet restored. */
  reconnected(attempts: number): void;
  /** The server refused the session while reconnecting: close for good. */
  refused(error: HeraldError): void;
}

/**
 * Builds a Socket's layers: none with `reconnect: false`; otherwise heartbeat (unless
 * `heartbeat: false`), restore, outbox, catch-up and reconnect, in that order.
 */
export function buildPipeline(host: LayerHost, options: SocketOptions, ends: PipelineEnds): Pipeline {
  const layers: Layer[] = [];
  let outbox: OutboxLayer | undefined;
  let catchUp: CatchUpLayer | undefined;
  if (options.reconnect !== false) {
    if (options.heartbeat !== false) layers.push(heartbeatLayer(host, options.heartbeat ?? {}));
    const tracker = new CatchUpLayer(host, options.catchUp ?? {});
    // A channel not joined again has no catch-up either: what it missed is a gap.
    const forgotten = (channelId: string, error: HeraldError | undefined) => {
      tracker.forget(channelId);
      const gap: GapEvent = error
        ? { channelId, reason: "not_rejoined", error }
        : { channelId, reason: "not_rejoined" };
      host.emit("gap", gap);
    };
    layers.push(new RestoreLayer(host, forgotten));
    outbox = new OutboxLayer(host, options.outbox ?? {});
    layers.push(outbox, tracker);
    catchUp = tracker;
    layers.push(
      reconnectLayer(host, options.reconnect ?? {}, {
        reconnected: (attempts) => ends.reconnected(attempts),
        refused: (error) => ends.refused(error),
      }),
    );
  }
  const send = layers.reduceRight<Send>((next, layer) => layer.request?.(next) ?? next, ends.transmit);
  const deliver = layers.reduce<Deliver>((next, layer) => layer.push?.(next) ?? next, ends.toApp);
  return { layers, send, deliver, outbox, catchUp };
}
