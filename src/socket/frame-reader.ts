import { HeraldError } from "../errors.js";
import type { Emitter } from "../events.js";
import type { ChannelMessage } from "../gen/model.js";
import type { Envelope } from "../gen/wire.js";
import { readChannelMessage } from "../protocol/chat-message-reader.js";
import type { Codec } from "../protocol/codec.js";
import { jsonCodec } from "../protocol/json-codec.js";
import { parseJsonObject } from "../protocol/json-object.js";
import { toModel } from "../protocol/model.js";
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

// How a chat push in JSON begins, as herald's server and Nakama write it: `{"channel_message":`
// (the message is the envelope's only key: pushes have no cid). Three characters tell it from
// every other envelope, more cheaply than a string comparison; parsing then checks the rest.
const isChatPush = (text: string) =>
  text.charCodeAt(2) === 99 && text.charCodeAt(10) === 109 && text.charCodeAt(18) === 58;

/**
 * The message of a JSON chat push, read without the codec's general walk (chat pushes are most
 * frames a client reads); undefined for any other frame, and for anything unusual in one, which
 * the codec then reads (or refuses) as it reads every frame.
 */
function chatPush(text: string): ChannelMessage | undefined {
  if (!isChatPush(text)) return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  let keys = 0;
  for (const _ in json) keys++;
  const chat = json.channel_message;
  if (keys !== 1 || typeof chat !== "object" || chat === null || Array.isArray(chat)) return undefined;
  return readChannelMessage(chat as Record<string, unknown>) as ChannelMessage | undefined;
}

/** Hands a channel message on, its content parsed, if anyone wants it. */
function channelMessage(body: ChannelMessage, targets: FrameTargets): void {
  // Unheard messages are not converted: parsing content nobody reads is the costliest part.
  if (targets.events.listenerCount("channelMessage") || targets.catchUp?.follows(body.channelId)) {
    // The model differs from the wire message only by its parsed content (a view, made by
    // another codec, has it parsed already): done here rather than by the table walk of toModel.
    const message = body as unknown as { content: unknown };
    if (typeof message.content === "string") {
      message.content = parseJsonObject(message.content, "ChannelMessage.content");
    }
    targets.deliver(body);
  }
}

/**
 * Reads one incoming frame: a reply settles its request, a push becomes an event. An unreadable
 * frame or a failing conversion is reported as an `error` event, never thrown.
 */
export function readFrame(data: unknown, targets: FrameTargets): void {
  const { events } = targets;
  try {
    const chat = typeof data === "string" && targets.codec === jsonCodec ? chatPush(data) : undefined;
    if (chat !== undefined) {
      channelMessage(chat, targets);
      return;
    }
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
      channelMessage(body as unknown as ChannelMessage, targets);
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
