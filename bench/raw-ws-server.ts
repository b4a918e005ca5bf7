// The raw `ws` servers `bench/server.ts` measures herald's server against: nothing but `ws` and
// the fan-out itself, no accounts, rooms or storage.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import WebSocket, { WebSocketServer } from "ws";

/**
 * How a raw server writes a frame to each recipient:
 * - `"framed"` (the ceiling): frames each payload once (RFC 6455 header and payload in one buffer)
 *   and writes those bytes to every recipient's TCP socket, as herald's server does;
 * - `"ws-send"`: calls `ws.send` per recipient, which builds a header and an options object for
 *   each one (herald's server did so before it framed once).
 *
 * Both cork each socket for the rest of the event-loop turn, so a burst leaves in one write.
 */
export type RawSendMode = "framed" | "ws-send";

/** A running raw server. */
export interface RawWsServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** One connection and the writer's bookkeeping for it. */
interface Member {
  readonly ws: WebSocket;
  readonly socket: Socket;
  /** The writer turn in which `socket` was last corked. */
  corkTurn: number;
}

/**
 * The header and payload of a final, unmasked text frame in one buffer: what `ws` itself writes for
 * a server's text message without extensions. The bench's frames stay far below 64 KiB.
 */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  if (n > 0xffff) throw new RangeError(`bench frame of ${n} bytes: only frames below 64 KiB are written`);
  const headerLength = n < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/**
 * Starts a broadcast server on a free port of 127.0.0.1. A client frame `KIND|CID|PAYLOAD` is
 * wrapped in an envelope like herald's (a chat message for `room`, a status event otherwise),
 * encoded once, sent to every connection, and answered with `{"cid":CID}`.
 */
export async function startRawWsServer(mode: RawSendMode): Promise<RawWsServer> {
  const http = createHttpServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
  const members: Member[] = [];
  const corked: Socket[] = [];
  let turn = 1;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    turn += 1;
    for (const socket of corked) socket.uncork();
    corked.length = 0;
  };
  const cork = (member: Member) => {
    if (member.corkTurn === turn) return;
    member.corkTurn = turn;
    member.socket.cork();
    corked.push(member.socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const TEXT = { binary: false, compress: false } as const;
  const send =
    mode === "framed"
      ? (member: Member, frame: Buffer) => {
          cork(member);
          member.socket.write(frame);
        }
      : (member: Member, payload: Buffer) => {
          cork(member);
          member.ws.send(payload, TEXT);
        };
  // `framed` writes pre-framed bytes; `ws-send` hands `ws` the payload to frame per recipient.
  const prepare = mode === "framed" ? textFrame : (payload: Buffer) => payload;

  wss.on("connection", (ws) => {
    const member: Member = { ws, socket: (ws as unknown as { _socket: Socket })._socket, corkTurn: 0 };
    members.push(member);
    ws.on("close", () => {
      const i = members.indexOf(member);
      if (i >= 0) members.splice(i, 1);
    });
    const userId = randomUUID();
    const sessionId = randomUUID();
    ws.on("message", (data) => {
      const text = data.toString();
      const a = text.indexOf("|");
      const b = text.indexOf("|", a + 1);
      const kind = text.slice(0, a);
      const cid = text.slice(a + 1, b);
      const payload = text.slice(b + 1);
      const now = new Date().toISOString();
      const envelope =
        kind === "room"
          ? {
              channel_message: {
                channel_id: "2...bench",
                message_id: randomUUID(),
                code: 0,
                sender_id: userId,
                username: "sender",
                content: payload,
                create_time: now,
                update_time: now,
                persistent: true,
                room_name: "bench",
              },
            }
          : {
              status_presence_event: {
                joins: [{ user_id: userId, session_id: sessionId, username: "sender", status: payload }],
              },
            };
      const frame = prepare(Buffer.from(JSON.stringify(envelope)));
      for (let i = 0; i < members.length; i++) {
        const m = members[i] as Member;
        if (m.ws.readyState === WebSocket.OPEN) send(m, frame);
      }
      send(member, prepare(Buffer.from(JSON.stringify({ cid }))));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    port: (http.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const m of [...members]) m.ws.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
