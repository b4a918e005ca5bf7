import { refuse } from "../refusal.js";

/**
 * Stock's words for any history cursor it cannot use: one it cannot read, or one of another
 * channel or the other direction.
 */
export const HISTORY_CURSOR_INVALID = "Cursor is invalid or expired.";

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
  /**
   * The whole second (Unix seconds) the message was created in. Present only on the cursors of
   * the stock-3.26 paging mode, which pages by it (see `HistoryCursorMode`).
   */
  second?: number;
}

/** Encodes a cursor as opaque URL-safe text. */
export function encodeCursor(cursor: HistoryCursor): string {
  const fields: (string | number)[] = [
    cursor.channelId,
    cursor.seq,
    cursor.forward ? 1 : 0,
    cursor.next ? 1 : 0,
  ];
  if (cursor.second !== undefined) fields.push(cursor.second);
  const json = JSON.stringify(fields);
  return Buffer.from(json).toString("base64url");
}

/** Decodes a cursor made by {@link encodeCursor}, refusing anything else. */
export function decodeCursor(text: string): HistoryCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return refuse("bad_input", HISTORY_CURSOR_INVALID);
  }
  if (
    !Array.isArray(value) ||
    (value.length !== 4 && value.length !== 5) ||
    typeof value[0] !== "string" ||
    !Number.isSafeInteger(value[1]) ||
    (value[2] !== 0 && value[2] !== 1) ||
    (value[3] !== 0 && value[3] !== 1) ||
    (value.length === 5 && !Number.isSafeInteger(value[4]))
  ) {
    return refuse("bad_input", HISTORY_CURSOR_INVALID);
  }
  const cursor: HistoryCursor = {
    channelId: value[0],
    seq: value[1] as number,
    forward: value[2] === 1,
    next: value[3] === 1,
  };
  if (value.length === 5) cursor.second = value[4] as number;
  return cursor;
}
