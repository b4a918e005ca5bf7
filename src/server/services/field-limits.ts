import { refuse } from "../refusal.js";

/** Bytes of a text in UTF-8: stock Nakama measures ids, usernames, room names and statuses so. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** The longest text each profile and group field may hold, in characters. */
export const FieldLimits = {
  displayName: 255,
  avatarUrl: 512,
  langTag: 18,
  location: 255,
  timezone: 255,
  groupName: 255,
  groupDescription: 255,
} as const;

// C0 and C1 control characters and DEL: never part of a name someone else has to read.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** True when `text` holds a control character (NUL, ESC, BEL, DEL, ...). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** Refuses a field longer than its limit (or holding control characters, when `plain`). */
export function checkField(
  label: string,
  value: string | undefined,
  max: number,
  options: { plain?: boolean } = {},
): void {
  if (value === undefined) return;
  // Characters as stock's database columns count them (code points, not UTF-16 units); the
  // length in units bounds the count, so long text is refused without being walked.
  if (value.length > max && (value.length > 2 * max || [...value].length > max))
    refuse("bad_input", `${label} must be at most ${max} characters.`);
  if (options.plain && hasControlCharacter(value))
    refuse("bad_input", `${label} must not contain control characters.`);
}
