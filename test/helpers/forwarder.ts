// A TCP forwarder, for clients that must keep their address through a server restart.
import { connect, createServer as createTcpServer, type Socket as TcpSocket } from "node:net";

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
