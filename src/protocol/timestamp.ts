// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each, and the
// built-in formatter and parser were large shares of encoding and decoding them, so both are
// done by hand; parsing checks the RFC's grammar, which is stricter than the built-in parser's.

// The grammar, with a space allowed for the "T" as the RFC permits. Every part but the fraction
// and the zone has a fixed position.
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;

const pad = (n: number, width = 2) => `${n}`.padStart(width, "0");

// The date part of the last day formatted: timestamps in a stream share their day, so the
// built-in formatter runs once per day and the time of day is written by hand.
let lastDay = Number.NaN;
let lastDate = "";

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, the same text as `Date.prototype.toISOString`. */
export function formatTimestamp(date: Date): string {
  const ms = date.getTime();
  // Years 1970-9999 take the fast path; others (and invalid dates) use the built-in.
  if (!(ms >= 0 && ms < 253402300800000)) return date.toISOString();
  const day = Math.floor(ms / 86400000);
  if (day !== lastDay) {
    lastDate = date.toISOString().slice(0, 11);
    lastDay = day;
  }
  let rest = ms - day * 86400000;
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = Math.floor(rest / 1000);
  return `${lastDate}${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(rest - seconds * 1000, 3)}Z`;
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
