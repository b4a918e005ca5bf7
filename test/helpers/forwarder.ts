// A TCP forwarder, for clients that must keep their address through a server restart.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer as createTcpServer, type Socket as TcpSocket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import type { ServerOptions } from "../../src/server/index.js";
import { startServer, type TestServer } from "./server.js";

/**
 * A TCP forwarder on a port of its own to `127.0.0.1:target`, for clients that must keep their
 * address through a server restart: the server comes back on a port it chooses, since its old one,
 * free while it is down, could be taken meanwhile (by an outgoing connection of the tests running
 * alongside, or by a reconnect attempt that connected to itself) and fail the start. While nothing
 * listens at `target`, a connection through the forwarder fails as one made there would.
 */
export async function forwarder(
  target: number,
): Promise<{ port: number; target: number; close(): Promise<void> }> {
  const links = new Set<TcpSocket>();
  const tcp = createTcpServer((client) => {
    const upstream = connect(front.target, "127.0.0.1");
    for (const end of [client, upstream]) {
      links.add(end);
      end.once("close", () => links.delete(end));
      end.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const front = {
    port: (tcp.address() as { port: number }).port,
    target,
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of links) end.destroy();
        tcp.close(() => resolve());
      }),
  };
  return front;
}

/**
 * A bundled server on a database file of its own, reached through a forwarder at `port`: `stop()`
 * closes it, `start()` starts it again on the same file (on a port of its choosing). Closed, and
 * its file removed, when the test ends.
 */
export async function restartableServer(t: TestContext, options: ServerOptions) {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-restart-"));
  const db = path.join(dir, "herald.db");
  let server: TestServer = await startServer({ ...options, db });
  const front = await forwarder(server.port);
  t.after(async () => {
    await server.close();
    await front.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    port: front.port,
    serverKey: server.serverKey,
    stop: () => server.close(),
    async start(): Promise<void> {
      server = await startServer({ ...options, db });
      front.target = server.port;
    },
  };
}
