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

/** Parses an RFC 3339 timestamp; undefined if the text is not one (or names no real instant). */
export function parseTimestamp(text: string): Date | undefined {
  const ms = timestampMs(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Milliseconds since the epoch written by an RFC 3339 timestamp, or NaN if it is not one. */
export function timestampMs(text: string): number {
  if (text !== lastText) {
    lastMs = utcMillis(text);
    if (Number.isNaN(lastMs)) lastMs = instantOf(text);
    lastText = text;
  }
  return lastMs;
}

// The date of the last timestamp read by hand (as year * 10000 + month * 100 + day) and its
// midnight: timestamps in a stream share their day, so most need only their time of day read.
let lastReadDay = -1;
let lastMidnight = 0;

/** Two digits at `at` as a number, or -100 (which fails every range check) if they are not. */
function two(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -100;
}

/**
 * The instant of `YYYY-MM-DDTHH:MM:SS[.sss]Z`, the form servers write, checked by hand (the
 * regular expression and `Date.UTC` were most of the cost of a chat message's timestamps); NaN
 * for any other text, which the full parser then reads or refuses.
 */
function utcMillis(text: string): number {
  const n = text.length;
  if (n !== 24 && n !== 20) return Number.NaN;
  const z = text.charCodeAt(n - 1);
  const t = text.charCodeAt(10);
  if (
    (z !== 90 && z !== 122) ||
    (t !== 84 && t !== 116 && t !== 32) ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return Number.NaN;
  const century = two(text, 0);
  const yearOfCentury = two(text, 2);
  const year = century * 100 + yearOfCentury;
  const month = two(text, 5);
  const day = two(text, 8);
  const hours = two(text, 11);
  const minutes = two(text, 14);
  const seconds = two(text, 17);
  let ms = 0;
  if (n === 24) {
    const c = text.charCodeAt(22) - 48;
    ms = text.charCodeAt(19) === 46 && c >= 0 && c <= 9 ? two(text, 20) * 10 + c : -1;
  }
  if (century < 0 || yearOfCentury < 0 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59)
    return Number.NaN;
  if (seconds < 0 || seconds > 59 || ms < 0) return Number.NaN;
  const date = year * 10000 + month * 100 + day;
  if (date !== lastReadDay) {
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
    lastReadDay = date;
    lastMidnight = daysFromCivil(year, month, day) * 86400000;
  }
  return lastMidnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 ? (leap ? 29 : 28) : 30 + ((month + (month >> 3)) & 1);
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
  const monthDays = daysInMonth(year, month);
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
  const midnight = daysFromCivil(year, month, day) * 86400000;
  return midnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms - offset;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, by arithmetic: `Date.UTC` is a call into the
 * engine's runtime, the largest part of parsing a timestamp.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  // Counted from March, so that the leap day ends the year; years of 400 days' cycles (146097 days).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
