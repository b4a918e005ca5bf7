import type { EnvelopeInit } from "../../gen/wire.js";
import type { Codec } from "../../protocol/codec.js";

/**
 * One envelope on its way to any number of sockets: encoded at most once per wire format, so a
 * broadcast to a room costs one encode per format, not one per member.
 */
export class Outgoing {
  private readonly frames = new Map<string, Buffer>();

  constructor(readonly envelope: EnvelopeInit) {}

  /** The frame bytes for `codec`'s format. */
  bytes(codec: Codec): Buffer {
    let frame = this.frames.get(codec.format);
    if (frame === undefined) {
      const encoded = codec.encodeEnvelope(this.envelope);
      frame =
        typeof encoded === "string"
          ? Buffer.from(encoded, "utf8")
          : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
      this.frames.set(codec.format, frame);
    }
    return frame;
  }
}

/**
 * The frame of a reply that means "done, nothing to return": an envelope holding only its cid
 * (`{"cid":"7"}`). The codecs always encode a message, so this one is written by hand; in protobuf
 * it is field 1 (cid), length-delimited.
 */
export function emptyReplyFrame(cid: string, codec: Codec): Buffer {
  if (!codec.binary) return Buffer.from(JSON.stringify({ cid }), "utf8");
  const text = Buffer.from(cid, "utf8");
  const header: number[] = [0x0a];
  let n = text.length;
  while (n > 0x7f) {
    header.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  header.push(n);
  return Buffer.concat([Buffer.from(header), text]);
}
