import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, test } from "node:test";
import type { Codec } from "../../src/protocol/codec.js";
import {
  authenticate,
  captureLog,
  codecs,
  openSocket,
  type RawSocket,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

function pause(s: RawSocket): Socket {
  const socket = (s.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return socket;
}

/** A reader and a sender in one new room; the reader's TCP socket is paused (returned to resume). */
async function slowReaderAndSender(srv: TestServer, codec: Codec) {
  const room = uniqueName("room");
  const r = await openSocket(srv.url, await authenticate(srv.url), codec);
  const s = await openSocket(srv.url, await authenticate(srv.url), codec);
  const ch = await r.call("channelJoin", { target: room, type: 1 }, "channel");
  await s.call("channelJoin", { target: room, type: 1 }, "channel");
  return { r, s, ch, socket: pause(r) };
}

describe("connections", () => {
  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("a briefly slow reader loses nothing: it receives every message once it reads again", async () => {
        const srv = await startServer();
        try {
          const { r, s, ch, socket } = await slowReaderAndSender(srv, codec);
          const content = JSON.stringify({ pad: "x".repeat(1000) });
          const acks = await Promise.all(
            Array.from({ length: 500 }, () =>
              s.call("channelMessageSend", { channelId: ch.id, content }, "channelMessageAck"),
            ),
          );
          socket.resume();
          const last = acks[acks.length - 1]?.messageId;
          await r.next("channelMessage", (m) => m.messageId === last);
          const got = r.received
            .filter((e) => e.kind === "channelMessage")
            .map((e) => (e.body as { messageId: string }).messageId);
          assert.deepEqual(
            got,
            acks.map((a) => a.messageId),
          );
          await r.close();
          await s.close();
        } finally {
          await srv.close();
        }
      });

      test("a reader that falls too far behind is closed with 1013 after an unbroken prefix of messages", async () => {
        const log = captureLog();
        const srv = await startServer({ maxBufferedBytes: 64 * 1024, logger: log.logger });
        try {
          const { r, s, ch, socket } = await slowReaderAndSender(srv, codec);
          const content = JSON.stringify({ pad: "x".repeat(3500) });
          const sent: string[] = [];
          // Kernel socket buffers absorb several MiB first; keep sending until the server gives up.
          for (
            let batch = 0;
            batch < 200 && !log.events.some((e) => e.event === "slow_reader_closed");
            batch++
          ) {
            const acks = await Promise.all(
              Array.from({ length: 100 }, () =>
                s.call("channelMessageSend", { channelId: ch.id, content }, "channelMessageAck"),
              ),
            );
            sent.push(...acks.map((a) => a.messageId));
          }
          await log.waitFor("slow_reader_closed");
          socket.resume();
          const closed = await r.closed;
          assert.equal(closed.code, 1013);
          assert.match(closed.reason, /Slow reader/);
          const got = r.received
            .filter((e) => e.kind === "channelMessage")
            .map((e) => (e.body as { messageId: string }).messageId);
          assert.ok(got.length > 0);
          assert.deepEqual(got, sent.slice(0, got.length), "what arrived is an unbroken prefix");
          // The sender is unaffected.
          await s.call("ping", {}, "pong");
          await s.close();
        } finally {
          await srv.close();
        }
      });
    });
  }

  test("the keepalive drops a socket that stops answering pings and keeps healthy ones", async () => {
    const log = captureLog();
    // A healthy socket must answer each ping within one interval: a second leaves a loaded machine room.
    const srv = await startServer({ pingIntervalMs: 1000, logger: log.logger });
    try {
      const dead = await authenticate(srv.url);
      const alive = await authenticate(srv.url);
      const d = await openSocket(srv.url, dead);
      const a = await openSocket(srv.url, alive);
      pause(d);
      const timedOut = await log.waitFor("session_timeout");
      assert.equal(timedOut.userId, dead.userId);
      await log.waitFor("session_close");
      assert.equal(srv.server.sessionCount, 1);
      await a.call("ping", {}, "pong");
      assert.ok(!log.events.some((e) => e.event === "session_timeout" && e.fields.userId === alive.userId));
      await a.close();
    } finally {
      await srv.close();
    }
  });

  test("the keepalive keeps a socket whose pong came while the server's process was stalled", async () => {
    const log = captureLog();
    const srv = await startServer({ pingIntervalMs: 200, logger: log.logger });
    try {
      const ada = await openSocket(srv.url, await authenticate(srv.url));
      // The client (in the server's process) answers the ping at once, then the process stalls
      // past the next ping: the pong waits in the kernel when that ping's turn comes.
      const stalled = new Promise<void>((resolve) =>
        ada.ws.once("ping", () => {
          const until = Date.now() + 600;
          while (Date.now() < until) {
            // a blocked event loop, as on a busy machine or during a long synchronous task
          }
          resolve();
        }),
      );
      await stalled;
      // Two more keepalive periods, each answered in time.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await ada.call("ping", {}, "pong");
      assert.deepEqual(
        log.events.filter((e) => e.event === "session_timeout"),
        [],
      );
      await ada.close();
    } finally {
      await srv.close();
    }
  });

  test("closing the server closes sockets with 1001 going away", async () => {
    const srv = await startServer();
    const ada = await authenticate(srv.url);
    const a = await openSocket(srv.url, ada);
    await srv.close();
    const closed = await a.closed;
    assert.equal(closed.code, 1001);
  });
});
