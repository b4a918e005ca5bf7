import { badInput } from "../arguments.js";
import { HeraldError } from "../errors.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import type { PendingRequests } from "../protocol/pending-requests.js";
import type { Connection } from "./connection.js";
import type { Send } from "./layer.js";
import { checkSize, type ServerProfile } from "./server-profile.js";

/**
 * The innermost sender, below every layer: checks the frame against the server's limits, puts it
 * on the wire, and resolves with the reply. Without a connection it rejects with `disconnected`.
 * `connection` and `profile` are read at each request; `timeoutMs` (default 10000) is the time
 * limit of a request that gives none. (Positional: this sits in every browser bundle.)
 */
export function transmitter(
  connection: () => Connection | undefined,
  current: () => ServerProfile,
  codec: Codec,
  pending: PendingRequests,
  timeoutMs = 10_000,
): Send {
  // Not async: the reply's promise is handed back as it is, one promise and one turn fewer per
  // request. Every failure still rejects, never throws.
  return (request) => {
    const conn = connection();
    const profile = current();
    const { what, message } = request;
    if (!conn?.open) return Promise.reject(new HeraldError("disconnected", `${what}: not connected`));
    let body = message.body;
    // Stock Nakama closes a JSON connection on a field it does not know.
    if (message.kind === "channelMessageSend" && !profile.extensionFields && message.body.clientMsgId) {
      body = { channelId: message.body.channelId, content: message.body.content };
    }
    let opened: { cid: string; reply: Promise<Envelope | undefined> };
    try {
      opened = pending.open(what, request.expect, request.options, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const { cid, reply } = opened;
    try {
      // Half of a surrogate pair is no Unicode text: in JSON every server closes the socket on it,
      // and protobuf would carry U+FFFD in its place. (The values are read as one string, the
      // items of a list joined by commas; chat content is JSON text, its surrogates escaped.)
      if (/\p{Cs}/u.test(Object.values(body) as never))
        throw badInput(what, "a string holds a lone surrogate");
      const frame = codec.encodeEnvelope({ cid, kind: message.kind, body } as EnvelopeInit);
      checkSize(what, frame, profile.maxFrameBytes, "a frame");
      conn.send(frame);
    } catch (cause) {
      pending.reject(cid, HeraldError.from(cause, "disconnected", `${what}: could not send`));
    }
    return reply;
  };
}
