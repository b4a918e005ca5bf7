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
  const open = (url: string): WebSocketLike => {
    const ws = new defaultWebSocket(url);
    made.push(ws);
    return ws;
  };
  // A class, so that `new` works on it as on a WebSocket constructor.
  const Cuttable = class {
    constructor(url: string) {
      // biome-ignore lint/correctness/noConstructorReturn: stands in for the WebSocket it makes
      return open(url);
    }
  };
  return {
    WebSocket: Cuttable as unknown as WebSocketConstructor,
    count: () => made.length,
    cut: () => (made[made.length - 1] as unknown as { terminate(): void } | undefined)?.terminate(),
  };
}
