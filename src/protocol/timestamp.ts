// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each, and
// toISOString was a large share of encoding, so formatting is done by hand; parsing checks the
// RFC's grammar (stricter than the built-in parser) and then lets the built-in parser read it.

// Captures: day, hours, minutes, seconds, offset sign, offset hours, offset minutes.
const RFC3339 = /^\d{4}-\d\d-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:[Zz]|([+-])(\d\d):(\d\d))$/;

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

// The form servers send (UTC, upper-case T and Z): tested without captures, which is most of
// the cost of the general path below.
const UTC_FORM = /^\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;
const twoDigits = (text: string, at: number) =>
  (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/** Parses an RFC 3339 timestamp; undefined if the text is not one (or names no real instant). */
export function parseTimestamp(text: string): Date | undefined {
  if (UTC_FORM.test(text)) {
    const date = new Date(text);
    // The built-in parser rolls 30 February over into March: a real date keeps its day.
    return date.getUTCDate() === twoDigits(text, 8) ? date : undefined;
  }
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [day, hours, minutes, seconds] = m.slice(1, 5).map(Number) as [number, number, number, number];
  const offsetHours = Number(m[6] ?? 0);
  const offsetMinutes = Number(m[7] ?? 0);
  // The built-in parser takes hour 24 as the next day's midnight; RFC 3339 has no hour 24.
  if (hours > 23 || minutes > 59 || seconds > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // RFC 3339 allows a lower-case t and z, or a space; the built-in parser wants "T" and "Z".
  const canonical = text.charCodeAt(10) === 84 /* T */ && text.charCodeAt(text.length - 1) !== 122; /* z */
  const date = new Date(canonical ? text : normalize(text));
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  // A day past the month's end (30 February) rolls over in the built-in parser; refuse it.
  const offset = m[5]
    ? (m[5] === "-" ? -1 : 1) * ((offsetHours as number) * 60 + (offsetMinutes as number))
    : 0;
  const local = offset === 0 ? date : new Date(ms + offset * 60000);
  return local.getUTCDate() === day ? date : undefined;
}

function normalize(text: string): string {
  return `${text.slice(0, 10)}T${text.slice(11)}`.replace(/z$/, "Z");
}
