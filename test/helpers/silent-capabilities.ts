import type { TestContext } from "node:test";
import { Client, type Session, type Socket } from "../../src/index.js";
import type { FetchFunction } from "../../src/transport/fetch.js";
import { startServer, uniqueName } from "./server.js";

/**
 * A server whose capabilities route never answers (every other REST call goes through), a Client
 * with the default REST limit, a signed-in user and a socket with no heartbeat, not connected.
 */
export async function silentCapabilities(
  t: TestContext,
): Promise<{ client: Client; session: Session; socket: Socket }> {
  const server = await startServer();
  t.after(() => server.close());
  const fetchWith: FetchFunction = (url, init) =>
    String(url).includes("/v2/herald/capabilities")
      ? new Promise<Response>(() => {})
      : fetch(url, init as RequestInit);
  const client = new Client({ port: server.port, serverKey: server.serverKey, fetch: fetchWith });
  const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, create: true });
  const socket = client.createSocket({ heartbeat: false });
  t.after(() => socket.disconnect());
  return { client, session, socket };
}
