// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each and every
// received one is parsed, so parsing is done by hand (faster than the built-in parser, and stricter:
// it checks the RFC's grammar). Formatting is the built-in's: the SDK writes no timestamps on its
// hot paths, and a hand-written formatter cost a share of every browser bundle.

// The grammar, with a space allowed for the "T" as the RFC permits. Every part but the fraction
// and the zone has a fixed position.
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, as `Date.prototype.toISOString` writes it. */
export function formatTimestamp(date: Date): string {
  return date.toISOString();
}

/** The number written by `n` digits at `at`. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + text.charCodeAt(i) - 48;
  return v;
}

// The last text parsed and its instant. A chat message carries the same text twice (created and
// updated) until it is edited, so the second costs a string comparison.
let lastText = "";
let lastMs = Number.NaN;

// The last date (year * 10000 + month * 100 + day) whose midnight was computed, and that
// midnight: timestamps in a stream share their day, and `Date.UTC` (a call into the engine's
// runtime) was most of the cost of parsing one.
let lastParsedDay = -1;
let lastMidnight = 0;

/** Parses an RFC 3339 timestamp; undefined if the text is not one (or names no real instant). */
export function parseTimestamp(text: string): Date | undefined {
  if (text !== lastText) {
    lastMs = instantOf(text);
    lastText = text;
  }
  return Number.isNaN(lastMs) ? undefined : new Date(lastMs);
}

/** Milliseconds since the epoch written by an RFC 3339 timestamp, or NaN. */
function instantOf(text: string): number {
  if (!RFC3339.test(text)) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  // The zone: "Z" (or "z"), or an offset "+HH:MM" / "-HH:MM" whose sign is 6 from the end.
  const n = text.length;
  const utc = text.charCodeAt(n - 1) > 57;
  const zone = utc ? n - 1 : n - 6;
  const offsetHours = utc ? 0 : digits(text, n - 5, 2);
  const offsetMinutes = utc ? 0 : digits(text, n - 2, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : 30 + ((month + (month >> 3)) & 1);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > monthDays ||
    hours > 23 ||
    minutes > 59 ||
    seconds > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return Number.NaN;
  }
  // Milliseconds: the fraction's first three digits (the built-in parser also drops the rest).
  let ms = 0;
  for (let i = 20; i < 23; i++) ms = ms * 10 + (i < zone ? text.charCodeAt(i) - 48 : 0);
  const offset = (text.charCodeAt(zone) === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60000;
  const date = year * 10000 + month * 100 + day;
  if (date !== lastParsedDay) {
    // Date.UTC reads years 0-99 as 1900-1999, so count from 400 years later (a whole Gregorian
    // cycle, 146097 days) and take the cycle off again.
    lastMidnight = Date.UTC(year + 400, month - 1, day) - 12622780800000;
    lastParsedDay = date;
  }
  return lastMidnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms - offset;
}
