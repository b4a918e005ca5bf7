import { badInput } from "../arguments.js";
import type { Capabilities } from "../gen/model.js";
import type { Codec } from "../protocol/codec.js";
import { HERALD_MAX_FRAME_BYTES, MAX_CONTENT_BYTES, STOCK_MAX_FRAME_BYTES } from "../protocol/limits.js";

/** What the server a socket talks to takes and offers, as far as the SDK can tell. */
export interface ServerProfile {
  /** The largest frame it takes, in bytes. */
  readonly maxFrameBytes: number;
  /** The largest chat content it takes, in UTF-8 bytes (Infinity: bounded by the frame only). */
  readonly maxContentBytes: number;
  /** It stores a message once per client message id (herald's `client_msg_id` extension). */
  readonly dedupes: boolean;
  /** Extension fields may go on the wire: the server announces them, or the format skips unknown fields. */
  readonly extensionFields: boolean;
  /** Its history cursors page exactly (herald's `exact_cursors`); otherwise one page per listing is trusted. */
  readonly exactCursors: boolean;
  /** A join's reply names the channel's newest stored message, exactly (herald's `join_mark`). */
  readonly joinMark: boolean;
}

/**
 * The profile of a server from its capabilities. A server without the capabilities route is taken
 * for stock Nakama with default settings: 4096-byte frames, no extensions.
 */
export function serverProfile(caps: Capabilities, codec: Codec, maxFrameBytes?: number): ServerProfile {
  const herald = caps.server === "herald";
  const has = (name: string) => caps.extensions.includes(name);
  return {
    maxFrameBytes: maxFrameBytes ?? (herald ? HERALD_MAX_FRAME_BYTES : STOCK_MAX_FRAME_BYTES),
    maxContentBytes: herald ? MAX_CONTENT_BYTES : Number.POSITIVE_INFINITY,
    dedupes: has("client_msg_id"),
    // Stock Nakama closes the socket on a JSON field it does not know; protobuf skips them.
    extensionFields: has("client_msg_id") || codec.binary,
    exactCursors: has("exact_cursors"),
    joinMark: has("join_mark"),
  };
}

/** The profile assumed before the server was asked: the strictest limits, no extensions. */
export function unknownServer(codec: Codec, maxFrameBytes?: number): ServerProfile {
  return serverProfile({ server: "", version: "", extensions: [] }, codec, maxFrameBytes);
}

/** The size of a frame (or string) in UTF-8 bytes. */
export function frameBytes(frame: string | Uint8Array): number {
  if (typeof frame !== "string") return frame.byteLength;
  let bytes = frame.length;
  for (let i = 0; i < frame.length; i++) {
    const c = frame.charCodeAt(i);
    // Surrogate pairs are 2 units for 4 bytes: 1 extra byte each.
    if (c >= 0x80) bytes += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return bytes;
}

/**
 * Refuses (`bad_input`) a frame or chat content (`noun`) over the server's `limit` in bytes,
 * before it is sent.
 */
export function checkSize(what: string, data: string | Uint8Array, limit: number, noun: string): void {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short text needs no counting.
  if (typeof data === "string" && data.length * 3 <= limit) return;
  const size = frameBytes(data);
  if (size > limit)
    throw badInput(what, `${noun} of ${size} bytes is over the server's limit of ${limit} bytes`);
}

// Room left in a frame for the envelope around a list of ids: cid, message names, field tags.
const ENVELOPE_OVERHEAD = 96;

/**
 * Splits a request's lists of strings (user ids, usernames) into parts whose frames fit the
 * server's limit, counting each string's bytes as JSON writes it (quotes, escapes and comma; more than its
 * protobuf tag and length). One list of none gives one empty part.
 */
export function splitToFit(
  ids: readonly string[],
  names: readonly string[],
  maxFrameBytes: number,
): { ids: string[]; names: string[] }[] {
  const room = Math.max(64, maxFrameBytes - ENVELOPE_OVERHEAD);
  const parts: { ids: string[]; names: string[] }[] = [];
  let part = { ids: [] as string[], names: [] as string[] };
  let used = 0;
  const add = (value: string, into: "ids" | "names") => {
    const size = frameBytes(JSON.stringify(value)) + 2;
    if (used + size > room && (part.ids.length || part.names.length)) {
      parts.push(part);
      part = { ids: [], names: [] };
      used = 0;
    }
    part[into].push(value);
    used += size;
  };
  for (const id of ids) add(id, "ids");
  for (const name of names) add(name, "names");
  parts.push(part);
  return parts;
}
