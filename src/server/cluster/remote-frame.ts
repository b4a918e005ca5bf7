import type { Envelope, EnvelopeInit } from "../../gen/wire.js";
import type { Codec } from "../../protocol/codec.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import type { ClusterMessage } from "./cluster-adapter.js";

type FrameMessage = Extract<ClusterMessage, { kind: "frame" }>;

/** A broadcast on its way to this node's sockets (the services' `Outgoing`). */
export interface LocalBroadcast {
  /** The bytes already encoded in the binary or the text format, if any. */
  encoded(binary: boolean): Buffer | undefined;
  /** The bytes in `codec`'s format (encoded on first use). */
  bytes(codec: Codec): Buffer;
}

function toBuffer(encoded: string | Uint8Array): Buffer {
  return typeof encoded === "string"
    ? Buffer.from(encoded, "utf8")
    : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/**
 * The protobuf encoding of a broadcast, for sending it to other nodes in a `frame` message
 * (protobuf: compact, and already what binary sockets take).
 */
export function encodeFrame(envelope: Parameters<Codec["encodeEnvelope"]>[0]): Uint8Array {
  return toBuffer(protobufCodec.encodeEnvelope(envelope));
}

/**
 * The `frame` message of a broadcast this node has just written to its own sockets: it carries the
 * encodings already made for them (JSON, protobuf or both), so that no node encodes a format twice;
 * a broadcast that no local socket took crosses in protobuf.
 */
export function frameOf(out: LocalBroadcast): FrameMessage {
  const text = out.encoded(false);
  const bytes = out.encoded(true);
  if (text === undefined && bytes === undefined) return { kind: "frame", bytes: out.bytes(protobufCodec) };
  const frame: FrameMessage = { kind: "frame" };
  if (text !== undefined) frame.text = text;
  if (bytes !== undefined) frame.bytes = bytes;
  return frame;
}

/**
 * A broadcast that arrived from another node, on its way to this node's sockets. Sockets get the
 * received bytes of their format as they are; a format that did not cross is decoded from the
 * other once and encoded once, however many sockets take it: each broadcast costs at most one
 * encode per format per node.
 */
export class RemoteFrame {
  private text: Buffer | undefined;
  private binary: Buffer | undefined;
  private decoded: Envelope | undefined;
  /** A stored message's seq in its channel's history, as it crossed (see `Outgoing.storedSeq`). */
  storedSeq: number | undefined;

  /** @param frame the frame's encodings: protobuf `bytes`, JSON `text`, or both (at least one). */
  constructor(frame: Uint8Array | { bytes?: Uint8Array; text?: Uint8Array }) {
    const { bytes, text } = frame instanceof Uint8Array ? { bytes: frame, text: undefined } : frame;
    if (bytes !== undefined) this.binary = toBuffer(bytes);
    if (text !== undefined) this.text = toBuffer(text);
  }

  /** The envelope (decoded on first use); throws a `bad_input` HeraldError for corrupt bytes. */
  decode(): Envelope {
    if (this.decoded === undefined) {
      this.decoded =
        this.binary !== undefined
          ? protobufCodec.decodeEnvelope(this.binary)
          : jsonCodec.decodeEnvelope((this.text as Buffer).toString("utf8"));
    }
    return this.decoded;
  }

  /** The envelope, as observers of outgoing frames (the operator console) read it. */
  get envelope(): EnvelopeInit {
    return this.decode();
  }

  /** The frame bytes for `codec`'s format. */
  bytes(codec: Codec): Buffer {
    if (codec.binary) {
      this.binary ??= toBuffer(codec.encodeEnvelope(this.decode()));
      return this.binary;
    }
    this.text ??= toBuffer(codec.encodeEnvelope(this.decode()));
    return this.text;
  }
}
