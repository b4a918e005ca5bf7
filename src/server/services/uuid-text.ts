import { isUuid } from "../refusal.js";

/**
 * A UUID in any text form stock Nakama reads one in (canonical, 32 hex digits, either of these in
 * braces or after `urn:uuid:`, in any case), in the canonical lower-case form herald stores ids
 * in; undefined for anything else.
 */
export function canonicalUuid(text: string): string | undefined {
  let core = text;
  if (core.startsWith("urn:uuid:")) core = core.slice(9);
  else if (core.startsWith("{") && core.endsWith("}")) core = core.slice(1, -1);
  if (/^[0-9a-f]{32}$/i.test(core)) {
    core = `${core.slice(0, 8)}-${core.slice(8, 12)}-${core.slice(12, 16)}-${core.slice(16, 20)}-${core.slice(20)}`;
  }
  return isUuid(core) ? core.toLowerCase() : undefined;
}
