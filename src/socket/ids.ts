// A UUID as servers read one: 32 hex digits, hyphenated 8-4-4-4-12 or not at all, in braces or
// after `urn:uuid:` or bare.
const UUID =
  /^(?:urn:uuid:|\{(?=.*\}$))?([\da-f]{8})(-?)([\da-f]{4})\2([\da-f]{4})\2([\da-f]{4})\2([\da-f]{12})(?:(?<=^\{.*)\})?$/;

/**
 * A user (or group) id in the spelling servers answer with: they read a UUID in any case, in
 * braces, after `urn:uuid:` or without hyphens, and write it lower-case and hyphenated. What is
 * kept under an id (follows, watched users) is kept under this, so that any spelling finds it.
 * Anything that is not a UUID comes back lower-cased (the server refuses it).
 */
export const canonicalUuid = (id: string): string => id.toLowerCase().replace(UUID, "$1-$3-$4-$5-$6");

/**
 * A channel id in the spelling servers answer with: the ids of a group's (`3.GROUP..`) and of a
 * direct chat's (`4.USER.USER.`) as {@link canonicalUuid} writes them; a room's (`2...NAME`) as
 * given, its name being case-sensitive.
 */
export const canonicalChannelId = (id: string): string =>
  /^[34]\./.test(id) ? id.split(".").map(canonicalUuid).join(".") : id;
