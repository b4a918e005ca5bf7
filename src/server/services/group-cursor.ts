import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { GroupOrder, GroupPosition } from "../storage/group-order.js";

/**
 * A group-listing cursor: the position after which the next page starts, bound to its listing
 * (the name filter, or the other filters), so that another listing's cursor is not read as a
 * position in this one.
 */
export function groupCursor(listing: string, position: unknown): string {
  return Buffer.from(JSON.stringify(["groups", listing, position])).toString("base64url");
}

/**
 * The position a {@link groupCursor} of `listing` holds, or undefined when `cursor` is not one.
 * Buffer and JSON read much that no listing handed out: only text that re-encodes the same, for the
 * same listing, is a cursor.
 */
export function groupCursorPosition(listing: string, cursor: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 3 || value[0] !== "groups" || value[1] !== listing) {
    return undefined;
  }
  return groupCursor(listing, value[2]) === cursor ? value[2] : undefined;
}

/** Text a database can compare: no NUL, which PostgreSQL's text refuses. */
const storableText = (v: unknown): v is string => typeof v === "string" && !v.includes("\u0000");

/** The largest member count a group can have (PostgreSQL's `integer`). */
const MAX_EDGE_COUNT = 2 ** 31 - 1;

/** The name a {@link groupCursor} of this name filter points after, refusing anything else with stock's words. */
export function nameCursorPosition(pattern: string, cursor: string): string {
  const name = groupCursorPosition(pattern, cursor);
  if (!storableText(name) || name === "") return refuse("bad_input", StockWords.malformedCursor);
  return name;
}

/**
 * The position a {@link groupCursor} of a listing in one of stock's orders points after (the key
 * values of the last group listed, the id last), refusing anything else with stock's words: a
 * value each key of `order` can hold in storage.
 */
export function cursorPosition(listing: string, cursor: string, order: GroupOrder): GroupPosition {
  const position = groupCursorPosition(listing, cursor);
  if (
    !Array.isArray(position) ||
    position.length !== order.keys.length ||
    !order.keys.every((key, i) => {
      const v: unknown = position[i];
      if (key === "id" || key === "lang_tag") return storableText(v);
      if (key === "edge_count")
        return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_EDGE_COUNT;
      return Number.isSafeInteger(v);
    })
  ) {
    return refuse("bad_input", StockWords.malformedCursor);
  }
  return position as GroupPosition;
}
