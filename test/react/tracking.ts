// Sockets whose connections and listeners a test can count, and cut as a network would.
import type { Client, SocketOptions } from "../../src/index.js";
import type { HeraldSocket } from "../../src/react/index.js";
import {
  defaultWebSocket,
  type WebSocketConstructor,
  type WebSocketLike,
} from "../../src/transport/websocket.js";

/** What a test sees of the sockets a provider made. */
export interface Tracking {
  /** The provider's `createSocket` prop. */
  createSocket(client: Client): HeraldSocket;
  /** WebSocket connections opened so far. */
  connections(): number;
  /** WebSocket connections not closed. */
  openConnections(): number;
  /** Listeners subscribed through `on` and not unsubscribed, over every socket made. */
  listeners(): number;
  /** Listener counts by event name. */
  listenersByName(): Record<string, number>;
  /** Drops the latest connection without a close handshake (the client sees 1006). */
  cut(): void;
  /**
   * Fails new connections at once (nothing listens where they go) until `restore()`: a socket
   * kept away for as long as a test needs, however slow the machine.
   */
  refuse(): void;
  /** Lets new connections through again. */
  restore(): void;
}

/**
 * Tracks the sockets the provider makes: plain ones (`reconnect: false`) by default, or with
 * `resilient` ones that reconnect by themselves, with quick retries.
 */
export function tracking(options: { resilient?: boolean; resilientOptions?: SocketOptions } = {}): Tracking {
  const made: WebSocketLike[] = [];
  const live = new Map<string, number>();
  let refusing = false;
  function tracked(url: string): WebSocketLike {
    // Port 1 on loopback: refused at once. Not counted, as no server saw it.
    if (refusing)
      return new defaultWebSocket(url.replace(/^(wss?:\/\/)[^/]+/, (_, scheme) => `${scheme}127.0.0.1:1`));
    const ws = new defaultWebSocket(url);
    made.push(ws);
    return ws;
  }
  const WebSocket = tracked as unknown as WebSocketConstructor;
  return {
    createSocket(client) {
      const socket: HeraldSocket = options.resilient
        ? client.createSocket({
            WebSocket,
            reconnect: { minDelayMs: 20, maxDelayMs: 100 },
            ...options.resilientOptions,
          })
        : client.createSocket({ WebSocket, reconnect: false });
      // The same socket, with `on` counting what stays subscribed.
      return new Proxy(socket, {
        get(target, name) {
          if (name === "on") {
            return (event: string, fn: (e: never) => void) => {
              const off = (target.on as (n: string, f: (e: never) => void) => () => void)(event, fn);
              live.set(event, (live.get(event) ?? 0) + 1);
              let done = false;
              return () => {
                if (!done) live.set(event, (live.get(event) ?? 0) - 1);
                done = true;
                off();
              };
            };
          }
          const value = Reflect.get(target, name, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
    connections: () => made.length,
    openConnections: () => made.filter((ws) => ws.readyState !== 3).length,
    listeners: () => [...live.values()].reduce((a, b) => a + b, 0),
    listenersByName: () => Object.fromEntries([...live].filter(([, n]) => n !== 0)),
    cut: () => (made[made.length - 1] as unknown as { terminate(): void } | undefined)?.terminate(),
    refuse: () => {
      refusing = true;
    },
    restore: () => {
      refusing = false;
    },
  };
}
