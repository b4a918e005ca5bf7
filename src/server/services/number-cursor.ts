import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";

/** A cursor naming a position by a whole number, as listings that page by offset or sequence hand out. */
export function encodeNumberCursor(n: number): string {
  return Buffer.from(String(n)).toString("base64url");
}

/**
 * Reads a cursor made by {@link encodeNumberCursor}, refusing anything else with stock's words.
 * Strict on purpose: `Buffer` decodes any text and `Number` reads "", " ", "1e3" and "-5", so a
 * made-up cursor would otherwise answer some page instead of an error.
 */
export function decodeNumberCursor(text: string): number {
  const digits = Buffer.from(text, "base64url").toString("utf8");
  const n = Number(digits);
  if (!/^\d{1,15}$/.test(digits) || encodeNumberCursor(n) !== text) {
    return refuse("bad_input", StockWords.malformedCursor);
  }
  return n;
}
