import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { GroupOrder, GroupPosition } from "../storage/group-order.js";

/**
 * A cursor of a group listing in one of stock's orders: the position of the last group listed
 * (its key values in that order, the id last), bound to the listing's filters, so that a cursor of
 * another listing is not read as a position in this one.
 */
export function positionCursor(listing: string, position: GroupPosition): string {
  return Buffer.from(JSON.stringify(["groups", listing, position])).toString("base64url");
}

/**
 * The position a {@link positionCursor} of this listing points after, refusing anything else with
 * stock's words: only text that re-encodes the same, for the same listing, with a value of the
 * right kind for each key of `order`, is a cursor.
 */
export function cursorPosition(listing: string, cursor: string, order: GroupOrder): GroupPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const fields: unknown[] = Array.isArray(value) && value.length === 3 ? value : [];
  const position = fields[2];
  if (
    fields[0] !== "groups" ||
    fields[1] !== listing ||
    !Array.isArray(position) ||
    position.length !== order.keys.length ||
    !order.keys.every((key, i) =>
      key === "id" || key === "lang_tag"
        ? typeof position[i] === "string"
        : Number.isSafeInteger(position[i]),
    ) ||
    positionCursor(listing, position) !== cursor
  ) {
    return refuse("bad_input", StockWords.malformedCursor);
  }
  return position as GroupPosition;
}
