import type { Envelope, EnvelopeInit } from "../gen/wire.js";

/** Options for decoding an envelope. */
export interface DecodeOptions {
  /**
   * Skip fields and envelope messages this version does not know instead of refusing the frame.
   * The SDK uses this for server output (a newer server may add fields); the server refuses them.
   * @default false
   */
  ignoreUnknown?: boolean;
  /**
   * Accept an envelope holding only a cid, a reply that means "done", and return it as kind
   * `"empty"`. Clients set this; a server leaves it off, since a request must carry a message.
   * @default false
   */
  allowEmptyReply?: boolean;
}

/**
 * A realtime wire format. herald ships two: `jsonCodec` (text frames, the default) and
 * `protobufCodec` from `herald/protobuf` (binary frames).
 */
export interface Codec {
  /** The WebSocket URL's `format` parameter for this codec. */
  readonly format: "json" | "protobuf";
  /** Whether frames are binary. */
  readonly binary: boolean;
  /** Encodes one envelope into one frame. */
  encodeEnvelope(envelope: EnvelopeInit): string | Uint8Array;
  /**
   * Decodes one frame. Throws a HeraldError with code `bad_input` (and `serverCode` 1 for an
   * unrecognized message, 2 for none, 3 otherwise) for anything malformed; never throws anything else.
   * Encoding kind `"empty"` writes a frame holding only the cid.
   */
  decodeEnvelope(frame: string | Uint8Array | ArrayBuffer, options?: DecodeOptions): Envelope;
}
