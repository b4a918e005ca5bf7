import { HeraldError } from "../errors.js";
import { envelopeKinds, type MessageName } from "../gen/schema.js";
import type { Envelope, EnvelopeInit } from "../gen/wire.js";
import type { Codec, DecodeOptions } from "./codec.js";
import { camelCase, type FieldInfo, messageInfo, zeroValue } from "./schema.js";

// JSON as Nakama speaks it (the protobuf JSON mapping): snake_case names (camelCase accepted on
// input), zero values omitted, wrappers as bare values, int64 as strings, enums as numbers,
// Timestamps as RFC 3339 strings.

type Obj = Record<string, unknown>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const INT_STRING = /^-?\d+$/;

function fail(message: string, serverCode = 3): never {
  throw new HeraldError("bad_input", message, { serverCode });
}

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`);

// ---------- encode ----------

function scalarToJson(field: FieldInfo, v: unknown): unknown {
  switch (field.kind) {
    case "t":
      return (v as Date).toISOString();
    case "l":
      return String(v);
    case "y":
      return bytesToBase64(v as Uint8Array);
    case "m":
      return messageToJson(field.type as MessageName, v as Obj);
    case "M":
      return { ...(v as Obj) };
    default:
      return v;
  }
}

function isZero(field: FieldInfo, v: unknown): boolean {
  switch (field.kind) {
    case "s":
      return v === "";
    case "b":
      return v === false;
    case "i":
    case "u":
    case "d":
    case "e":
      return v === 0;
    case "l":
      return v === "" || v === "0" || v === 0;
    case "y":
      return (v as Uint8Array).length === 0;
    case "M":
      return Object.keys(v as Obj).length === 0;
    default:
      return false; // wrappers, timestamps and messages are sent whenever set
  }
}

/** A message (camelCase object, as the Init types describe) as a JSON-ready snake_case object. */
export function messageToJson(name: MessageName, value: object): Obj {
  const out: Obj = {};
  const src = value as Obj;
  for (const field of messageInfo(name).fields) {
    const v = src[field.camel];
    if (v === undefined || v === null) continue;
    if (field.repeated) {
      const list = v as unknown[];
      if (list.length > 0) out[field.name] = list.map((item) => scalarToJson(field, item));
    } else if (!isZero(field, v)) {
      out[field.name] = scalarToJson(field, v);
    }
  }
  return out;
}

// ---------- decode ----------

function intFrom(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === "string" && INT_STRING.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    fail(`${path}: expected an integer, got ${typeof v === "string" ? JSON.stringify(v) : describe(v)}`);
  }
  return n;
}

function scalarFromJson(field: FieldInfo, v: unknown, path: string, options: DecodeOptions): unknown {
  switch (field.kind) {
    case "s":
    case "ws":
      if (typeof v !== "string") fail(`${path}: expected a string, got ${describe(v)}`);
      return v;
    case "b":
    case "wb":
      if (typeof v !== "boolean") fail(`${path}: expected a boolean, got ${describe(v)}`);
      return v;
    case "i":
    case "wi":
    case "e":
      return intFrom(v, path, -2147483648, 2147483647);
    case "u":
      return intFrom(v, path, 0, 4294967295);
    case "l":
      if (typeof v === "number" && Number.isInteger(v)) return String(v);
      if (typeof v !== "string" || !INT_STRING.test(v)) fail(`${path}: expected an int64 string`);
      return v;
    case "d":
      if (typeof v === "number") return v;
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
      if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
      return fail(`${path}: expected a number, got ${describe(v)}`);
    case "y":
      if (typeof v !== "string") fail(`${path}: expected base64 bytes, got ${describe(v)}`);
      return base64ToBytes(v, path);
    case "t": {
      if (typeof v !== "string" || !RFC3339.test(v)) fail(`${path}: expected an RFC 3339 timestamp`);
      const date = new Date(v);
      if (Number.isNaN(date.getTime())) fail(`${path}: expected an RFC 3339 timestamp`);
      return date;
    }
    case "M": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${path}: expected an object`);
      const out: Record<string, string> = {};
      for (const [k, item] of Object.entries(v)) {
        if (typeof item !== "string") fail(`${path}.${k}: expected a string, got ${describe(item)}`);
        out[k] = item;
      }
      return out;
    }
    case "m":
      return messageFromJson(field.type as MessageName, v, options, path);
  }
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
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail(`${path}: expected an object, got ${describe(json)}`);
  }
  const info = messageInfo(name);
  const out: Obj = {};
  for (const field of info.fields) {
    const zero = zeroValue(field);
    if (zero !== undefined) out[field.camel] = zero;
  }
  for (const key of Object.keys(json)) {
    const v = (json as Obj)[key];
    const field = info.byName.get(key);
    if (!field) {
      if (options.ignoreUnknown) continue;
      fail(`${path}: unknown field "${key}"`);
    }
    if (v === null || v === undefined) continue;
    const fieldPath = `${path}.${field.name}`;
    if (field.repeated) {
      if (!Array.isArray(v)) fail(`${fieldPath}: expected an array, got ${describe(v)}`);
      out[field.camel] = v.map((item, i) => {
        if (item === null) fail(`${fieldPath}[${i}]: null is not allowed in a list`);
        return scalarFromJson(field, item, `${fieldPath}[${i}]`, options);
      });
    } else {
      out[field.camel] = scalarFromJson(field, v, fieldPath, options);
    }
  }
  return out as T;
}

// ---------- envelopes ----------

const kindByWireName = new Map<string, string>(envelopeKinds.map((k) => [k, camelCase(k)]));
for (const k of envelopeKinds) kindByWireName.set(camelCase(k), camelCase(k));
const wireNameByKind = new Map<string, string>(envelopeKinds.map((k) => [camelCase(k), k]));
const envelopeInfo = messageInfo("Envelope");
let textDecoder: TextDecoder | undefined;

function frameText(frame: string | Uint8Array | ArrayBuffer): string {
  if (typeof frame === "string") return frame;
  textDecoder ??= new TextDecoder("utf-8", { fatal: true });
  try {
    return textDecoder.decode(frame);
  } catch (cause) {
    throw new HeraldError("bad_input", "envelope is not valid UTF-8 text", { serverCode: 3, cause });
  }
}

/** Encodes an envelope as JSON text. */
export function encodeJsonEnvelope(envelope: EnvelopeInit): string {
  const wireName = wireNameByKind.get(envelope.kind);
  if (!wireName) fail(`unknown envelope kind "${String(envelope.kind)}"`);
  const field = envelopeInfo.byName.get(wireName) as FieldInfo;
  const out: Obj = {};
  if (envelope.cid) out.cid = envelope.cid;
  out[wireName] = messageToJson(field.type as MessageName, envelope.body);
  return JSON.stringify(out);
}

/** Decodes one JSON text frame into an envelope. */
export function decodeJsonEnvelope(
  frame: string | Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): Envelope {
  const text = frameText(frame);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HeraldError("bad_input", "envelope is not valid JSON", { serverCode: 3, cause });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail(`envelope: expected a JSON object, got ${describe(json)}`);
  }
  let cid: string | undefined;
  let kind: string | undefined;
  let body: unknown;
  let unknown: string | undefined;
  for (const key of Object.keys(json)) {
    const v = (json as Obj)[key];
    if (key === "cid") {
      if (v === null || v === undefined || v === "") continue;
      if (typeof v !== "string") fail(`envelope.cid: expected a string, got ${describe(v)}`);
      cid = v;
      continue;
    }
    const k = kindByWireName.get(key);
    if (!k) {
      unknown ??= key;
      continue;
    }
    if (v === null || v === undefined) continue;
    if (kind !== undefined) fail(`envelope: holds both "${wireNameByKind.get(kind)}" and "${key}"`);
    kind = k;
    body = v;
  }
  if (unknown !== undefined && !(options.ignoreUnknown && kind !== undefined)) {
    fail(`envelope: unrecognized message "${unknown}"`, 1);
  }
  if (kind === undefined) fail("envelope: no message", 2);
  const field = envelopeInfo.byName.get(kind) as FieldInfo;
  const decoded = messageFromJson(field.type as MessageName, body, options, `envelope.${field.name}`);
  return (cid === undefined ? { kind, body: decoded } : { cid, kind, body: decoded }) as Envelope;
}

/** The JSON wire format (text frames). The SDK's default. */
export const jsonCodec: Codec = {
  format: "json",
  binary: false,
  encodeEnvelope: encodeJsonEnvelope,
  decodeEnvelope: decodeJsonEnvelope,
};

// ---------- base64 (bytes fields) ----------

function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function base64ToBytes(text: string, path: string): Uint8Array {
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch (cause) {
    throw new HeraldError("bad_input", `${path}: invalid base64`, { serverCode: 3, cause });
  }
}
