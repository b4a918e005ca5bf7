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

// What an option must be, by kind letter: t a number 0 or more (a time in ms or a count; Infinity
// means no limit, NaN is refused), n a number 1 or more, w a whole number 1 or more, p a port, f a
// function, b a boolean, s a string, o an object, g an object or a boolean (a part switched on or
// off), c a codec, a an AbortSignal. Left unchecked, a NaN or negative time silently meant "no
// limit" or a timer firing every millisecond, and a wrong type failed far from its cause.
const atLeast = (min: number) => (v: unknown) => typeof v === "number" && v >= min;
const kinds: Record<string, [(v: unknown) => unknown, string]> = {
  t: [atLeast(0), "a number, 0 or more"],
  n: [atLeast(1), "a number, 1 or more"],
  w: [(v) => Number.isInteger(v) && (v as number) >= 1, "a whole number, 1 or more"],
  p: [(v) => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536, "a port number, 1 to 65535"],
  f: [(v) => typeof v === "function", "a function"],
  b: [(v) => typeof v === "boolean", "a boolean"],
  s: [(v) => typeof v === "string", "a string"],
  o: [isRecord, "an object"],
  g: [(v) => typeof v === "boolean" || isRecord(v), "an object or false"],
  c: [(v) => isRecord(v) && typeof v.decodeEnvelope === "function", "a codec (jsonCodec or protobufCodec)"],
  a: [
    (v) => isRecord(v) && typeof v.aborted === "boolean" && typeof v.addEventListener === "function",
    "an AbortSignal",
  ],
};

/**
 * Checks an options object against `spec`, space-separated `path:kind` pairs (`"timeoutMs:t
 * reconnect:g reconnect.minDelayMs:t"`, a group before its members); an option left out is not
 * checked. Returns the options (`{}` when left out); throws HeraldError `bad_input` naming the first
 * wrong option, what was expected and what it got.
 */
export function checkFields<T extends object>(what: string, spec: string, options: unknown): T {
  if (options === undefined) return {} as T;
  if (!isRecord(options)) throw badInput(what, `options must be an object, got ${describeValue(options)}`);
  for (const entry of spec.split(" ")) {
    const [path = "", kind = ""] = entry.split(":");
    // A member of a group switched on or off by a boolean (or left out) reads as left out.
    const v = path.split(".").reduce<unknown>((o, key) => (isRecord(o) ? o[key] : undefined), options);
    const [ok, expected] = kinds[kind] as [(v: unknown) => unknown, string];
    if (v !== undefined && !ok(v)) {
      throw badInput(
        what,
        `${path} must be ${expected}, got ${typeof v === "number" ? v : describeValue(v)}`,
      );
    }
  }
  return options as T;
}

/** Checks a `{ signal, timeoutMs }` pair (alone or inside a larger options object). */
export function checkCallOptions(what: string, options: CallOptions | undefined): void {
  checkFields(what, "signal:a timeoutMs:t", options);
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
