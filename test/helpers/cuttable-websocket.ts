// A WebSocket constructor for SDK sockets whose connections a test can cut, as a network would.
import type { WebSocketConstructor, WebSocketLike } from "../../src/transport/websocket.js";
import { defaultWebSocket } from "../../src/transport/websocket.js";

/** The constructor to hand to a socket, and the means to cut its latest connection. */
export interface CuttableWebSocket {
  WebSocket: WebSocketConstructor;
  /** Connections attempted so far. */
  count(): number;
  /** Drops the latest connection at once, without a close handshake (the client sees 1006). */
  cut(): void;
}

export function cuttableWebSocket(): CuttableWebSocket {
  const made: WebSocketLike[] = [];
  function Cuttable(url: string): WebSocketLike {
    const ws = new defaultWebSocket(url);
    made.push(ws);
    return ws;
  }
  return {
    WebSocket: Cuttable as unknown as WebSocketConstructor,
    count: () => made.length,
    cut: () => (made[made.length - 1] as unknown as { terminate(): void } | undefined)?.terminate(),
  };
}
