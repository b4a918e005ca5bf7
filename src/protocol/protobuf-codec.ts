import { HeraldError } from "../errors.js";
import type { MessageName } from "../gen/schema.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec, DecodeOptions } from "./codec.js";
import { setMapEntry } from "./map-entry.js";
import { ProtoReader, ProtoWriter } from "./protobuf-wire.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "./schema.js";

// The binary codec: one reflection-style walk over the generated field tables (the same tables
// that drive the JSON codec), on top of the small reader and writer of ./protobuf-wire.ts.
// Nothing is registered anywhere: herald uses no protobuf runtime, so the shared registry that
// an app's own generated protobufjs modules fill and patch cannot change herald's types, nor
// herald theirs.
//
// Wrapper types (BoolValue, Int32Value, StringValue) are bare values in herald's wire model and
// Timestamps are Dates: the walk reads and writes them directly, without intermediate objects.

type Obj = Record<string, unknown>;
type Reader = ProtoReader;
type Writer = ProtoWriter;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

function fail(message: string, serverCode = 3): never {
  throw new HeraldError("bad_input", message, { serverCode });
}

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`);

function wrongType(field: FieldInfo, what: string, v: unknown): never {
  return fail(`${field.camel}: expected ${what}, got ${describe(v)}`);
}

/** Whether a field's values travel as varints (bool, int32, enum), the only packable kinds here. */
const isVarint = (field: FieldInfo) => field.k === K.b || field.k === K.i;

// ---------- encode ----------

function writeTimestamp(writer: Writer, field: FieldInfo, v: unknown): void {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) fail(`${field.camel}: expected a valid Date`);
  const ms = v.getTime();
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1e6;
  writer.fork();
  if (seconds !== 0) writer.uint32(8).int64(seconds);
  if (nanos !== 0) writer.uint32(16).int32(nanos);
  writer.ldelim();
}

/** Writes one value of a length-delimited kind (everything but bool and int32), tag included. */
function writeValue(writer: Writer, field: FieldInfo, tag: number, v: unknown): void {
  switch (field.k) {
    case K.s:
      if (typeof v !== "string") wrongType(field, "a string", v);
      writer.uint32(tag).string(v);
      return;
    case K.ws:
      if (typeof v !== "string") wrongType(field, "a string", v);
      writer.uint32(tag).fork();
      if (v !== "") writer.uint32(10).string(v);
      writer.ldelim();
      return;
    case K.wb:
      if (typeof v !== "boolean") wrongType(field, "a boolean", v);
      writer.uint32(tag).fork();
      if (v) writer.uint32(8).bool(true);
      writer.ldelim();
      return;
    case K.wi:
      if (typeof v !== "number" || (v | 0) !== v) wrongType(field, "a 32-bit integer", v);
      writer.uint32(tag).fork();
      if (v !== 0) writer.uint32(8).int32(v);
      writer.ldelim();
      return;
    case K.t:
      writeTimestamp(writer.uint32(tag), field, v);
      return;
    case K.M:
      if (typeof v !== "object" || v === null || Array.isArray(v)) wrongType(field, "an object", v);
      // A map is a repeated entry message of key (1) and value (2).
      for (const key in v) {
        const item = (v as Obj)[key];
        if (typeof item !== "string") wrongType(field, "string values", item);
        writer.uint32(tag).fork();
        if (key !== "") writer.uint32(10).string(key);
        if (item !== "") writer.uint32(18).string(item);
        writer.ldelim();
      }
      return;
    default:
      if (typeof v !== "object" || v === null || Array.isArray(v)) wrongType(field, "an object", v);
      writer.uint32(tag).fork();
      writeMessage(writer, field.nested ?? messageInfo(field.type as MessageName), v as Obj);
      writer.ldelim();
  }
}

function writeVarint(writer: Writer, field: FieldInfo, v: unknown): void {
  if (field.k === K.b) {
    if (typeof v !== "boolean") wrongType(field, "a boolean", v);
    writer.bool(v);
  } else {
    if (typeof v !== "number" || (v | 0) !== v) wrongType(field, "a 32-bit integer", v);
    writer.int32(v);
  }
}

function writeMessage(writer: Writer, info: MessageInfo, value: Obj): void {
  for (const field of info.fields) {
    const v = value[field.camel];
    if (v === undefined || v === null) continue;
    if (field.repeated) {
      if (!Array.isArray(v)) fail(`${field.camel}: expected an array, got ${describe(v)}`);
      if (v.length === 0) continue;
      if (isVarint(field)) {
        // proto3 packs repeated scalars by default.
        writer.uint32((field.id << 3) | WIRE_LEN).fork();
        for (const item of v) writeVarint(writer, field, item);
        writer.ldelim();
      } else {
        const tag = (field.id << 3) | WIRE_LEN;
        for (const item of v) writeValue(writer, field, tag, item);
      }
    } else if (isVarint(field)) {
      // proto3 leaves out scalars holding their zero value; the type is still checked.
      if (v === false || v === 0) continue;
      writer.uint32((field.id << 3) | WIRE_VARINT);
      writeVarint(writer, field, v);
    } else if (!(field.k === K.s && v === "")) {
      writeValue(writer, field, (field.id << 3) | WIRE_LEN, v);
    }
  }
}

/** A message (camelCase object, as the Init types describe) as protobuf bytes. */
export function encodeMessageProtobuf(name: MessageName, value: object): Uint8Array {
  return written((writer) => writeMessage(writer, messageInfo(name), value as Obj));
}

/** Runs `write` on a new writer and returns the bytes. */
function written(write: (writer: Writer) => void): Uint8Array {
  const writer = new ProtoWriter();
  try {
    write(writer);
  } catch (error) {
    writer.finish(); // hands the writer's buffer back for the next encoding
    throw error;
  }
  return writer.finish();
}

// ---------- decode ----------

/**
 * Reads a length prefix and limits the reader to that many bytes; returns where they end. The
 * caller restores `reader.len` (saved before) once it has read them. No closure: this runs for
 * every nested message, timestamp and wrapper.
 */
function enter(reader: Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) fail("a length prefix points past the end of the frame");
  reader.len = end;
  return end;
}

function readTimestamp(reader: Reader, end: number): Date {
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 8) {
      seconds = reader.int64();
    } else if (tag === 16) {
      nanos = reader.int32();
    } else {
      reader.skipType(tag & 7);
    }
  }
  const date = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
  if (Number.isNaN(date.getTime())) fail("a timestamp is out of range");
  return date;
}

/** Reads a wrapper message's `value` (field 1); its zero value when absent. */
function readWrapper(reader: Reader, end: number, k: number): unknown {
  let value: unknown = k === K.ws ? "" : k === K.wb ? false : 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (k === K.ws && tag === 10) value = reader.string();
    else if (k === K.wb && tag === 8) value = reader.bool();
    else if (k === K.wi && tag === 8) value = reader.int32();
    else reader.skipType(tag & 7);
  }
  return value;
}

function readMapEntry(reader: Reader, end: number, into: Record<string, string>): void {
  let key = "";
  let value = "";
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) key = reader.string();
    else if (tag === 18) value = reader.string();
    else reader.skipType(tag & 7);
  }
  setMapEntry(into, key, value);
}

/** Reads one length-delimited value of a field (the tag has been read). */
function readValue(reader: Reader, field: FieldInfo, out: Obj): unknown {
  switch (field.k) {
    case K.s:
      return reader.string();
    default: {
      // Timestamps, wrappers, map entries and messages: a length-delimited message of its own.
      const outer = reader.len;
      const end = enter(reader);
      let value: unknown;
      if (field.k === K.t) value = readTimestamp(reader, end);
      else if (field.k === K.M) {
        value = out[field.camel];
        readMapEntry(reader, end, value as Record<string, string>);
      } else if (field.k !== K.m) value = readWrapper(reader, end, field.k);
      else value = readMessage(reader, end, field.nested ?? messageInfo(field.type as MessageName));
      reader.len = outer;
      return value;
    }
  }
}

function readMessage(reader: Reader, end: number, info: MessageInfo): Obj {
  // Object.assign keeps V8's hidden classes stable (see the JSON codec).
  const out: Obj = Object.assign({}, info.template);
  for (const field of info.containers) out[field.camel] = field.repeated ? [] : {};
  const fields = info.byNumber;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = fields[tag >>> 3];
    if (field === undefined) {
      // Fields of a newer version are skipped, as every protobuf decoder does.
      reader.skipType(wire);
      continue;
    }
    if (isVarint(field)) {
      const read = field.k === K.b ? () => reader.bool() : () => reader.int32();
      if (wire === WIRE_VARINT) {
        if (field.repeated) (out[field.camel] as unknown[]).push(read());
        else out[field.camel] = read();
        continue;
      }
      if (wire === WIRE_LEN && field.repeated) {
        const list = out[field.camel] as unknown[];
        const outer = reader.len;
        const stop = enter(reader);
        while (reader.pos < stop) list.push(read());
        reader.len = outer;
        continue;
      }
    } else if (wire === WIRE_LEN) {
      const value = readValue(reader, field, out);
      if (field.repeated) (out[field.camel] as unknown[]).push(value);
      else out[field.camel] = value;
      continue;
    }
    fail(`${info.name}.${field.name}: unexpected wire type ${wire}`);
  }
  return out;
}

/** Decodes protobuf bytes into a message, as the JSON codec's `messageFromJson` does from JSON. */
export function messageFromProtobuf<T = Obj>(name: MessageName, bytes: Uint8Array): T {
  return decodeGuarded(() => {
    const reader = new ProtoReader(bytes);
    return readMessage(reader, reader.len, messageInfo(name)) as T;
  });
}

/** Runs a decode; the reader throws typed errors, this also types anything unforeseen. */
function decodeGuarded<T>(run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (HeraldError.is(cause)) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new HeraldError("bad_input", `envelope is not valid protobuf (${why})`, { serverCode: 3, cause });
  }
}

// ---------- envelopes ----------

const envelopeInfo = messageInfo("Envelope");
const envelopeFields = envelopeInfo.byNumber;

/** Encodes an envelope as one binary frame. */
export function encodeProtobufEnvelope(envelope: EnvelopeInit): Uint8Array {
  if (envelope.kind === "empty") {
    if (!envelope.cid) fail("an empty reply needs a cid");
    const cid = envelope.cid;
    return written((writer) => writer.uint32(10).string(cid));
  }
  const field = envelopeInfo.lookup[envelope.kind];
  if (field?.k !== K.m) fail(`unknown envelope kind "${String(envelope.kind)}"`);
  const body = envelope.body as unknown;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    fail(`${envelope.kind}: expected an object, got ${describe(body)}`);
  }
  return written((writer) => {
    if (envelope.cid) writer.uint32(10).string(envelope.cid);
    writer.uint32((field.id << 3) | WIRE_LEN).fork();
    writeMessage(writer, field.nested as MessageInfo, body as Obj);
    writer.ldelim();
  });
}

/**
 * Decodes one binary frame into an envelope. Unknown fields beside a known message are skipped,
 * as every protobuf decoder does, so `ignoreUnknown` changes nothing here.
 */
export function decodeProtobufEnvelope(
  frame: string | Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): Envelope {
  if (typeof frame === "string") fail("expected a binary protobuf frame, got text");
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  return decodeGuarded(() => {
    const reader = new ProtoReader(bytes);
    let cid: string | undefined;
    let kind: FieldInfo | undefined;
    let body: Obj | undefined;
    let unknown = false;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = envelopeFields[tag >>> 3];
      if (field === undefined || (tag & 7) !== WIRE_LEN) {
        unknown = true;
        reader.skipType(tag & 7);
      } else if (field.k === K.s) {
        cid = reader.string();
      } else {
        // Members of the message oneof: the last one in the frame wins, as protobuf says.
        kind = field;
        const outer = reader.len;
        const end = enter(reader);
        body = readMessage(reader, end, field.nested as MessageInfo);
        reader.len = outer;
      }
    }
    if (kind === undefined || body === undefined) {
      if (unknown) fail("envelope: unrecognized message", 1);
      if (cid && options.allowEmptyReply) return { cid, kind: "empty", body: {} } as Envelope;
      fail("envelope: no message", 2);
    }
    return (cid ? { cid, kind: kind.camel, body } : { kind: kind.camel, body }) as Envelope;
  });
}

/** The protobuf wire format (binary frames, `format=protobuf`). */
export const protobufCodec: Codec = {
  format: "protobuf",
  binary: true,
  encodeEnvelope: encodeProtobufEnvelope,
  decodeEnvelope: decodeProtobufEnvelope,
};
