import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import {
  DataFrame,
  dataFrameHeader,
  JOINED_FRAME_MAX,
} from "../../src/server/transport/realtime/data-frame.js";
import { SocketWriter, type WriteTarget } from "../../src/server/transport/realtime/writer.js";

/** Payload lengths at each edge of the header's length encodings, and of the joined-frame limit. */
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000, JOINED_FRAME_MAX, JOINED_FRAME_MAX + 1];

interface Received {
  data: Buffer;
  binary: boolean;
}

/** A `ws` server (no extension, as the gateway sets it up) with `count` real clients connected. */
async function serverWithClients(count: number) {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const serverSides: WebSocket[] = [];
  const clients: { ws: WebSocket; got: Received[]; pings: number }[] = [];
  for (let i = 0; i < count; i++) {
    const accepted = once(wss, "connection");
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const client = { ws, got: [] as Received[], pings: 0 };
    ws.on("message", (data: Buffer, binary: boolean) => client.got.push({ data, binary }));
    ws.on("ping", () => {
      client.pings += 1;
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

function target(ws: WebSocket, binary: boolean): WriteTarget {
  return { ws, binary, corkTurn: 0, turnBytes: 0 };
}

/** Resolves once `check` holds, polling; fails after 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function payload(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  // Printable ASCII: valid UTF-8, so the same bytes may go to text and binary sockets alike.
  for (let i = 0; i < length; i++) b[i] = 32 + ((i * 31 + seed) % 95);
  return b;
}

describe("socket writer frames", () => {
  test("the header encodes each length class as RFC 6455 does", () => {
    assert.deepEqual([...dataFrameHeader(0, false)], [0x81, 0]);
    assert.deepEqual([...dataFrameHeader(125, true)], [0x82, 125]);
    assert.deepEqual([...dataFrameHeader(126, false)], [0x81, 126, 0, 126]);
    assert.deepEqual([...dataFrameHeader(65_535, false)], [0x81, 126, 0xff, 0xff]);
    assert.deepEqual([...dataFrameHeader(65_536, true)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    const small = new DataFrame(Buffer.from("hi"), false);
    assert.equal(small.parts.length, 1, "a small payload is written in one piece");
    const large = new DataFrame(payload(JOINED_FRAME_MAX + 1, 1), true);
    assert.equal(large.parts.length, 2, "a large payload is written after its header, not copied");
    assert.equal(large.parts[1], large.payload);
  });

  test("every length class arrives whole, as text or binary, in order, to every socket", async () => {
    const { serverSides, clients, close } = await serverWithClients(3);
    try {
      const writer = new SocketWriter(64 * 1024 * 1024);
      const targets = serverSides.map((ws, i) => target(ws, i % 2 === 1));
      const sent: Buffer[] = [];
      for (const [n, length] of LENGTHS.entries()) {
        // One payload to every socket (a broadcast: its frame is built once and shared)...
        const shared = payload(length, n);
        sent.push(shared);
        for (const t of targets) assert.equal(writer.write(t, shared, "channelMessage"), true);
        // ...and a frame of `ws`'s own in between, which must not split or reorder ours.
        serverSides[0]?.ping();
        // Then a payload for one socket alone.
        const own = payload(length + 3, n + 100);
        sent.push(own);
        assert.equal(writer.write(targets[n % targets.length] as WriteTarget, own), true);
      }
      const expected = clients.map((_, i) =>
        sent.filter((_, k) => k % 2 === 0 || Math.floor(k / 2) % clients.length === i),
      );
      await until(
        () => clients.every((c, i) => c.got.length === expected[i]?.length),
        "every frame to arrive",
      );
      for (const [i, c] of clients.entries()) {
        assert.deepEqual(
          c.got.map((g) => g.data.length),
          expected[i]?.map((b) => b.length),
        );
        for (const [k, g] of c.got.entries()) {
          assert.ok(g.data.equals(expected[i]?.[k] as Buffer), `client ${i}, frame ${k}: same bytes`);
          assert.equal(g.binary, i % 2 === 1, `client ${i}, frame ${k}: its socket's format`);
        }
      }
      await until(() => clients[0]?.pings === LENGTHS.length, "the pings");
      assert.equal(writer.framesWritten, LENGTHS.length * (clients.length + 1));
    } finally {
      await close();
    }
  });

  test("nothing is written to a socket once it is closing, and the client sees a clean close", async () => {
    const { serverSides, clients, close } = await serverWithClients(1);
    try {
      const writer = new SocketWriter(64 * 1024 * 1024);
      const ws = serverSides[0] as WebSocket;
      const t = target(ws, false);
      assert.equal(writer.write(t, Buffer.from('{"a":1}')), true);
      ws.close(1000, "bye");
      assert.equal(writer.write(t, Buffer.from('{"a":2}')), false);
      const client = clients[0];
      assert.ok(client);
      const [code] = (await once(client.ws, "close")) as [number];
      assert.equal(code, 1000);
      assert.deepEqual(
        client.got.map((g) => g.data.toString()),
        ['{"a":1}'],
      );
    } finally {
      await close();
    }
  });
});
