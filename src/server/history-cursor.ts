import { refuse } from "./refusal.js";

/**
 * A history position. Cursors name a message by its storage sequence number, which is unique and
 * only grows, so paging never skips or repeats messages created in the same millisecond.
 * `next` continues in the listing's direction; a prev cursor (`next: false`) goes back the other way.
 */
export interface HistoryCursor {
  channelId: string;
  seq: number;
  forward: boolean;
  next: boolean;
}

/** Encodes a cursor as opaque URL-safe text. */
export function encodeCursor(cursor: HistoryCursor): string {
  const json = JSON.stringify([cursor.channelId, cursor.seq, cursor.forward ? 1 : 0, cursor.next ? 1 : 0]);
  return Buffer.from(json).toString("base64url");
}

/** Decodes a cursor made by {@link encodeCursor}, refusing anything else. */
export function decodeCursor(text: string): HistoryCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return refuse("Malformed cursor was used.");
  }
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    typeof value[0] !== "string" ||
    !Number.isSafeInteger(value[1]) ||
    (value[2] !== 0 && value[2] !== 1) ||
    (value[3] !== 0 && value[3] !== 1)
  ) {
    return refuse("Malformed cursor was used.");
  }
  return { channelId: value[0], seq: value[1] as number, forward: value[2] === 1, next: value[3] === 1 };
}
