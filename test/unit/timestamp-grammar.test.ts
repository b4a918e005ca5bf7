import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTimestamp } from "../../src/protocol/timestamp.js";

// The parser reads RFC 3339 by hand. These sweeps hold it to a plain statement of the grammar (a
// regular expression) and to the built-in parser, over valid texts and every one-character change
// of them, so that no character position escapes its check.

const GRAMMAR = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;

/** What the parser must answer: the instant, or undefined when the text is not a real one. */
function reference(text: string): number | undefined {
  if (!GRAMMAR.test(text)) return undefined;
  const n = (from: number, to: number) => Number(text.slice(from, to));
  const [year, month, day, hours, minutes, seconds] = [
    n(0, 4),
    n(5, 7),
    n(8, 10),
    n(11, 13),
    n(14, 16),
    n(17, 19),
  ];
  const zone = /[Zz]$/.test(text) ? text.length - 1 : text.length - 6;
  const ms = zone > 19 ? Number(text.slice(20, Math.min(zone, 23)).padEnd(3, "0")) : 0;
  const [offsetHours, offsetMinutes] =
    zone === text.length - 1 ? [0, 0] : [n(zone + 1, zone + 3), n(zone + 4, zone + 6)];
  const sign = text[zone] === "-" ? -1 : 1;
  // 400 years on, the calendar repeats (and Date.UTC reads years below 100 as the 1900s).
  const midnight = new Date(Date.UTC(year + 400, month - 1, day));
  const real = month >= 1 && month <= 12 && midnight.getUTCDate() === day;
  if (!real || hours > 23 || minutes > 59 || seconds > 59 || offsetHours > 23 || offsetMinutes > 59)
    return undefined;
  const local = Date.UTC(year + 400, month - 1, day, hours, minutes, seconds, ms) - 12622780800000;
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60000;
}

const VALID = [
  "2026-11-30T08:00:00.000Z",
  "2026-11-30t08:00:00Z",
  "2026-11-30 23:59:59.123456789z",
  "2024-02-29T12:34:56.7+05:30",
  "1999-12-31T23:59:59.99-11:45",
  "0001-01-01T00:00:00Z",
];
// Digits, every separator the grammar knows, and characters just beside them in the code table.
const SWAPS = "0123456789-:.+TtZz /;,AYSUaysu\u0000";

test("every one-character change of a valid timestamp is read as the grammar says", () => {
  let refused = 0;
  for (const valid of VALID) {
    for (let at = 0; at <= valid.length; at++) {
      // Cut short there, one character dropped, one changed, one added.
      const texts = [valid.slice(0, at), valid.slice(0, at) + valid.slice(at + 1)];
      for (const c of SWAPS)
        texts.push(valid.slice(0, at) + c + valid.slice(at + 1), valid.slice(0, at) + c + valid.slice(at));
      for (const text of texts) {
        const expected = reference(text);
        if (expected === undefined) refused++;
        // Read twice: once fresh, once right after a valid text of the same day.
        assert.equal(parseTimestamp(text)?.getTime(), expected, JSON.stringify(text));
        parseTimestamp(valid);
        assert.equal(parseTimestamp(text)?.getTime(), expected, JSON.stringify(text));
      }
    }
  }
  // The sweep reaches both answers.
  assert.ok(refused > 1000);
});
