import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTimestamp } from "../../src/protocol/timestamp.js";

// The parser remembers the midnight of the last day it read (timestamps in a stream share their
// day). Every text below is read right after a valid one of the same day, so that a remembered
// day is what a wrong character or range must get past, and a day change what it must notice.

const valid = "2026-11-30T08:00:00.000Z";

function after(text: string): number {
  assert.equal(parseTimestamp(valid)?.getTime(), Date.parse(valid));
  return parseTimestamp(text)?.getTime() ?? Number.NaN;
}

test("timestamps agree with Date.parse, on the remembered day and on others", () => {
  for (const text of [
    "2026-11-30T23:59:59.999Z",
    "2026-11-30T00:00:00Z",
    "2026-11-30t12:34:56.789z",
    "2026-11-30 12:34:56.789Z",
    "2026-12-01T00:00:00.001Z",
    "2024-02-29T12:00:00.000Z",
    "2000-02-29T12:00:00.000Z",
    "1970-01-01T00:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "0000-01-01T00:00:00.000Z",
    "0004-02-29T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "2026-11-30T09:00:00.000+01:00",
    "2026-11-30T23:30:00.000-01:00",
  ]) {
    const expected = Date.parse(text.replace(" ", "T").toUpperCase());
    assert.equal(after(text), expected, text);
    assert.equal(parseTimestamp(text)?.getTime(), expected, text);
  }
});

test("a wrong character or an out-of-range part is refused even on the remembered day", () => {
  for (const text of [
    "2026-11-30T24:00:00.000Z",
    "2026-11-30T08:60:00.000Z",
    "2026-11-30T08:00:60.000Z",
    "2026-11-30T08:00:00.00aZ",
    "2026-11-30T08:00:00,000Z",
    "2026-11-30T08-00:00.000Z",
    "2026-11-30T08:00:00.000X",
    "2026-11-30X08:00:00.000Z",
    "20a6-11-30T08:00:00.000Z",
    "2026-11-31T08:00:00.000Z",
    "2026-13-01T08:00:00.000Z",
    "2026-00-10T08:00:00.000Z",
    "2026-11-00T08:00:00.000Z",
    "2025-02-29T08:00:00.000Z",
    "1900-02-29T08:00:00.000Z",
    "2026-11-30T8:00:00.000Z",
    "2026-11-30T08:00:00.000",
  ]) {
    assert.ok(Number.isNaN(after(text)), text);
    assert.equal(parseTimestamp(text), undefined, text);
  }
});

test("each parse gives a Date of its own, also for a text read twice in a row", () => {
  const a = parseTimestamp(valid);
  const b = parseTimestamp(valid);
  assert.ok(a && b);
  assert.notEqual(a, b);
  a.setTime(0);
  assert.equal(b.getTime(), Date.parse(valid));
});
