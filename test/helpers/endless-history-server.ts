// A fake server whose channel history never ends: every page is full, of new messages, with a new
// cursor. It speaks just enough of the protocol for a socket to connect, join and page history.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";

export const ENDLESS_CHANNEL = "2...endless";

export interface EndlessHistoryServer {
  port: number;
  /** History requests answered so far (the one with limit 1 at join included). */
  readonly historyRequests: number;
  /** Open WebSocket connections, newest last. */
  sockets: WebSocket[];
  /** How long each history answer waits, in milliseconds. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startEndlessHistoryServer(): Promise<EndlessHistoryServer> {
  let historyRequests = 0;
  let made = 0;
  const state = { delayMs: 0 };
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (url.pathname === "/v2/herald/capabilities") {
      return reply(200, { server: "herald", version: "0", extensions: ["exact_cursors"] });
    }
    if (url.pathname.startsWith("/v2/channel/")) {
      historyRequests++;
      const limit = Number(url.searchParams.get("limit") ?? 1);
      const messages = Array.from({ length: limit }, () => {
        made++;
        return {
          channel_id: ENDLESS_CHANNEL,
          message_id: `m-${made}`,
          sender_id: "u-2",
          username: "bob",
          content: JSON.stringify({ n: made }),
          // Newest first, each page older than the last, yet all newer than the message found at
          // join (a listing of one): reading back never reaches it.
          create_time: new Date(
            limit === 1 ? Date.UTC(2000, 0, 1) : Date.UTC(2030, 0, 1) - made * 1000,
          ).toISOString(),
          persistent: true,
          room_name: "endless",
        };
      });
      setTimeout(
        () => reply(200, { messages, next_cursor: `c-${made}`, cacheable_cursor: `k-${made}` }),
        state.delayMs,
      );
      return;
    }
    reply(404, { code: 5, message: "not found" });
  });
  const wss = new WebSocketServer({ server: http, path: "/ws" });
  const sockets: WebSocket[] = [];
  wss.on("connection", (ws, req) => {
    sockets.push(ws);
    const codec: Codec =
      new URL(req.url ?? "/", "http://x").searchParams.get("format") === "protobuf"
        ? protobufCodec
        : jsonCodec;
    ws.on("message", (data, isBinary) => {
      const envelope = codec.decodeEnvelope(isBinary ? new Uint8Array(data as Buffer) : String(data), {
        ignoreUnknown: true,
      });
      const cid = envelope.cid;
      if (envelope.kind === "ping") ws.send(codec.encodeEnvelope({ cid, kind: "pong", body: {} }));
      else if (envelope.kind === "channelJoin") {
        ws.send(
          codec.encodeEnvelope({ cid, kind: "channel", body: { id: ENDLESS_CHANNEL, roomName: "endless" } }),
        );
      } else ws.send(codec.encodeEnvelope({ cid, kind: "empty" } as never));
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    port: (http.address() as AddressInfo).port,
    get historyRequests() {
      return historyRequests;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    sockets,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
