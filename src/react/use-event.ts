import { useEffect, useInsertionEffect, useRef } from "react";
import { useHeraldConnection } from "./herald-context.js";
import { type HeraldSocketEvents, listen } from "./herald-socket.js";

/**
 * Calls `fn` for every `name` event of the provider's socket while the component is mounted. The
 * latest `fn` is called, so it may be an inline function reading current props and state; the
 * listener itself is added once per socket.
 *
 * ```tsx
 * useEvent("notification", (n) => toast(n.subject));
 * ```
 */
export function useEvent<K extends keyof HeraldSocketEvents>(
  name: K,
  fn: (event: HeraldSocketEvents[K]) => void,
): void {
  const connection = useHeraldConnection("useEvent");
  const latest = useRef(fn);
  // Updated as the render commits, before any event can reach the new render's function.
  useInsertionEffect(() => {
    latest.current = fn;
  });
  const socket = connection.socket;
  useEffect(() => listen(socket, name, (event) => latest.current(event)), [socket, name]);
}
