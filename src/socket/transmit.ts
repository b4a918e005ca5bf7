import { HeraldError } from "../errors.js";
import type { EnvelopeInit } from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import type { PendingRequests } from "../protocol/pending-requests.js";
import type { Connection } from "./connection.js";
import type { Send } from "./layer.js";
import { checkFrame, type ServerProfile } from "./server-profile.js";

/** What the innermost sender reads at each request: the live connection and server profile. */
export interface TransmitParts {
  connection(): Connection | undefined;
  profile(): ServerProfile;
  codec: Codec;
  pending: PendingRequests;
  /** The time limit of a request that gives none. @default 10000 */
  timeoutMs: number | undefined;
}

/**
 * The innermost sender, below every layer: checks the frame against the server's limits, puts it
 * on the wire, and resolves with the reply. Without a connection it rejects with `disconnected`.
 */
export function transmitter(parts: TransmitParts): Send {
  const { codec, pending } = parts;
  const timeoutMs = parts.timeoutMs ?? 10_000;
  return async (request) => {
    const conn = parts.connection();
    const profile = parts.profile();
    const { what, message } = request;
    if (!conn?.open) throw new HeraldError("disconnected", `${what}: not connected`);
    let body = message.body;
    // Stock Nakama closes a JSON connection on a field it does not know.
    if (message.kind === "channelMessageSend" && !profile.extensionFields && message.body.clientMsgId) {
      body = { channelId: message.body.channelId, content: message.body.content };
    }
    const { cid, reply } = pending.open(what, request.expect, request.options, timeoutMs);
    try {
      const frame = codec.encodeEnvelope({ cid, kind: message.kind, body } as EnvelopeInit);
      checkFrame(what, frame, profile);
      conn.send(frame);
    } catch (cause) {
      pending.reject(cid, HeraldError.from(cause, "disconnected", `${what}: could not send`));
    }
    return reply;
  };
}
