import { badInput, checkCallOptions } from "../arguments.js";

export { badInput, checkSession } from "../arguments.js";

// Checks of a Socket call's arguments. Each throws HeraldError `bad_input`, which the async
// calls turn into a rejection, never a TypeError from deeper down.

/** Refuses anything but a non-empty string. */
export function checkString(what: string, value: unknown, name: string): void {
  if (typeof value !== "string" || value === "") {
    throw badInput(what, `${name} must be a non-empty string`);
  }
}

/** Refuses anything but an array of non-empty strings. */
export function checkIds(what: string, value: unknown, name: string): void {
  if (!Array.isArray(value) || value.some((id) => typeof id !== "string" || id === "")) {
    throw badInput(what, `${name} must be an array of non-empty strings`);
  }
}

// What a call without options reads: one frozen object shared by all, none made per call.
const NO_OPTIONS = Object.freeze({});

/**
 * The options object of a call (an empty one when none), refusing what the REST calls refuse too:
 * anything that is not an object, and a bad `signal` or `timeoutMs` (a signal that is not an
 * AbortSignal would otherwise fail deep inside, a NaN or negative limit silently mean "none").
 */
export function checkOptions<T extends object>(what: string, options: T | undefined | null): T {
  if (options == null) return NO_OPTIONS as T;
  checkCallOptions(what, options);
  return options;
}
