import { HeraldError } from "../errors.js";
import type { Emitter } from "../events.js";
import type { Envelope } from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import { chatModel, toModel } from "../protocol/model.js";
import { type PendingRequests, refusal } from "../protocol/pending-requests.js";
import type { CatchUpLayer } from "./catch-up.js";
import type { Deliver } from "./layer.js";
import type { SocketEvents } from "./socket-types.js";

// Push kinds the socket turns into events: [event name, model name].
const pushes = {
  statusPresenceEvent: ["statusPresence", "StatusPresenceEvent"],
  channelPresenceEvent: ["channelPresence", "ChannelPresenceEvent"],
} as const;

/** Where a Socket's incoming frames go. */
export interface FrameTargets {
  readonly codec: Codec;
  /** Replies settle the request with their cid. */
  readonly pending: PendingRequests;
  /** Pushes other than channel messages become events here. */
  readonly events: Emitter<SocketEvents>;
  /** Channel messages go through the layers. */
  readonly deliver: Deliver;
  /** Catch-up wants a channel's messages even when the app has no listener. */
  readonly catchUp: CatchUpLayer | undefined;
}

const READ_OPTIONS = { ignoreUnknown: true, allowEmptyReply: true } as const;

/**
 * Reads one incoming frame: a reply settles its request, a push becomes an event. An unreadable
 * frame or a failing conversion is reported as an `error` event, never thrown.
 */
export function readFrame(data: unknown, targets: FrameTargets): void {
  const { events } = targets;
  try {
    let envelope: Envelope;
    try {
      envelope = targets.codec.decodeEnvelope(data as string | Uint8Array | ArrayBuffer, READ_OPTIONS);
    } catch (cause) {
      throw new HeraldError("server_error", "unreadable frame", { cause });
    }
    const { cid, kind, body } = envelope;
    if (cid !== undefined) {
      targets.pending.settle(cid, kind === "empty" ? undefined : envelope);
    } else if (kind === "channelMessage") {
      // Unheard messages are not converted: parsing content nobody reads is the costliest part.
      if (events.listenerCount("channelMessage") || targets.catchUp?.follows(body.channelId)) {
        targets.deliver(chatModel(body));
      }
    } else if (kind === "notifications") {
      for (const n of toModel("Notifications", body).notifications) events.emit("notification", n);
    } else if (kind === "error") {
      events.emit("error", refusal(body, "server error"));
    } else if (kind in pushes) {
      // Other kinds (replies without a cid, newer messages) carry nothing for this version.
      const [event, model] = pushes[kind as keyof typeof pushes];
      if (events.listenerCount(event)) events.emit(event, toModel(model, body as never) as never);
    }
  } catch (error) {
    events.emit("error", HeraldError.from(error));
  }
}
