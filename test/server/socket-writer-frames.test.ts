import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, test } from "node:test";
import type WebSocket from "ws";
import {
  DataFrame,
  dataFrameHeader,
  JOINED_FRAME_MAX,
} from "../../src/server/transport/realtime/data-frame.js";
import { SocketWriter, type WriteTarget } from "../../src/server/transport/realtime/writer.js";
import { waitFor as until } from "../sdk/helpers.js";
import { wsPairs as serverWithClients, target } from "./ws-pairs.js";

/** Payload lengths at each edge of the header's length encodings, and of the joined-frame limit. */
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000, JOINED_FRAME_MAX, JOINED_FRAME_MAX + 1];

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
        () => clients.every((c, i) => c.frames.length === expected[i]?.length),
        "every frame to arrive",
      );
      for (const [i, c] of clients.entries()) {
        assert.deepEqual(
          c.frames.map((g) => g.data.length),
          expected[i]?.map((b) => b.length),
        );
        for (const [k, g] of c.frames.entries()) {
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
        client.frames.map((g) => g.data.toString()),
        ['{"a":1}'],
      );
    } finally {
      await close();
    }
  });
});
