import { badInput, checkFields, describeValue } from "../arguments.js";
import type { EnvelopeKind } from "../gen/wire.js";
import { messageInfo } from "../protocol/schema.js";

// Checks of what a test hands the kit. A test written in JavaScript (or with `any`) can pass
// anything; a wrong argument must fail at the call that took it, as a HeraldError `bad_input`
// naming it, never as a TypeError later, a wait that never ends, or a server listening on a
// Unix socket named after a port string.

/** Node's timers fire at once (with a warning) for delays over this; longer waits are capped. */
const LONGEST_TIMER_MS = 2_147_483_647;

/** Checks the `{ timeoutMs, signal, what }` of a wait; throws `bad_input` naming the wrong one. */
export function checkWaitOptions(what: string, options: unknown): void {
  checkFields(what, "timeoutMs:t signal:a what:s", options);
}

/**
 * Checks the `{ host, port }` a kit server listens on: a port from 0 (a free one) to 65535. Node
 * would take a string port as the path of a Unix socket, and a test would then talk to nothing.
 */
export function checkListenOptions(what: string, options: unknown): void {
  checkFields(what, "host:s", options);
  const port = (options as { port?: unknown } | undefined)?.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535)) {
    throw badInput(
      what,
      `port must be a whole number from 0 (a free port) to 65535, got ${typeof port === "number" ? port : describeValue(port)}`,
    );
  }
}

/** Checks that `fn` is a function (a hook, a predicate, a condition). */
export function checkFunction(what: string, name: string, fn: unknown): void {
  if (typeof fn !== "function") throw badInput(what, `${name} must be a function, got ${describeValue(fn)}`);
}

/** Checks that `source` has events to listen to: an `on(name, fn)` method, as a socket has. */
export function checkSource(what: string, source: unknown): void {
  if (typeof (source as { on?: unknown } | null | undefined)?.on !== "function") {
    throw badInput(
      what,
      `the source must be a socket (or another object with on(name, fn)), got ${describeValue(source)}`,
    );
  }
}

/** Checks that `v` is an object (a push's body, a session's options). */
export function checkObject(what: string, name: string, v: unknown): void {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw badInput(what, `${name} must be an object, got ${describeValue(v)}`);
  }
}

let kinds: ReadonlySet<string> | undefined;

/**
 * Checks an envelope kind (`"*"` too where `star`): a misspelled kind would otherwise make a hook
 * that is never called, and a test that passes for the wrong reason.
 */
export function checkEnvelopeKind(what: string, kind: unknown, star = false): asserts kind is EnvelopeKind {
  kinds ??= new Set(
    messageInfo("Envelope")
      .fields.map((f) => f.camel)
      .filter((name) => name !== "cid"),
  );
  if (typeof kind === "string" && (kinds.has(kind) || (star && kind === "*"))) return;
  throw badInput(
    what,
    `unknown envelope kind ${typeof kind === "string" ? `"${kind}"` : describeValue(kind)} (one of ${star ? '"*", ' : ""}${[...kinds].join(", ")})`,
  );
}

/**
 * Runs `fn` after `ms` milliseconds and returns what cancels it. `Infinity` waits for ever (no
 * timer), and delays beyond what a timer can hold are capped rather than firing at once.
 */
export function deadline(ms: number, fn: () => void): () => void {
  if (ms === Number.POSITIVE_INFINITY) return () => {};
  const timer = setTimeout(fn, Math.min(ms, LONGEST_TIMER_MS));
  return () => clearTimeout(timer);
}
