import type { CallOptions } from "./call-options.js";
import { HeraldError } from "./errors.js";
import type { Session } from "./session.js";

// Checks of what callers hand the SDK. JavaScript callers (and TypeScript ones with `any`) can pass
// anything; a wrong argument must become a HeraldError `bad_input` naming the argument, never a
// TypeError from deep inside, and an async call must reject with it rather than throw.

/** A HeraldError `bad_input` about an argument of `what` (a method name). */
export function badInput(what: string, message: string): HeraldError {
  return new HeraldError("bad_input", `${what}: ${message}`, { serverCode: 3 });
}

/** How a value looks in an error message: its type, never its content (it may be a secret). */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v === "undefined" ? "" : "a "}${typeof v}`;
}

/** Whether `v` is an object that options can be read from (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks an options object that may be left out; returns it typed, or `{}`. */
export function optionsObject<T extends object>(what: string, name: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (!isRecord(v)) throw badInput(what, `${name} must be an object, got ${describeValue(v)}`);
  return v;
}

/** Checks a `{ signal, timeoutMs }` pair (alone or inside a larger options object). */
export function checkCallOptions(what: string, options: CallOptions | undefined): void {
  if (options === undefined) return;
  if (!isRecord(options)) throw badInput(what, `options must be an object, got ${describeValue(options)}`);
  const { signal, timeoutMs } = options;
  if (
    signal !== undefined &&
    (!isRecord(signal) ||
      typeof signal.aborted !== "boolean" ||
      typeof (signal as { addEventListener?: unknown }).addEventListener !== "function")
  ) {
    throw badInput(what, "signal must be an AbortSignal");
  }
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs >= 0)) {
    throw badInput(what, "timeoutMs must be a number of milliseconds, 0 or more");
  }
}

/**
 * Checks that `v` is a Session. A session made by another copy of herald (a second bundle)
 * passes, as HeraldError.is does for errors: it is told by its shape, not by `instanceof`.
 */
export function checkSession(what: string, v: unknown): asserts v is Session {
  const s = v as Partial<Session> | undefined;
  if (
    !isRecord(s) ||
    typeof s.token !== "string" ||
    typeof s.isExpired !== "function" ||
    typeof s.update !== "function"
  ) {
    throw badInput(what, `expected a Session (from authenticate...), got ${describeValue(v)}`);
  }
}

/** Checks a string argument that must not be empty (ids, path segments). */
export function checkId(what: string, name: string, v: unknown): asserts v is string {
  if (typeof v !== "string" || v === "") {
    throw badInput(what, `${name} must be a non-empty string, got ${describeValue(v)}`);
  }
}
