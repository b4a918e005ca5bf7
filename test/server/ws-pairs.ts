// Real `ws` connections for the server writer's tests: a `ws` server set up as the gateway sets it
// up (no extension), and real clients connected to it.

import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import type { WriteTarget } from "../../src/server/transport/realtime/writer.js";

/** What a client was sent: each data frame with its kind, and `ws`'s pings. */
export interface PairClient {
  ws: WebSocket;
  frames: { data: Buffer; binary: boolean }[];
  pings: number;
  /** Data frames and pings in the order they came: text, `bin:` + text, or `ping`. */
  log: string[];
}

/** Starts a server with `count` clients connected: each client and its server side, and a close. */
export async function wsPairs(count: number) {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const serverSides: WebSocket[] = [];
  const clients: PairClient[] = [];
  for (let i = 0; i < count; i++) {
    const accepted = once(wss, "connection");
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const client: PairClient = { ws, frames: [], pings: 0, log: [] };
    ws.on("message", (data: Buffer, binary: boolean) => {
      client.frames.push({ data, binary });
      client.log.push(binary ? `bin:${data.toString()}` : data.toString());
    });
    ws.on("ping", () => {
      client.pings += 1;
      client.log.push("ping");
    });
    await once(ws, "open");
    serverSides.push((await accepted)[0] as WebSocket);
    clients.push(client);
  }
  const close = async () => {
    for (const c of clients) c.ws.terminate();
    for (const s of serverSides) s.terminate();
    wss.close();
    http.close();
    await once(http, "close");
  };
  return { serverSides, clients, close };
}

/** A fresh write target for a server side, as the gateway makes one per connection. */
export function target(ws: WebSocket, binary: boolean): WriteTarget {
  return {
    ws,
    binary,
    corkTurn: 0,
    turnBytes: 0,
    writtenBytes: 0,
    checkedUnsent: 0,
    checkedWritten: 0,
    takeRate: 0,
  };
}
