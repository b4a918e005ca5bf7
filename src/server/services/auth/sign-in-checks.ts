import { refuse } from "../../refusal.js";
import { utf8Length } from "../field-limits.js";

/**
 * The checks stock Nakama makes on sign-in ids, emails, passwords and usernames, in its order and
 * words. Lengths are counted in UTF-8 bytes, as stock counts them.
 */
export const SignInWords = {
  deviceIdRequired: "Device ID is required.",
  deviceIdChars: "Device ID invalid, no spaces or control characters allowed.",
  deviceIdLength: "Device ID invalid, must be 10-128 bytes.",
  customIdRequired: "Custom ID is required.",
  customIdChars: "Custom ID invalid, no spaces or control characters allowed.",
  customIdLength: "Custom ID invalid, must be 6-128 bytes.",
  emailAndPasswordRequired: "Email address and password is required.",
  emailChars: "Invalid email address, no spaces or control characters allowed.",
  emailFormat: "Invalid email address format.",
  emailLength: "Invalid email address, must be 10-255 bytes.",
  passwordLength: "Password must be at least 8 characters long.",
  usernameForLogin: "Username is required when email address is not supplied.",
  usernameChars: "Username invalid, no spaces or control characters allowed.",
  usernameLength: "Username invalid, must be 1-128 bytes.",
  invalidCredentials: "Invalid credentials.",
} as const;

// ASCII control characters, or any whitespace of POSIX's space class: not in ids or emails.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
// What stock's username pattern refuses: an ASCII control character, or `[` or a space followed by
// `]` (its pattern holds a bracket it did not mean: a class of `[` and the whitespace characters,
// then a literal `]`). Plain spaces are allowed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const BAD_USERNAME = /[\u0000-\u001f\u007f]|[[ ]\]/;
const EMAIL = /^.+@.+\..+$/;

function checkId(id: string, min: number, words: { required: string; chars: string; length: string }): void {
  if (id === "") refuse("bad_input", words.required);
  if (CONTROL_OR_SPACE.test(id)) refuse("bad_input", words.chars);
  const bytes = utf8Length(id);
  if (bytes < min || bytes > 128) refuse("bad_input", words.length);
}

/** Refuses a device id as stock does: missing, with spaces or control characters, not 10-128 bytes. */
export function checkDeviceId(id: string): void {
  checkId(id, 10, {
    required: SignInWords.deviceIdRequired,
    chars: SignInWords.deviceIdChars,
    length: SignInWords.deviceIdLength,
  });
}

/** Refuses a custom id as stock does: missing, with spaces or control characters, not 6-128 bytes. */
export function checkCustomId(id: string): void {
  checkId(id, 6, {
    required: SignInWords.customIdRequired,
    chars: SignInWords.customIdChars,
    length: SignInWords.customIdLength,
  });
}

/** Refuses an email address (a non-empty one) as stock does. */
export function checkEmail(email: string): void {
  if (CONTROL_OR_SPACE.test(email)) refuse("bad_input", SignInWords.emailChars);
  if (!EMAIL.test(email)) refuse("bad_input", SignInWords.emailFormat);
  const bytes = utf8Length(email);
  if (bytes < 10 || bytes > 255) refuse("bad_input", SignInWords.emailLength);
}

/** Refuses a password shorter than 8 bytes. */
export function checkPassword(password: string): void {
  if (utf8Length(password) < 8) refuse("bad_input", SignInWords.passwordLength);
}

/**
 * Refuses a username (a non-empty one) as stock does: control characters first, then more than 128
 * bytes. The same rule holds for a username asked for at sign-in and for a change of username.
 */
export function checkUsername(username: string): void {
  if (BAD_USERNAME.test(username)) refuse("bad_input", SignInWords.usernameChars);
  if (utf8Length(username) > 128) refuse("bad_input", SignInWords.usernameLength);
}

/**
 * The most a session's vars may weigh, as JSON in UTF-8 bytes. Both tokens carry them, and a token
 * travels in a request's headers (or a WebSocket upgrade's URL), which Node refuses past 16 KiB
 * (431): vars near that size signed in and made a session no request could use.
 */
export const MAX_VARS_BYTES = 8192;

/** Refuses session vars too large for their tokens to be sent back (see {@link MAX_VARS_BYTES}). */
export function checkVars(vars: Readonly<Record<string, string>> | undefined): void {
  if (vars === undefined) return;
  const bytes = utf8Length(JSON.stringify(vars));
  if (bytes > MAX_VARS_BYTES)
    refuse("bad_input", `Session vars too large: ${bytes} bytes as JSON, at most ${MAX_VARS_BYTES}.`);
}
