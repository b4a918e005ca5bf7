// A loopback TCP proxy in front of a server that a test can break as a network would: cut every
// connection, swallow traffic without closing (a blackhole), refuse new connections, restore.
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

/** A proxy on an ephemeral port forwarding to `127.0.0.1:target`. */
export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Drops every open connection at once (clients see 1006); new ones are accepted. */
  cut(): void;
  /** Cuts every connection and refuses new ones until {@link FaultProxy.restore}. */
  down(): void;
  /** Open and new connections stay up but carry nothing either way, until restored. */
  blackhole(): void;
  /** Back to normal: new connections are forwarded (blackholed ones stay dead and are cut). */
  restore(): void;
  close(): Promise<void>;
}

type Mode = "up" | "down" | "blackhole";

export async function startFaultProxy(target: number): Promise<FaultProxy> {
  let mode: Mode = "up";
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === "down") {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = new (client.constructor as typeof Socket)();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (mode !== "blackhole" && !blackholed.has(from)) to.write(chunk);
      });
    if (mode === "blackhole") {
      blackholed.add(client);
      blackholed.add(upstream);
    }
    upstream.connect(target, "127.0.0.1", () => {
      forward(client, upstream);
      forward(upstream, client);
    });
  });
  const blackholed = new WeakSet<Socket>();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const cutAll = () => {
    for (const [client, upstream] of [...pairs]) {
      // A reset, not a FIN: the client learns of it as of a network failure.
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut: cutAll,
    down() {
      mode = "down";
      cutAll();
    },
    blackhole() {
      mode = "blackhole";
      for (const [client, upstream] of pairs) {
        blackholed.add(client);
        blackholed.add(upstream);
      }
    },
    restore() {
      if (mode === "blackhole") {
        for (const pair of [...pairs])
          if (blackholed.has(pair[0])) {
            pair[0].resetAndDestroy();
            pair[1].destroy();
            pairs.delete(pair);
          }
      }
      mode = "up";
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
