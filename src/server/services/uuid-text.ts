/** The nil UUID: a user or group id no one has, which stock Nakama writes as an empty id part. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** True for the nil UUID (a user or group id no one has). */
export function isNilUuid(id: string): boolean {
  return id === NIL_UUID;
}

const HEX32 = /^[0-9a-f]{32}$/i;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID in any text form stock Nakama reads one in (canonical, 32 hex digits, either of these in
 * braces or after `urn:uuid:`, in any case), in the canonical lower-case form herald stores ids
 * in; undefined for anything else.
 */
export function canonicalUuid(text: string): string | undefined {
  let plain = text;
  if ((text.length === 34 || text.length === 38) && text.startsWith("{") && text.endsWith("}"))
    plain = text.slice(1, -1);
  else if ((text.length === 41 || text.length === 45) && text.startsWith("urn:uuid:")) plain = text.slice(9);
  if (plain.length === 36 && CANONICAL.test(plain)) return plain.toLowerCase();
  if (plain.length === 32 && HEX32.test(plain)) {
    const h = plain.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}
