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
