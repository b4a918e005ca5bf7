import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";

/**
 * A group-listing cursor: the last group name listed, bound to the listing's name filter, so that
 * neither another filter's cursor nor another listing's is read as a position in this one.
 */
export function nameCursor(pattern: string, name: string): string {
  return Buffer.from(JSON.stringify(["groups", pattern, name])).toString("base64url");
}

/**
 * The name a {@link nameCursor} of this filter points after, refusing anything else with stock's
 * words. Buffer and JSON read much that no listing handed out: only text that re-encodes the same,
 * for the same filter, is a cursor.
 */
export function nameCursorPosition(pattern: string, cursor: string): string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const fields: unknown[] = Array.isArray(value) && value.length === 3 ? value : [];
  const name = fields[2];
  if (
    typeof name !== "string" ||
    name === "" ||
    fields[0] !== "groups" ||
    fields[1] !== pattern ||
    nameCursor(pattern, name) !== cursor
  ) {
    return refuse("bad_input", StockWords.malformedCursor);
  }
  return name;
}
