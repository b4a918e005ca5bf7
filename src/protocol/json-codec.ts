import { describeValue as describe, isRecord } from "../arguments.js";
import { HeraldError } from "../errors.js";
import type { MessageName } from "../gen/schema.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import { readChannelMessage } from "./chat-message-reader.js";
import type { Codec, DecodeOptions } from "./codec.js";
import { type FieldInfo, K, type MessageInfo, messageInfo } from "./schema.js";
import { formatTimestamp, parseTimestamp } from "./timestamp.js";

// JSON as Nakama speaks it (the protobuf JSON mapping): snake_case names (camelCase accepted on
// input), zero values omitted, wrappers as bare values, int64 as strings, enums as numbers,
// Timestamps as RFC 3339 strings.
//
// This is the SDK's hot path, so it is written for speed: one table-driven implementation (small
// in the browser bundle) that encodes straight to JSON text without an intermediate object and
// decodes from a per-message template with integer kind switches.

type Obj = Record<string, unknown>;

const INT_STRING = /^-?\d+$/;
// Characters JSON.stringify would escape (controls, quote, backslash) or check (surrogates).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Throws HeraldError `bad_input` (the realtime code `serverCode`, default 3 INVALID_ARGUMENT). */
export function fail(message: string, serverCode = 3, cause?: unknown): never {
  throw new HeraldError("bad_input", message, { serverCode, cause });
}

/** Refuses (`bad_input`) a value at `where` that should be a list. */
export function checkArray(where: string, v: unknown): asserts v is unknown[] {
  if (!Array.isArray(v)) fail(`${where}: expected an array, got ${describe(v)}`);
}

// ---------- scalars ----------

// Plain and wrapped strings, booleans and 32-bit integers are checked alike in both directions:
// a kind's "scalar group" (0 string, 1 boolean, 2 integer) picks its JavaScript type and the words
// an error uses for it.
const SCALAR_TYPES = ["string", "boolean", "number"];
const SCALAR_WORDS = ["a string", "a boolean", "a 32-bit integer"];

/** The scalar group of a field kind (plain kinds are 0 to 2, wrappers 9 to 11), or -1. */
const scalarGroup = (k: number) => (k < K.t ? k : k > K.t && k < K.M ? k - K.ws : -1);

/** Whether `v` is a value of scalar group `group`. */
const fits = (group: number, v: unknown) =>
  typeof v === SCALAR_TYPES[group] && (group < 2 || ((v as number) | 0) === v);

// ---------- encode ----------

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Refuses a value of the wrong type while encoding. */
function wrongType(field: FieldInfo, what: string, v: unknown): never {
  return fail(`${field.camel}: expected ${what}, got ${describe(v)}`);
}

/**
 * JSON text of one value of a field, or undefined when it is a zero value to omit (never in a
 * list). Refuses a value of the wrong type with HeraldError `bad_input`.
 */
export function valueText(field: FieldInfo, v: unknown, inList: boolean): string | undefined {
  const k = field.k;
  const group = scalarGroup(k);
  if (group >= 0) {
    if (!fits(group, v)) wrongType(field, SCALAR_WORDS[group] as string, v);
    // Zero values of plain kinds ("", false, 0) are left out; wrappers say them.
    return !v && !inList && k < K.t ? undefined : group ? String(v) : quote(v as string);
  }
  if (k === K.t) {
    if (!(v instanceof Date) || Number.isNaN(v.getTime())) fail(`${field.camel}: expected a valid Date`);
    return `"${formatTimestamp(v)}"`;
  }
  if (!isRecord(v) && (k === K.M || typeof v !== "object")) wrongType(field, "an object", v);
  if (k !== K.M) return writeMessage(field.nested ?? messageInfo(field.type as MessageName), v as Obj);
  let s = "";
  for (const key in v as Obj) {
    const item = (v as Obj)[key];
    if (typeof item !== "string") wrongType(field, "string values", item);
    s += `${s ? "," : ""}${quote(key)}:${quote(item)}`;
  }
  return s ? `{${s}}` : undefined;
}

function writeMessage(info: MessageInfo, value: Obj): string {
  let s = "";
  for (const field of info.fields) {
    const v = value[field.camel];
    if (v === undefined || v === null) continue;
    let text: string | undefined;
    if (field.repeated) {
      checkArray(field.camel, v);
      if (v.length === 0) continue;
      text = "[";
      for (let i = 0; i < v.length; i++) text += (i ? "," : "") + valueText(field, v[i], true);
      text += "]";
    } else {
      text = valueText(field, v, false);
      if (text === undefined) continue;
    }
    s += (s ? "," : "") + field.jsonKey + text;
  }
  return `{${s}}`;
}

/** A message (camelCase object, as the Init types describe) as JSON text in the wire convention. */
export function encodeMessageJson(name: MessageName, value: object): string {
  return writeMessage(messageInfo(name), value as Obj);
}

// ---------- decode ----------

// Paths for error messages ("ChannelMessageList.messages[1].code") are built only on failure:
// building them for every nested message and list item cost a large share of decoding.
function pathOf(parent: string, field: FieldInfo, index: number): string {
  return index < 0 ? `${parent}.${field.name}` : `${parent}.${field.name}[${index}]`;
}

/** Refuses a value of the wrong type while decoding. */
function expected(what: string, v: unknown, parent: string, field: FieldInfo, index: number): never {
  const got = typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : describe(v);
  return fail(`${pathOf(parent, field, index)}: expected ${what}, got ${got}`);
}

/** Decodes one value of a field; `index` is its position in a list, or -1. */
function valueFrom(
  field: FieldInfo,
  v: unknown,
  options: DecodeOptions,
  parent: string,
  index: number,
): unknown {
  const k = field.k;
  const group = scalarGroup(k);
  if (group >= 0) {
    // The protobuf JSON mapping also allows integers as strings.
    const n = group === 2 && typeof v === "string" && INT_STRING.test(v) ? Number(v) : v;
    return fits(group, n) ? n : expected(SCALAR_WORDS[group] as string, v, parent, field, index);
  }
  if (k === K.t) {
    return (
      (typeof v === "string" && parseTimestamp(v)) ||
      expected("an RFC 3339 timestamp", v, parent, field, index)
    );
  }
  if (k !== K.M) {
    return readMessage(
      field.nested ?? messageInfo(field.type as MessageName),
      v,
      options,
      parent,
      field,
      index,
    );
  }
  if (!isRecord(v)) return expected("an object", v, parent, field, index);
  // fromEntries defines each key, so "__proto__" stays an entry (assigning it would set the prototype).
  return Object.fromEntries(
    Object.entries(v).map(([key, item]) => [
      key,
      typeof item === "string" ? item : expected(`a string at "${key}"`, item, parent, field, index),
    ]),
  );
}

// Chat messages have a reader of their own (see chat-message-reader.ts).
const chatMessageInfo = messageInfo("ChannelMessage");

/** Reads a message; `parent`/`field`/`index` locate it for error messages only. */
function readMessage(
  info: MessageInfo,
  json: unknown,
  options: DecodeOptions,
  parent: string,
  at?: FieldInfo,
  index = -1,
): Obj {
  if (!isRecord(json)) {
    fail(`${at ? pathOf(parent, at, index) : parent}: expected an object, got ${describe(json)}`);
  }
  if (info === chatMessageInfo) {
    const chat = readChannelMessage(json as Obj);
    if (chat !== undefined) return chat;
  }
  // Object.assign, not spread: V8 gives spread clones hidden classes that every added field then
  // replaces, which made decoding ten times slower.
  const out: Obj = Object.assign({}, info.template);
  for (const field of info.containers) out[field.camel] = field.repeated ? [] : {};
  let path: string | undefined;
  for (const key in json) {
    const v = (json as Obj)[key];
    const field = info.lookup[key];
    if (field === undefined) {
      if (options.ignoreUnknown) continue;
      path ??= at ? pathOf(parent, at, index) : parent;
      fail(`${path}: unknown field "${key}"`);
    }
    if (v === null || v === undefined) continue;
    // Plain strings are most fields of most messages: take them without a call.
    if (field.k === K.s && !field.repeated && typeof v === "string") {
      out[field.camel] = v;
      continue;
    }
    path ??= at ? pathOf(parent, at, index) : parent;
    if (field.repeated) {
      if (!Array.isArray(v)) fail(`${path}.${field.name}: expected an array, got ${describe(v)}`);
      const list = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item === null) fail(`${path}.${field.name}[${i}]: null is not allowed in a list`);
        list[i] = valueFrom(field, item, options, path, i);
      }
      out[field.camel] = list;
    } else {
      out[field.camel] = valueFrom(field, v, options, path, -1);
    }
  }
  return out;
}

/**
 * Decodes a parsed JSON value into a message: every list and plain scalar present (zero values
 * filled in), wrappers/timestamps/messages only when present. Throws HeraldError `bad_input` on
 * wrong types and (unless `ignoreUnknown`) unknown fields.
 */
export function messageFromJson<T = Obj>(
  name: MessageName,
  json: unknown,
  options: DecodeOptions = {},
  path: string = name,
): T {
  return readMessage(messageInfo(name), json, options, path) as T;
}

// ---------- envelopes ----------

// The envelope's own table tells its messages by either spelling of their names: every field but
// `cid` is one of the `message` oneof.
const envelopeInfo = messageInfo("Envelope");
const chatField = envelopeInfo.lookup.channel_message;
const NO_OPTIONS: DecodeOptions = {};
let textDecoder: TextDecoder | undefined;

function frameText(frame: string | Uint8Array | ArrayBuffer): string {
  if (typeof frame === "string") return frame;
  try {
    // Only a peer sending binary frames in JSON mode gets here; some React Native engines have no
    // TextDecoder, which then surfaces as this same typed error.
    textDecoder ??= new TextDecoder("utf-8", { fatal: true });
    return textDecoder.decode(frame);
  } catch (cause) {
    fail("envelope is not valid UTF-8 text", 3, cause);
  }
}

/** Encodes an envelope as JSON text. */
export function encodeJsonEnvelope(envelope: EnvelopeInit): string {
  if (envelope.kind === "empty") {
    if (!envelope.cid) fail("an empty reply needs a cid");
    return `{"cid":${quote(envelope.cid)}}`;
  }
  const field = envelopeInfo.lookup[envelope.kind];
  if (field?.k !== K.m || field.name === "cid") fail(`unknown envelope kind "${String(envelope.kind)}"`);
  const body = writeMessage(messageInfo(field.type as MessageName), envelope.body as Obj);
  return envelope.cid
    ? `{"cid":${quote(envelope.cid)},${field.jsonKey}${body}}`
    : `{${field.jsonKey}${body}}`;
}

/** Turns the JSON of an envelope's message (the oneof member `field`) into its body. */
export type BodyDecoder = (field: FieldInfo, json: unknown, options: DecodeOptions) => unknown;

// The body's path ("envelope.channel_message") is built only for an error message.
const readBody: BodyDecoder = (field, json, options) =>
  readMessage(field.nested ?? messageInfo(field.type as MessageName), json, options, "envelope", field);

/** Decodes one JSON text frame into an envelope. */
export function decodeJsonEnvelope(
  frame: string | Uint8Array | ArrayBuffer,
  options: DecodeOptions = NO_OPTIONS,
): Envelope {
  return decodeJsonEnvelopeWith(frame, options, readBody);
}

/** Decodes one JSON text frame, its message's body by `decodeBody`. */
export function decodeJsonEnvelopeWith(
  frame: string | Uint8Array | ArrayBuffer,
  options: DecodeOptions,
  decodeBody: BodyDecoder,
): Envelope {
  const text = frameText(frame);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    fail("envelope is not valid JSON", 3, cause);
  }
  if (!isRecord(json)) fail(`envelope: expected a JSON object, got ${describe(json)}`);
  let cid: string | undefined;
  let kind: FieldInfo | undefined;
  let body: unknown;
  let unknown: string | undefined;
  for (const key in json) {
    const v = (json as Obj)[key];
    if (key === "cid") {
      if (v === null || v === undefined || v === "") continue;
      if (typeof v !== "string") fail(`envelope.cid: expected a string, got ${describe(v)}`);
      cid = v;
      continue;
    }
    // Chat pushes are most frames: their member is known without a look-up in the table (a
    // dictionary of 80-odd names).
    const field = key === "channel_message" ? chatField : envelopeInfo.lookup[key];
    if (field === undefined) {
      unknown ??= key;
      continue;
    }
    if (v === null || v === undefined) continue;
    if (kind !== undefined) fail(`envelope: holds both "${kind.name}" and "${key}"`);
    kind = field;
    body = v;
  }
  if (unknown !== undefined && !(options.ignoreUnknown && kind !== undefined)) {
    fail(`envelope: unrecognized message "${unknown}"`, 1);
  }
  if (kind === undefined) {
    if (cid !== undefined && options.allowEmptyReply) return { cid, kind: "empty", body: {} };
    fail("envelope: no message", 2);
  }
  const decoded = decodeBody(kind, body, options);
  return (
    cid === undefined ? { kind: kind.camel, body: decoded } : { cid, kind: kind.camel, body: decoded }
  ) as Envelope;
}

/** The JSON wire format (text frames). The SDK's default. */
export const jsonCodec: Codec = {
  format: "json",
  binary: false,
  encodeEnvelope: encodeJsonEnvelope,
  decodeEnvelope: decodeJsonEnvelope,
};
