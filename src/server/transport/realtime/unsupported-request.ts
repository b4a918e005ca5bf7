import { HeraldError } from "../../../errors.js";
import { camelCase } from "../../../protocol/schema.js";
import { StockWords } from "../../stock-words.js";

/**
 * Envelope messages stock Nakama defines that herald does not offer (matches, matchmaker, rpc,
 * streams, parties), by field number of the envelope's `message` oneof.
 */
const STOCK_ONLY_KINDS: Readonly<Record<number, string>> = {
  12: "match",
  13: "match_create",
  14: "match_data",
  15: "match_data_send",
  16: "match_join",
  17: "match_leave",
  18: "match_presence_event",
  19: "matchmaker_add",
  20: "matchmaker_matched",
  21: "matchmaker_remove",
  22: "matchmaker_ticket",
  24: "rpc",
  30: "stream_data",
  31: "stream_presence_event",
  34: "party",
  35: "party_create",
  36: "party_join",
  37: "party_leave",
  38: "party_promote",
  39: "party_leader",
  40: "party_accept",
  41: "party_remove",
  42: "party_close",
  43: "party_join_request_list",
  44: "party_join_request",
  45: "party_matchmaker_add",
  46: "party_matchmaker_remove",
  47: "party_matchmaker_ticket",
  48: "party_data",
  49: "party_data_send",
  50: "party_presence_event",
};

const kindByJsonName = new Map<string, string>();
for (const name of Object.values(STOCK_ONLY_KINDS)) {
  kindByJsonName.set(name, name);
  kindByJsonName.set(camelCase(name), name);
}

/** A well-formed stock Nakama request for a feature herald does not offer. */
export interface UnsupportedRequest {
  cid: string | undefined;
  /** The envelope message's proto name, e.g. `rpc` or `match_create`. */
  kind: string;
  /** An rpc's function id (`""` when it names none); undefined for other kinds. */
  rpcId?: string | undefined;
}

/** A JSON frame's top-level object, or undefined when the text is not JSON or not an object. */
export function jsonObject(text: string): object | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof json === "object" && json !== null && !Array.isArray(json) ? json : undefined;
}

function fromJson(text: string): UnsupportedRequest | undefined {
  const json = jsonObject(text);
  if (json === undefined) return undefined;
  let cid: string | undefined;
  let kind: string | undefined;
  let rpcId: string | undefined;
  for (const [key, value] of Object.entries(json)) {
    if (key === "cid") {
      if (typeof value !== "string") return undefined;
      if (value !== "") cid = value;
      continue;
    }
    const known = kindByJsonName.get(key);
    // Anything else, or a second message, leaves the envelope malformed.
    if (known === undefined || kind !== undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    kind = known;
    if (known === "rpc") {
      const id = (value as { id?: unknown }).id;
      rpcId = typeof id === "string" ? id : "";
    }
  }
  return kind === undefined ? undefined : { cid, kind, rpcId };
}

/** Reads a varint at `at`; returns the value and the next offset, or undefined when cut short. */
export function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  let factor = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * factor;
    if ((b & 0x80) === 0) return [value, i + 1];
    factor *= 128;
  }
  return undefined;
}

/** The string in field 1 of a message's bytes (an rpc's id), `""` when absent or unreadable. */
function firstStringField(bytes: Uint8Array): string {
  let id = "";
  let at = 0;
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    if (tag === undefined) return id;
    const [key, afterTag] = tag;
    // Every field of an rpc (id, payload, http_key) is a string: length-delimited.
    if (key % 8 !== 2) return id;
    const len = varint(bytes, afterTag);
    if (len === undefined) return id;
    const [size, start] = len;
    if (start + size > bytes.length) return id;
    if (Math.floor(key / 8) === 1) id = Buffer.from(bytes.subarray(start, start + size)).toString("utf8");
    at = start + size;
  }
  return id;
}

function fromProtobuf(bytes: Uint8Array): UnsupportedRequest | undefined {
  let cid: string | undefined;
  let kind: string | undefined;
  let rpcId: string | undefined;
  let at = 0;
  while (at < bytes.length) {
    const tag = varint(bytes, at);
    if (tag === undefined) return undefined;
    const [key, afterTag] = tag;
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType !== 2) return undefined; // every envelope field is length-delimited
    const len = varint(bytes, afterTag);
    if (len === undefined) return undefined;
    const [size, start] = len;
    const end = start + size;
    if (end > bytes.length) return undefined;
    if (field === 1) {
      cid = Buffer.from(bytes.subarray(start, end)).toString("utf8") || undefined;
    } else {
      const known = STOCK_ONLY_KINDS[field];
      if (known === undefined) return undefined;
      kind = known;
      if (known === "rpc") rpcId = firstStringField(bytes.subarray(start, end));
    }
    at = end;
  }
  return kind === undefined ? undefined : { cid, kind, rpcId };
}

/**
 * Recognizes a frame that herald's codec could not decode because it holds a message stock Nakama
 * defines but herald does not offer. Stock answers such requests with an error and keeps the
 * socket, so herald does too; anything else that fails to decode is truly malformed.
 */
export function unsupportedRequest(frame: string | Uint8Array): UnsupportedRequest | undefined {
  return typeof frame === "string" ? fromJson(frame) : fromProtobuf(frame);
}

/**
 * The error reply to a request herald does not offer. An rpc is answered as stock with no server
 * functions answers it: code 3 without a function id, else code 6 "RPC function not found"; other
 * kinds say they are not offered. The precise code (`unsupported`) travels beside it.
 */
export function unsupportedRefusal(request: UnsupportedRequest): HeraldError {
  if (request.kind === "rpc") {
    return request.rpcId === "" || request.rpcId === undefined
      ? new HeraldError("unsupported", StockWords.rpcIdRequired, { serverCode: 3 })
      : new HeraldError("unsupported", StockWords.rpcNotFound, { serverCode: 6 });
  }
  return new HeraldError(
    "unsupported",
    `${request.kind} is not offered by this server (no matches, matchmaker, rpc, streams or parties)`,
  );
}
