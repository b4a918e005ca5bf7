// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each and every
// received one is parsed, so parsing is done by hand (faster than the built-in parser, and stricter:
// it checks the RFC's grammar). Formatting is the built-in's: the SDK writes no timestamps on its
// hot paths, and a hand-written formatter cost a share of every browser bundle.
//
// The grammar: "YYYY-MM-DDTHH:MM:SS" ("t" or a space allowed for the "T"), an optional fraction of
// 1 to 9 digits, then "Z", "z" or an offset "+HH:MM" / "-HH:MM". Every part but the fraction and
// the zone has a fixed position. A regular expression checked it before: reading the characters
// once, by hand, costs less than running one and then reading the digits again.

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, as `Date.prototype.toISOString` writes it. */
export function formatTimestamp(date: Date): string {
  return date.toISOString();
}

/** The number written by `n` digits at `at`, or 10000 (too large for any part) if one is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48;
    // Small integers throughout: a NaN for "not a digit" made every sum a floating-point one.
    // A read past the end (NaN, here 0) happens only where a length check then refuses the text.
    if (d >>> 0 > 9) return 10000;
    v = v * 10 + d;
  }
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
  const n = text.length;
  if (n < 20) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  const t = text.charCodeAt(10);
  // Milliseconds: the fraction's first three digits (the built-in parser also drops the rest).
  let ms = 0;
  let zone = 19;
  if (text.charCodeAt(zone) === 46) {
    for (zone = 20; zone < n; zone++) {
      const d = text.charCodeAt(zone) - 48;
      if (d >>> 0 > 9) break;
      if (zone < 23) ms = ms * 10 + d;
    }
    // `zone` is past the fraction now, which holds 1 to 9 digits.
    if (zone < 21 || zone > 29) return Number.NaN;
    if (zone < 23) ms *= zone < 22 ? 100 : 10;
  }
  // The zone: "Z" (or "z") at the end, or an offset "+HH:MM" / "-HH:MM".
  const z = text.charCodeAt(zone);
  const utc = (z | 32) === 122 && zone + 1 === n;
  // Read only when there (a character past the end is NaN, which made the reads of every
  // timestamp floating-point ones).
  const offsetHours = utc ? 0 : digits(text, zone + 1, 2);
  const offsetMinutes = utc ? 0 : digits(text, zone + 4, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : 30 + ((month + (month >> 3)) & 1);
  if (
    !(
      (utc ||
        ((z === 43 || z === 45) &&
          zone + 6 === n &&
          text.charCodeAt(zone + 3) === 58 &&
          offsetHours < 24 &&
          offsetMinutes < 60)) &&
      text.charCodeAt(4) === 45 &&
      text.charCodeAt(7) === 45 &&
      ((t | 32) === 116 || t === 32) &&
      text.charCodeAt(13) === 58 &&
      text.charCodeAt(16) === 58 &&
      year < 10000 &&
      month > 0 &&
      month < 13 &&
      day > 0 &&
      day <= monthDays &&
      hours < 24 &&
      minutes < 60 &&
      seconds < 60
    )
  ) {
    return Number.NaN;
  }
  const offset = utc ? 0 : (z === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60000;
  const date = year * 10000 + month * 100 + day;
  if (date !== lastParsedDay) {
    // Date.UTC reads years 0-99 as 1900-1999, so count from 400 years later (a whole Gregorian
    // cycle, 146097 days) and take the cycle off again.
    lastMidnight = Date.UTC(year + 400, month - 1, day) - 12622780800000;
    lastParsedDay = date;
  }
  return lastMidnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms - offset;
}
