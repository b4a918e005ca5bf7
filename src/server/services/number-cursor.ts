import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";

/**
 * A cursor naming a position by a whole number in one listing. `listing` names what is listed and
 * for whom (e.g. `group_users/GROUP_ID/STATE`): the cursor carries it, so a cursor from one listing
 * is refused by every other instead of answering some page of it, as stock's per-listing cursors
 * are.
 */
export function encodeNumberCursor(listing: string, n: number): string {
  return Buffer.from(`${listing}|${n}`).toString("base64url");
}

/**
 * Reads a cursor made by {@link encodeNumberCursor} for the same `listing`, refusing anything else
 * with stock's words for that listing (`words`: "Malformed cursor was used." unless given). Strict on purpose: `Buffer` decodes any text and `Number` reads "", " ",
 * "1e3" and "-5", so a made-up cursor would otherwise answer some page instead of an error.
 */
export function decodeNumberCursor(
  listing: string,
  text: string,
  words: string = StockWords.malformedCursor,
): number {
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const bar = decoded.lastIndexOf("|");
  const digits = decoded.slice(bar + 1);
  const n = Number(digits);
  if (
    bar < 0 ||
    decoded.slice(0, bar) !== listing ||
    !/^\d{1,15}$/.test(digits) ||
    encodeNumberCursor(listing, n) !== text
  ) {
    return refuse("bad_input", words);
  }
  return n;
}

/**
 * Reads a cursor of herald's earlier releases: a bare number, bound to no listing. Only the
 * notification listing takes them, as its cacheable cursor is meant to be kept between sessions;
 * undefined for anything else.
 */
export function legacyNumberCursor(text: string): number | undefined {
  const digits = Buffer.from(text, "base64url").toString("utf8");
  if (!/^\d{1,15}$/.test(digits) || Buffer.from(digits).toString("base64url") !== text) return undefined;
  return Number(digits);
}
