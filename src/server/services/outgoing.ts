import type { EnvelopeInit } from "../../gen/wire.js";
import type { Codec } from "../../protocol/codec.js";

function toBuffer(encoded: string | Uint8Array): Buffer {
  return typeof encoded === "string"
    ? Buffer.from(encoded, "utf8")
    : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/**
 * One envelope on its way to any number of sockets: encoded at most once per wire format, so a
 * broadcast to a room costs one encode per format, not one per member.
 */
export class Outgoing {
  private text: Buffer | undefined;
  private binary: Buffer | undefined;
  /**
   * A stored message's seq in its channel's history (not set on edits and removals), for
   * observers that match what passes against reads of the message table (the console's counts).
   */
  storedSeq: number | undefined;

  constructor(readonly envelope: EnvelopeInit) {}

  /** The bytes already encoded in the binary or the text format, if any (nothing is encoded here). */
  encoded(binary: boolean): Buffer | undefined {
    return binary ? this.binary : this.text;
  }

  /** The frame bytes for `codec`'s format. */
  bytes(codec: Codec): Buffer {
    if (codec.binary) {
      this.binary ??= toBuffer(codec.encodeEnvelope(this.envelope));
      return this.binary;
    }
    this.text ??= toBuffer(codec.encodeEnvelope(this.envelope));
    return this.text;
  }
}
