// Two users on one server for the tests of work that crosses a lost connection: ada, whose
// connection can be cut and whose REST requests can be held, and bob, who writes meanwhile.

import type { TestContext } from "node:test";
import { Client, type Session } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { startServer, uniqueName } from "../helpers/server.js";
import type { ServerMode } from "../helpers/server-modes.js";
import { holdingFetch } from "./holding-fetch.js";

/**
 * Starts a server in `mode` and signs ada and bob in. bob is connected; ada is not (connect her
 * with `adaSession`). bob has a Client of his own, so ada's first connection is the first to read
 * the capabilities. Both sockets and the server are closed when the test ends.
 */
export async function raceSetUp(t: TestContext, mode: ServerMode, codec: Codec) {
  const server = await startServer(mode.options);
  t.after(() => server.close());
  const net = holdingFetch();
  const client = new Client({ port: server.port, fetch: net.fetch });
  const signIn = (name: string): Promise<Session> =>
    client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
  const [adaSession, bobSession] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobClient = new Client({ port: server.port });
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
