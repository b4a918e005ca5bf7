// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each, and the
// built-in formatter and parser were large shares of encoding and decoding them, so both are
// done by hand; parsing checks the RFC's grammar, which is stricter than the built-in parser's.

// The grammar, with a space allowed for the "T" as the RFC permits. Every part but the fraction
// and the zone has a fixed position.
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, the same text as `Date.prototype.toISOString`. */
export function formatTimestamp(date: Date): string {
  const ms = date.getTime();
  // Years 1970-9999 take the fast path; others (and invalid dates) use the built-in.
  if (!(ms >= 0 && ms < 253402300800000)) return date.toISOString();
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  // Civil date from days since 1970-01-01 (proleptic Gregorian, era-based arithmetic).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}Z`;
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
  // Days since 1970-01-01 (the inverse of formatTimestamp's arithmetic).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  // Milliseconds: the fraction's first three digits (the built-in parser also drops the rest).
  let ms = 0;
  for (let i = 20; i < 23; i++) ms = ms * 10 + (i < zone ? text.charCodeAt(i) - 48 : 0);
  const offset = (text.charCodeAt(zone) === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60000;
  return days * 86400000 + hours * 3600000 + minutes * 60000 + seconds * 1000 + ms - offset;
}
