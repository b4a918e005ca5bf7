// RFC 3339 timestamps for the JSON codec. Chat messages carry two timestamps each, and the
// built-in Date parser and toISOString dominated the codec's cost, so the common UTC form is
// handled by hand; anything unusual falls back to the built-ins.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

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

const digit = (s: string, i: number) => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const num2 = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/** Parses an RFC 3339 timestamp; undefined if the text is not one (or names no real instant). */
export function parseTimestamp(text: string): Date | undefined {
  // Fast path: `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`.
  const n = text.length;
  if (n >= 20 && n <= 30 && text.charCodeAt(n - 1) === 90 /* Z */ && text.charCodeAt(10) === 84 /* T */) {
    const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + num2(text, 2);
    const month = num2(text, 5);
    const day = num2(text, 8);
    const hours = num2(text, 11);
    const minutes = num2(text, 14);
    const seconds = num2(text, 17);
    let millis = 0;
    let ok =
      text.charCodeAt(4) === 45 &&
      text.charCodeAt(7) === 45 &&
      text.charCodeAt(13) === 58 &&
      text.charCodeAt(16) === 58 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      hours <= 23 &&
      minutes <= 59 &&
      seconds <= 59;
    if (n > 20) {
      ok = ok && text.charCodeAt(19) === 46 /* . */ && n > 21;
      for (let i = 20, scale = 100; ok && i < n - 1; i++, scale /= 10) {
        const d = digit(text, i);
        if (Number.isNaN(d)) ok = false;
        else if (scale >= 1) millis += d * scale;
      }
    } else {
      ok = ok && text.charCodeAt(19) === 90;
    }
    // Date.UTC reads years 0-99 as 1900-1999; those take the slow path below.
    if (ok && year >= 100) {
      const ms = Date.UTC(year, month - 1, day, hours, minutes, seconds, millis);
      const date = new Date(ms);
      // Date.UTC rolls 2026-02-30 over into March; a real date keeps its day.
      return date.getUTCDate() === day ? date : undefined;
    }
  }
  // Any other form (lower-case separators, a space, an offset): checked field by field, since the
  // built-in parser would roll hour 24 or 30 February over into the next day.
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const oh = Number(m[9] ?? 0);
  const om = Number(m[10] ?? 0);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && h <= 23 && mi <= 59 && se <= 59 && oh <= 23 && om <= 59))
    return undefined;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const local = new Date(0);
  local.setUTCFullYear(y, mo - 1, d);
  local.setUTCHours(h, mi, se, millis);
  if (local.getUTCDate() !== d) return undefined;
  const offset = m[8] === "-" ? -(oh * 60 + om) * 60000 : (oh * 60 + om) * 60000;
  return new Date(local.getTime() - offset);
}
