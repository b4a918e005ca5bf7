// A stand-in realtime server whose behaviour a test controls: it answers pings until told to stop.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";

/** One accepted WebSocket connection. */
export interface FakeConnection {
  ws: WebSocket;
  /** Pings received on this connection. */
  pings: number;
  /** While true, pings get no pong (the connection stays open). */
  silent: boolean;
}

/** A fake server on an ephemeral port. */
export interface FakeServer {
  port: number;
  connections: FakeConnection[];
  /** Stops listening and cuts every connection (clients see an abnormal close). */
  close(): Promise<void>;
}

/** Accepts WebSocket upgrades on `/ws` in the format the URL names and answers `ping` with `pong`. */
export async function startFakeServer(): Promise<FakeServer> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: "/ws" });
  const connections: FakeConnection[] = [];
  wss.on("connection", (ws, req) => {
    const format = new URL(req.url ?? "/", "http://x").searchParams.get("format");
    const codec: Codec = format === "protobuf" ? protobufCodec : jsonCodec;
    const connection: FakeConnection = { ws, pings: 0, silent: false };
    connections.push(connection);
    ws.on("message", (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : String(data);
      const envelope = codec.decodeEnvelope(frame, { ignoreUnknown: true });
      if (envelope.kind !== "ping") return;
      connection.pings++;
      if (!connection.silent) ws.send(codec.encodeEnvelope({ cid: envelope.cid, kind: "pong", body: {} }));
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    port: (http.address() as AddressInfo).port,
    connections,
    async close() {
      for (const c of connections) c.ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
