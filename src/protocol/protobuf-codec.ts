import protobuf from "protobufjs/minimal.js";
import { HeraldError } from "../errors.js";
import { google, herald } from "../gen/pb.js";
import type { MessageName } from "../gen/schema.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec, DecodeOptions } from "./codec.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "./schema.js";

// The binary codec: the protobufjs-generated encoders and decoders of src/gen/pb.js, taught to
// read and write herald's wire model directly.
//
// The generated code represents wrapper fields (BoolValue, Int32Value, StringValue) as
// `{ value }` objects and Timestamps as `{ seconds, nanos }`; herald's wire model uses bare values
// and Dates. Converting whole messages before encoding and after decoding cost more than the
// encoding itself, so instead the four well-known types' encode/decode functions are replaced
// here with ones that take and return bare values and Dates. The generated code looks them up on
// each call, so every message that embeds them then speaks the wire model. What is left after
// decoding is turning protobufjs's class instances (defaults on prototypes) into plain objects.

type Obj = Record<string, unknown>;
type Reader = protobuf.Reader;
type Writer = protobuf.Writer;

/** Reads one length-delimited sub-message's fields, keeping reads inside its bounds. */
function readBounded(reader: Reader, length: number, onField: (tag: number) => void): void {
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError("index out of range");
  const outer = reader.len;
  reader.len = end;
  while (reader.pos < end) onField(reader.uint32());
  reader.len = outer;
}

function wrapper<T>(zero: T, tag: number, write: (w: Writer, v: T) => void, read: (r: Reader) => T) {
  return {
    encode(value: T, writer: Writer): Writer {
      if (value !== zero) write(writer.uint32(tag), value);
      return writer;
    },
    decode(reader: Reader, length: number): T {
      let value = zero;
      readBounded(reader, length, (t) => {
        if (t === tag) value = read(reader);
        else reader.skipType(t & 7);
      });
      return value;
    },
  };
}

const wellKnown = google.protobuf as unknown as Record<string, { encode: unknown; decode: unknown }>;
Object.assign(
  wellKnown.BoolValue as object,
  wrapper(
    false,
    8,
    (w, v) => w.bool(v),
    (r) => r.bool(),
  ),
);
Object.assign(
  wellKnown.Int32Value as object,
  wrapper(
    0,
    8,
    (w, v) => w.int32(v),
    (r) => r.int32(),
  ),
);
Object.assign(
  wellKnown.StringValue as object,
  wrapper(
    "",
    10,
    (w, v) => w.string(v),
    (r) => r.string(),
  ),
);
Object.assign(wellKnown.Timestamp as object, {
  encode(date: Date, writer: Writer): Writer {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw new HeraldError("bad_input", "timestamp: expected a valid Date", { serverCode: 3 });
    }
    const ms = date.getTime();
    const seconds = Math.floor(ms / 1000);
    const nanos = (ms - seconds * 1000) * 1e6;
    if (seconds !== 0) writer.uint32(8).int64(seconds);
    if (nanos !== 0) writer.uint32(16).int32(nanos);
    return writer;
  },
  decode(reader: Reader, length: number): Date {
    let seconds = 0;
    let nanos = 0;
    readBounded(reader, length, (t) => {
      if (t === 8) {
        const s = reader.int64() as unknown as number | { toNumber(): number };
        seconds = typeof s === "number" ? s : s.toNumber();
      } else if (t === 16) {
        nanos = reader.int32();
      } else {
        reader.skipType(t & 7);
      }
    });
    return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
  },
});

const PbEnvelope = herald.realtime.Envelope;
const envelopeInfo = messageInfo("Envelope");

// The generated oneof setter deletes every other member on each decode, which drops the envelope
// into V8's slow dictionary mode. Decoding into this target instead (the generated decoder takes
// one) only records the chosen member: the decoder sets members in frame order and the last one
// wins, as protobuf says.
class DecodedEnvelope {
  cid?: string;
  $unknowns?: Uint8Array[];
  kind: string | undefined = undefined;
  set message(name: string) {
    this.kind = name;
  }
}

/**
 * The generated decoder's full signature. Its declarations list only (reader, length); the target
 * parameter is part of the code protobufjs-cli generates (both are pinned to exact versions, and
 * the codec tests decode every envelope kind through this path).
 */
const decodeInto = PbEnvelope.decode as unknown as (
  reader: Reader,
  length: number | undefined,
  end: number | undefined,
  depth: number,
  target: DecodedEnvelope,
) => DecodedEnvelope;

interface PbType {
  encode(message: unknown, writer: Writer): Writer;
}
const pbTypes = { ...herald.api, ...herald.realtime } as unknown as Record<string, PbType>;

/** Per envelope kind: the body's generated encoder and the field's wire tag. */
const bodyEncoders: Record<string, { type: PbType; tag: number } | undefined> = Object.create(null);
for (const field of envelopeInfo.fields) {
  const type = field.type && pbTypes[field.type];
  if (type) bodyEncoders[field.camel] = { type, tag: (field.id << 3) | 2 };
}

/** A decoded protobufjs message as a plain wire-model object (own properties, zero values filled). */
function plain(info: MessageInfo, value: Obj): Obj {
  // Object.assign keeps V8's hidden classes stable (see the JSON codec).
  const out: Obj = Object.assign({}, info.template);
  for (const field of info.containers) out[field.camel] = field.repeated ? [] : {};
  // protobufjs keeps defaults on prototypes: own properties are exactly the fields the frame set.
  for (const key of Object.keys(value)) {
    const field = info.lookup[key];
    const v = value[key];
    if (field === undefined || v === undefined || v === null) continue;
    if (field.k === K.m) {
      const nested = messageInfo(field.type as MessageName);
      out[key] = field.repeated ? (v as Obj[]).map((item) => plain(nested, item)) : plain(nested, v as Obj);
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** Encodes an envelope as one binary frame. */
export function encodeProtobufEnvelope(envelope: EnvelopeInit): Uint8Array {
  if (envelope.kind === "empty") {
    if (!envelope.cid) throw new HeraldError("bad_input", "an empty reply needs a cid", { serverCode: 3 });
    return protobuf.Writer.create().uint32(10).string(envelope.cid).finish();
  }
  const body = bodyEncoders[envelope.kind];
  if (body === undefined) {
    throw new HeraldError("bad_input", `unknown envelope kind "${String(envelope.kind)}"`, { serverCode: 3 });
  }
  try {
    // The envelope is a cid (field 1) and one message field: written here directly rather than
    // through the generated Envelope.encode, which checks all eighteen oneof members.
    const writer = protobuf.Writer.create();
    if (envelope.cid) writer.uint32(10).string(envelope.cid);
    body.type.encode(envelope.body, writer.uint32(body.tag).fork()).ldelim();
    return writer.finish();
  } catch (cause) {
    if (HeraldError.is(cause)) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new HeraldError("bad_input", `${envelope.kind} cannot be encoded (${why})`, {
      serverCode: 3,
      cause,
    });
  }
}

/**
 * Decodes one binary frame into an envelope. Unknown fields beside a known message are skipped,
 * as every protobuf decoder does, so `ignoreUnknown` changes nothing here.
 */
export function decodeProtobufEnvelope(
  frame: string | Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): Envelope {
  if (typeof frame === "string") {
    throw new HeraldError("bad_input", "expected a binary protobuf frame, got text", { serverCode: 3 });
  }
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  let decoded: DecodedEnvelope;
  try {
    const reader = protobuf.Reader.create(bytes);
    // Keep unknown fields so a frame holding only a message we do not know can be told from an
    // empty one; nested unknown fields are dropped when copying into plain objects.
    reader.discardUnknown = false;
    decoded = decodeInto(reader, undefined, undefined, 0, new DecodedEnvelope());
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new HeraldError("bad_input", `envelope is not valid protobuf (${why})`, { serverCode: 3, cause });
  }
  const kind = decoded.kind;
  if (!kind) {
    if (decoded.$unknowns?.length) {
      throw new HeraldError("bad_input", "envelope: unrecognized message", { serverCode: 1 });
    }
    if (decoded.cid && options.allowEmptyReply) return { cid: decoded.cid, kind: "empty", body: {} };
    throw new HeraldError("bad_input", "envelope: no message", { serverCode: 2 });
  }
  const field = envelopeInfo.lookup[kind] as FieldInfo;
  const body = plain(messageInfo(field.type as MessageName), (decoded as unknown as Obj)[kind] as Obj);
  return (decoded.cid ? { cid: decoded.cid, kind, body } : { kind, body }) as Envelope;
}

/** The protobuf wire format (binary frames, `format=protobuf`). */
export const protobufCodec: Codec = {
  format: "protobuf",
  binary: true,
  encodeEnvelope: encodeProtobufEnvelope,
  decodeEnvelope: decodeProtobufEnvelope,
};
