// herald's own tests cut SDK connections with the test kit's wrapper, so that both are one code.
import type { TestContext } from "node:test";
import type { Client, Codec, ReconnectOptions, Session, Socket } from "../../src/index.js";
import { type CuttableWebSocket, cuttableWebSocket } from "../../src/testing/cuttable-websocket.js";
import type { WebSocketConstructor } from "../../src/transport/websocket.js";

export type { CuttableWebSocket } from "../../src/testing/cuttable-websocket.js";
export { cuttableWebSocket } from "../../src/testing/cuttable-websocket.js";

/**
 * A socket of `session` over a cuttable WebSocket (wrapping `WebSocket` if given), connected, with no heartbeat and a quick
 * reconnection (unless `reconnect` says otherwise); disconnected when the test ends.
 */
export async function cuttableSocket(
  t: TestContext,
  client: Client,
  session: Session,
  options: { codec: Codec; reconnect?: ReconnectOptions; WebSocket?: WebSocketConstructor },
): Promise<CuttableWebSocket & { socket: Socket }> {
  const cuttable = cuttableWebSocket(options.WebSocket && { WebSocket: options.WebSocket });
  const socket = client.createSocket({
    codec: options.codec,
    WebSocket: cuttable.WebSocket,
    heartbeat: false,
    reconnect: options.reconnect ?? { minDelayMs: 5, maxDelayMs: 40 },
  });
  t.after(() => socket.disconnect());
  await socket.connect(session);
  return { ...cuttable, socket };
}

/**
 * Cuts `net`'s connections and refuses new ones (until `net.restore()`); resolves once `socket`
 * is `reconnecting`.
 */
export async function cutAway(socket: Socket, net: CuttableWebSocket): Promise<void> {
  net.refuse();
  const away = new Promise<void>((resolve) => {
    const off = socket.onState(({ state }) => {
      if (state !== "reconnecting") return;
      off();
      resolve();
    });
  });
  net.cut();
  await away;
}
