import protobuf from "protobufjs/minimal.js";
import { HeraldError } from "../errors.js";
import { herald } from "../gen/pb.js";
import type { MessageName } from "../gen/schema.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec, DecodeOptions } from "./codec.js";
import { type FieldInfo, K, messageInfo } from "./schema.js";

// The binary codec: protobufjs-generated encode/decode (src/gen/pb.js) plus an adapter between the
// generated objects (wrappers as {value}, Timestamps as {seconds, nanos}) and herald's wire model
// (bare wrapper values, Dates), driven by the same field tables as the JSON codec.

type Obj = Record<string, unknown>;
const PbEnvelope = herald.realtime.Envelope;
const envelopeInfo = messageInfo("Envelope");

function toPbValue(field: FieldInfo, v: unknown): unknown {
  switch (field.kind) {
    case "ws":
    case "wb":
    case "wi":
      return { value: v };
    case "t": {
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) {
        throw new HeraldError("bad_input", `${field.camel}: expected a valid Date`, { serverCode: 3 });
      }
      const ms = v.getTime();
      const seconds = Math.floor(ms / 1000);
      return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
    }
    case "l":
      return Number(v);
    case "m":
      return toPb(field.type as MessageName, v as Obj);
    default:
      return v;
  }
}

/** A wire-model message as the plain object protobufjs's static encoders take. */
function toPb(name: MessageName, value: Obj): Obj {
  const out: Obj = {};
  for (const field of messageInfo(name).fields) {
    const v = value[field.camel];
    if (v === undefined || v === null) continue;
    out[field.camel] = field.repeated
      ? (v as unknown[]).map((item) => toPbValue(field, item))
      : toPbValue(field, v);
  }
  return out;
}

function fromPbValue(field: FieldInfo, v: unknown): unknown {
  switch (field.kind) {
    case "ws":
    case "wb":
    case "wi":
      return (v as { value: unknown }).value;
    case "t": {
      const t = v as { seconds: number; nanos: number };
      return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6));
    }
    case "l":
      return String(v);
    case "m":
      return fromPb(field.type as MessageName, v as Obj);
    case "M":
      return { ...(v as Obj) };
    default:
      return v;
  }
}

/** A decoded protobufjs message as a wire-model object, zero values filled in. */
function fromPb(name: MessageName, value: Obj): Obj {
  const info = messageInfo(name);
  // Start from the zero-value template (Object.assign keeps V8's hidden classes stable, see the
  // JSON codec) and overwrite what the frame set; protobufjs keeps defaults on its prototypes.
  const out: Obj = Object.assign({}, info.template);
  for (const field of info.fields) {
    if (!Object.hasOwn(value, field.camel)) {
      if (field.repeated || field.k === K.M) out[field.camel] = field.repeated ? [] : {};
      continue;
    }
    const v = value[field.camel];
    if (v === undefined || v === null) continue;
    if (field.repeated) {
      const list = v as unknown[];
      const copy = new Array(list.length);
      for (let i = 0; i < list.length; i++) copy[i] = fromPbValue(field, list[i]);
      out[field.camel] = copy;
    } else {
      out[field.camel] = fromPbValue(field, v);
    }
  }
  return out;
}

/** Encodes an envelope as one binary frame. */
export function encodeProtobufEnvelope(envelope: EnvelopeInit): Uint8Array {
  const field = envelopeInfo.byName.get(envelope.kind);
  if (field?.kind !== "m") {
    throw new HeraldError("bad_input", `unknown envelope kind "${String(envelope.kind)}"`, { serverCode: 3 });
  }
  const message: Obj = { [field.camel]: toPb(field.type as MessageName, envelope.body as Obj) };
  if (envelope.cid) message.cid = envelope.cid;
  return PbEnvelope.encode(message as herald.realtime.Envelope.$Properties).finish();
}

/** Decodes one binary frame into an envelope. */
// Unknown fields beside a known message are skipped, as every protobuf decoder does, so the
// decode options change nothing here; they exist for the JSON codec, where names are checked.
export function decodeProtobufEnvelope(
  frame: string | Uint8Array | ArrayBuffer,
  _options?: DecodeOptions,
): Envelope {
  if (typeof frame === "string") {
    throw new HeraldError("bad_input", "expected a binary protobuf frame, got text", { serverCode: 3 });
  }
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  let decoded: herald.realtime.Envelope;
  try {
    const reader = protobuf.Reader.create(bytes);
    // Keep unknown fields so a frame holding only a message we do not know can be told from an
    // empty one; nested unknown fields are dropped by the adapter.
    reader.discardUnknown = false;
    decoded = PbEnvelope.decode(reader);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new HeraldError("bad_input", `envelope is not valid protobuf (${why})`, { serverCode: 3, cause });
  }
  const kind = decoded.message;
  if (!kind) {
    if (decoded.$unknowns?.length) {
      throw new HeraldError("bad_input", "envelope: unrecognized message", { serverCode: 1 });
    }
    throw new HeraldError("bad_input", "envelope: no message", { serverCode: 2 });
  }
  const field = envelopeInfo.byName.get(kind) as FieldInfo;
  const body = fromPb(field.type as MessageName, (decoded as unknown as Obj)[kind] as Obj);
  return (decoded.cid ? { cid: decoded.cid, kind, body } : { kind, body }) as Envelope;
}

/** The protobuf wire format (binary frames, `format=protobuf`). */
export const protobufCodec: Codec = {
  format: "protobuf",
  binary: true,
  encodeEnvelope: encodeProtobufEnvelope,
  decodeEnvelope: decodeProtobufEnvelope,
};
