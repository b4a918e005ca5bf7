// Two users on one server for the tests of work that crosses a lost connection: ada, whose
// connection can be cut and whose REST requests can be held, and bob, who writes meanwhile.

import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { Client, type GapEvent, type Session, type Socket } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { type CuttableWebSocket, cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { startServer, uniqueName } from "../helpers/server.js";
import type { ServerMode } from "../helpers/server-modes.js";
import { serverKeyOf } from "../helpers/stock-server.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";
import { holdingFetch } from "./holding-fetch.js";

/**
 * Starts a server in `mode` and signs ada and bob in. bob is connected; ada is not (connect her
 * with `adaSession`). bob has a Client of his own, so ada's first connection is the first to read
 * the capabilities. Both sockets and the server are closed when the test ends.
 */
export async function raceSetUp(t: TestContext, mode: ServerMode, codec: Codec) {
  const server = await startServer(mode.options);
  t.after(() => server.close());
  return raceUsers(t, server.port, server.port, codec);
}

/**
 * Signs ada in on the server at `adaPort` (her REST requests through a holding fetch, her socket
 * cuttable) and bob on the one at `bobPort`, each with a Client of their own, and connects bob.
 * Both sockets are closed when the test ends.
 */
export async function raceUsers(t: TestContext, adaPort: number, bobPort: number, codec: Codec) {
  const net = holdingFetch();
  const client = new Client({ port: adaPort, fetch: net.fetch, serverKey: serverKeyOf(adaPort) });
  const bobClient = new Client({ port: bobPort, serverKey: serverKeyOf(bobPort) });
  const signIn = (on: Client, name: string): Promise<Session> =>
    on.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
  const [adaSession, bobSession] = await Promise.all([signIn(client, "ada"), signIn(bobClient, "bob")]);
  const cuttable = cuttableWebSocket();
  const ada = client.createSocket({
    codec,
    WebSocket: cuttable.WebSocket,
    heartbeat: false,
    reconnect: { minDelayMs: 5, maxDelayMs: 20 },
  });
  const bob = bobClient.createSocket({ codec, reconnect: false });
  t.after(() => Promise.all([ada.disconnect(), bob.disconnect()]));
  await bob.connect(bobSession);
  return { net, cuttable, ada, adaSession, bob };
}

/**
 * Brings ada back, has bob write "after" once she is, and checks what her app was handed: the
 * `caughtUp` texts first, each once, in order and marked as caught up, then "after", and no gap.
 */
export async function comeBack(
  on: {
    ada: Socket;
    cuttable: CuttableWebSocket;
    bob: Socket;
    roomId: string;
    got: string[];
    gaps: GapEvent[];
  },
  caughtUp: string[],
): Promise<void> {
  const { ada, cuttable, bob, roomId, got, gaps } = on;
  const back = nextEvent(ada.onReconnected.bind(ada), "reconnected");
  cuttable.restore();
  await back;
  // Live messages wait behind catch-up: once this one is in, catch-up is over.
  await bob.writeChatMessage(roomId, { text: "after" });
  await waitFor(() => got.some((g) => g.startsWith("after")), "the live message after the reconnection");
  assert.deepEqual(
    got.slice(0, caughtUp.length),
    caughtUp.map((text) => `${text} (caught up)`),
  );
  assert.deepEqual(
    got.slice(caughtUp.length).map((g) => g.replace(" (caught up)", "")),
    ["after"],
  );
  assert.deepEqual(gaps, []);
}

/** What ada's app is handed, as `text` (catch-up ones marked) and the gaps it is told of. */
export function record(socket: Socket) {
  const got: string[] = [];
  const gaps: GapEvent[] = [];
  socket.onChannelMessage((m) => {
    const text = (m.content as { text?: string }).text ?? "?";
    got.push(m.catchUp ? `${text} (caught up)` : text);
  });
  socket.onGap((g) => gaps.push(g));
  return { got, gaps };
}

/** Cuts ada's connection, keeps her from reconnecting until `cuttable.restore()`, and waits until her socket notices. */
export async function loseConnection(
  ada: Socket,
  cuttable: CuttableWebSocket,
  what = "the loss to be noticed",
): Promise<void> {
  cuttable.refuse();
  cuttable.cut();
  await waitFor(() => ada.state === "reconnecting", what);
}
