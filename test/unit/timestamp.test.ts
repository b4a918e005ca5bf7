import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTimestamp, parseTimestamp } from "../../src/protocol/timestamp.js";

// A fixed-seed generator keeps these sweeps repeatable.
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

test("formatting matches toISOString across years 1970 to 9999 and at every boundary", () => {
  const rand = random(7);
  const instants = [0, 1, 999, 86399999, 86400000, 951782400000, 951868800000, 253402300799999];
  for (let i = 0; i < 20000; i++) instants.push(Math.floor(rand() * 253402300800000));
  for (const ms of instants) {
    const date = new Date(ms);
    assert.equal(formatTimestamp(date), date.toISOString(), `at ${ms}`);
  }
});

test("formatting falls back to toISOString before 1970 and after 9999", () => {
  for (const ms of [-1, -62135596800000, 253402300800000]) {
    const date = new Date(ms);
    assert.equal(formatTimestamp(date), date.toISOString());
  }
});

test("parsing reads what formatting writes, to the millisecond", () => {
  const rand = random(11);
  for (let i = 0; i < 20000; i++) {
    const ms = Math.floor(rand() * 253402300800000);
    assert.equal(parseTimestamp(new Date(ms).toISOString())?.getTime(), ms);
  }
});

test("parsing reads the first centuries as themselves, not as the 1900s", () => {
  for (const text of ["0000-01-01T00:00:00Z", "0001-02-03T04:05:06.789Z", "0099-12-31T23:59:59Z"]) {
    assert.equal(parseTimestamp(text)?.getTime(), Date.parse(text), text);
  }
});

test("parsing accepts every RFC 3339 form and agrees with Date", () => {
  const cases = [
    "2026-03-04T05:06:07Z",
    "2026-03-04T05:06:07.1Z",
    "2026-03-04T05:06:07.12Z",
    "2026-03-04T05:06:07.123456789Z",
    "2026-03-04t05:06:07z",
    "2026-03-04 05:06:07Z",
    "2026-03-04T07:06:07+02:00",
    "2026-03-04T00:06:07-05:00",
    "2024-02-29T23:59:59.999Z",
    "0001-01-01T00:00:00Z",
    "0099-12-31T23:59:59.5Z",
  ];
  for (const text of cases) {
    const expected = new Date(text.replace(" ", "T").toUpperCase()).getTime();
    assert.equal(parseTimestamp(text)?.getTime(), expected, text);
  }
});

test("parsing refuses text that is not a real RFC 3339 instant", () => {
  const cases = [
    "",
    "2026",
    "2026-03-04",
    "2026-03-04T05:06Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2026-03-04T24:00:00Z",
    "2026-03-04T05:60:00Z",
    "2026-03-04T05:06:07.Z",
    "2026-03-04T05:06:07.1234567890Z",
    "2026-03-04T05:06:07",
    "2026-03-04T05:06:07+0200",
    "2026-03-04X05:06:07Z",
    "2026-03-0aT05:06:07Z",
    "yesterday, around noon",
  ];
  for (const text of cases) assert.equal(parseTimestamp(text), undefined, text);
});

test("parsing knows every month's length, leap years included", () => {
  for (const year of [1900, 2000, 2023, 2024, 2100, 2400]) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 27; day <= 32; day++) {
        const text = `${year}-${String(month).padStart(2, "0")}-${day}T12:00:00Z`;
        // A real day is one the built-in parser does not roll over into the next month.
        const builtIn = new Date(text);
        const real = !Number.isNaN(builtIn.getTime()) && builtIn.getUTCDate() === day;
        assert.equal(parseTimestamp(text)?.getTime(), real ? builtIn.getTime() : undefined, text);
      }
    }
  }
});
