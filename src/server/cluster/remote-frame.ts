import type { Envelope, EnvelopeInit } from "../../gen/wire.js";
import type { Codec } from "../../protocol/codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";

/**
 * The protobuf encoding of a broadcast, for sending it to other nodes in a `frame` message
 * (protobuf: compact, and already what binary sockets take).
 */
export function encodeFrame(envelope: Parameters<Codec["encodeEnvelope"]>[0]): Uint8Array {
  const encoded = protobufCodec.encodeEnvelope(envelope);
  return typeof encoded === "string" ? Buffer.from(encoded, "utf8") : encoded;
}

/**
 * A broadcast that arrived from another node as protobuf bytes, on its way to this node's sockets.
 * Binary sockets get the received bytes as they are; for text sockets it is decoded once and
 * encoded once, however many sockets take it: each broadcast costs one encode per format per node.
 */
export class RemoteFrame {
  private text: Buffer | undefined;
  private decoded: Envelope | undefined;
  private readonly binary: Buffer;

  constructor(bytes: Uint8Array) {
    this.binary = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The envelope (decoded on first use); throws a `bad_input` HeraldError for corrupt bytes. */
  decode(): Envelope {
    this.decoded ??= protobufCodec.decodeEnvelope(this.binary);
    return this.decoded;
  }

  /** The envelope, as observers of outgoing frames (the operator console) read it. */
  get envelope(): EnvelopeInit {
    return this.decode();
  }

  /** The frame bytes for `codec`'s format. */
  bytes(codec: Codec): Buffer {
    if (codec.binary) return this.binary;
    if (this.text === undefined) {
      const encoded = codec.encodeEnvelope(this.decode());
      this.text = typeof encoded === "string" ? Buffer.from(encoded, "utf8") : Buffer.from(encoded);
    }
    return this.text;
  }
}
