// The writer's turn batching: what one event-loop turn writes to a socket leaves in one write, in
// the order written, with `ws`'s own frames (pings) kept in their place; and bytes corked for the
// end of the turn are not counted as unread.
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, test } from "node:test";
import type WebSocket from "ws";
import { SocketWriter, type WriteTarget } from "../../src/server/transport/realtime/writer.js";
import { waitFor as until } from "../sdk/helpers.js";
import { type PairClient, target, wsPairs } from "./ws-pairs.js";

/** `count` connected pairs, and a count of the writes each server socket makes. */
async function serverWithClients(count: number) {
  const pairs = await wsPairs(count);
  const writes: number[] = [];
  for (const side of pairs.serverSides) {
    // Counts the socket's calls into the kernel: one per `_write` or `_writev`.
    const socket = (side as unknown as { _socket: Socket })._socket as Socket & {
      _write: (...args: unknown[]) => void;
      _writev: (...args: unknown[]) => void;
    };
    const k = writes.push(0) - 1;
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (...args) => {
      writes[k] = (writes[k] ?? 0) + 1;
      write(...args);
    };
    socket._writev = (...args) => {
      writes[k] = (writes[k] ?? 0) + 1;
      writev(...args);
    };
  }
  return { ...pairs, writes };
}

/** Resolves after the writer's end-of-turn uncork (a later immediate). */
const nextTurn = () => new Promise((r) => setImmediate(() => setImmediate(r)));

describe("socket writer turns", () => {
  test("one turn's frames to a socket leave in one write, in order, text and binary, with pings in place", async () => {
    const { serverSides, clients, writes, close } = await serverWithClients(2);
    try {
      const writer = new SocketWriter(64 * 1024 * 1024);
      const targets = serverSides.map((ws, i) => target(ws, i === 1));
      const expected: string[][] = clients.map(() => []);
      const TURNS = 6;
      const PER_TURN = 40;
      const before = [...writes];
      for (let turn = 0; turn < TURNS; turn++) {
        for (let n = 0; n < PER_TURN; n++) {
          // A shared broadcast payload, then one socket's own reply, as the services write them.
          const shared = Buffer.from(`{"turn":${turn},"n":${n}}`);
          for (const [i, t] of targets.entries()) {
            assert.equal(writer.write(t, shared, "channelMessage"), true);
            expected[i]?.push(i === 1 ? `bin:${shared}` : `${shared}`);
          }
          const own = Buffer.from(`{"cid":"${turn}.${n}"}`);
          const i = n % targets.length;
          writer.write(targets[i] as WriteTarget, own);
          expected[i]?.push(i === 1 ? `bin:${own}` : `${own}`);
          if (n === PER_TURN / 2) {
            // `ws` writes a ping itself, straight to the corked socket: it must keep its place.
            for (const [k, side] of serverSides.entries()) {
              side.ping();
              expected[k]?.push("ping");
            }
          }
        }
        await nextTurn();
      }
      await until(
        () => clients.every((c, i) => c.log.length === expected[i]?.length),
        "every frame to arrive",
      );
      for (const [i, c] of clients.entries()) assert.deepEqual(c.log, expected[i], `client ${i}: order`);
      for (const [i, n] of writes.entries()) {
        const made = n - (before[i] ?? 0);
        // Each turn wrote 60-odd frames and a ping to the socket: one write per turn, not per frame.
        assert.ok(made >= 1 && made <= TURNS, `socket ${i}: ${made} writes for ${TURNS} turns`);
      }
    } finally {
      await close();
    }
  });

  test("bytes corked for the turn's end are not unread; bytes the reader leaves behind are", async () => {
    const { serverSides, clients, close } = await serverWithClients(1);
    try {
      const writer = new SocketWriter(1 << 30);
      const ws = serverSides[0] as WebSocket;
      const t = target(ws, false);
      const client = clients[0] as PairClient;
      // The reader stops reading, so what passes the kernel's buffers stays in the server's.
      const clientSocket = (client.ws as unknown as { _socket: Socket })._socket;
      clientSocket.pause();
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const FRAMES = 256;
      for (let i = 0; i < FRAMES; i++) writer.write(t, chunk);
      assert.ok(ws.bufferedAmount >= FRAMES * chunk.length, "the burst is buffered while corked");
      assert.equal(writer.unsentBytes(t), 0, "a burst corked in this turn is not a slow reader");
      await nextTurn();
      // 16 MiB cannot all pass the loopback's socket buffers to a reader that does not read.
      const left = writer.unsentBytes(t);
      assert.ok(left > 0, "after the turn, what the kernel did not take counts");
      assert.equal(left, ws.bufferedAmount);
      clientSocket.resume();
      await until(() => client.frames.length === FRAMES, "the reader to catch up");
      await until(() => writer.unsentBytes(t) === 0, "nothing left unsent");
    } finally {
      await close();
    }
  });
});
