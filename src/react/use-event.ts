import { useEffect, useInsertionEffect, useMemo, useRef, useState } from "react";
import { HeraldError } from "../errors.js";
import { useHeraldConnection } from "./herald-context.js";
import { type HeraldSocketEvents, listen } from "./herald-socket.js";

/** What {@link useEvent} returns. */
export interface EventResult {
  /**
   * Why nothing is listened to: `bad_input` for a name the socket does not emit or a listener
   * that is not a function (mistakes plain JavaScript can make), or the socket's refusal.
   */
  error: HeraldError | undefined;
}

// Every event name, checked by the compiler against the socket's events (none missing, none extra).
const eventNames: { readonly [K in keyof HeraldSocketEvents]: true } = {
  statusPresence: true,
  channelPresence: true,
  channelMessage: true,
  notification: true,
  error: true,
  disconnect: true,
  state: true,
  reconnected: true,
  gap: true,
};
const names = new Set<string>(Object.keys(eventNames));

const listening: EventResult = { error: undefined };

/**
 * Calls `fn` for every `name` event of the provider's socket while the component is mounted. The
 * latest `fn` is called, so it may be an inline function reading current props and state; the
 * listener itself is added once per socket. A name the socket does not know (a type error in
 * TypeScript) is not thrown at the app's render: the result's `error` says `bad_input`.
 *
 * ```tsx
 * useEvent("notification", (n) => toast(n.subject));
 * ```
 */
export function useEvent<K extends keyof HeraldSocketEvents>(
  name: K,
  fn: (event: HeraldSocketEvents[K]) => void,
): EventResult {
  const connection = useHeraldConnection("useEvent");
  const latest = useRef(fn);
  // Updated as the render commits, before any event can reach the new render's function.
  useInsertionEffect(() => {
    latest.current = fn;
  });
  const isFunction = typeof fn === "function";
  const misuse = useMemo(() => refusal(name, isFunction), [name, isFunction]);
  const socket = connection.socket;
  // The socket's own refusal, for the socket and name it was given.
  const [refused, setRefused] = useState<{ socket: unknown; name: string; error: HeraldError }>();
  useEffect(() => {
    if (misuse) return undefined;
    try {
      return listen(socket, name, (event) => latest.current(event));
    } catch (thrown) {
      setRefused({ socket, name, error: HeraldError.from(thrown, "bad_input") });
      return undefined;
    }
  }, [socket, name, misuse]);
  const error = misuse ?? (refused?.socket === socket && refused.name === name ? refused.error : undefined);
  return useMemo(() => (error ? { error } : listening), [error]);
}

function refusal(name: unknown, isFunction: boolean): HeraldError | undefined {
  if (typeof name !== "string" || !names.has(name)) {
    const known = [...names].join(", ");
    return new HeraldError(
      "bad_input",
      `useEvent: unknown event ${JSON.stringify(String(name))} (one of ${known})`,
    );
  }
  if (!isFunction)
    return new HeraldError("bad_input", `useEvent: the listener of "${name}" must be a function`);
  return undefined;
}
