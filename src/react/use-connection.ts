import { useCallback, useSyncExternalStore } from "react";
import type { Client } from "../client.js";
import type { HeraldError } from "../errors.js";
import type { Session } from "../session.js";
import type { SocketState } from "../socket/socket-types.js";
import { useHeraldConnection } from "./herald-context.js";
import type { HeraldSocket } from "./herald-socket.js";

/** The provider's REST client. */
export function useClient(): Client {
  return useHeraldConnection("useClient").client;
}

/** The provider's session. */
export function useSession(): Session {
  return useHeraldConnection("useSession").session;
}

/**
 * The provider's socket, for calls the hooks do not cover (`updateStatus`, `followUsers`, ...).
 * The provider connects and disconnects it: do not call `connect` or `disconnect` yourself.
 */
export function useSocket(): HeraldSocket {
  return useHeraldConnection("useSocket").socket;
}

/**
 * The socket's connection state, re-rendering on every change: `connecting`, `open`,
 * `reconnecting` (a socket that reconnects by itself, restoring a lost connection) or `closed`.
 */
export function useConnectionState(): SocketState {
  const connection = useHeraldConnection("useConnectionState");
  return useSyncExternalStore(
    useCallback((fn) => connection.subscribe(fn), [connection]),
    () => connection.socket.state,
    () => "closed",
  );
}

/** What {@link useConnection} returns. */
export interface ConnectionInfo {
  state: SocketState;
  /** Why connecting failed (e.g. `unauthenticated`, `disconnected`); cleared once open. */
  error: HeraldError | undefined;
  /** Connects again after a failure or a close; does nothing while connecting or open. */
  reconnect(): void;
}

/** The connection state with the last connect failure and a way to try again. */
export function useConnection(): ConnectionInfo {
  const connection = useHeraldConnection("useConnection");
  const subscribe = useCallback((fn: () => void) => connection.subscribe(fn), [connection]);
  const state = useSyncExternalStore(
    subscribe,
    () => connection.socket.state,
    () => "closed" as const,
  );
  const error = useSyncExternalStore(
    subscribe,
    () => connection.error,
    () => undefined,
  );
  const reconnect = useCallback(() => connection.reconnect(), [connection]);
  return { state, error, reconnect };
}
