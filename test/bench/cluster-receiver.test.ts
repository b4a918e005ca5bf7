import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { type WebSocket, WebSocketServer } from "ws";
import { CountingReceiver } from "../../bench/cluster-receiver.js";
import { waitFor } from "../../src/testing/wait-for.js";

// The fan-out benchmark's counting receivers read on a timer, many frames per read; a count that
// drifts would make its deliveries/s wrong, so every frame must be counted exactly once whatever
// the frame sizes (7-bit, 16-bit and 64-bit lengths), however frames split across reads, and
// control frames (pings) must be answered and not counted.

const http = createServer();
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
const sockets: WebSocket[] = [];
wss.on("connection", (ws) => {
  sockets.push(ws);
  // Setup calls are answered with their cid, as the server answers a join.
  ws.on("message", (data) => {
    const { cid } = JSON.parse(String(data)) as { cid: string };
    ws.send(JSON.stringify({ cid, ok: true }));
  });
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

after(async () => {
  CountingReceiver.setReadInterval(20);
  for (const ws of sockets) ws.terminate();
  await new Promise((resolve) => http.close(resolve));
});

/** Sends `rounds` bursts of frames of every length class, text and binary; returns how many. */
async function sendBursts(ws: WebSocket, rounds: number): Promise<number> {
  const sizes = [0, 5, 125, 126, 300, 4000, 65535, 65536, 200_000];
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      const body = Buffer.alloc(size, 0x61 + (round % 26));
      ws.send(round % 2 === 0 ? body.toString() : body, { binary: round % 2 === 1 });
      sent += 1;
    }
    // Control frames between data frames are answered, not counted.
    ws.ping(Buffer.from(`p${round}`));
    // Let the bursts span several reads (and several timer ticks).
    await new Promise((resolve) => setTimeout(resolve, round % 5 === 0 ? 25 : 0));
  }
  return sent;
}

for (const everyMs of [20, 0]) {
  test(`counts every data frame exactly once, reading ${everyMs > 0 ? `every ${everyMs} ms` : "as data arrives"}`, async () => {
    CountingReceiver.setReadInterval(everyMs);
    const receivers = await Promise.all([1, 2, 3].map(() => CountingReceiver.open(url, "/ws")));
    for (const [i, r] of receivers.entries()) {
      const reply = await r.call(`setup${i}`, { channel_join: {} });
      assert.equal(JSON.parse(reply).cid, `setup${i}`);
      r.startCounting();
    }
    const server = sockets.slice(-3);
    let pongs = 0;
    for (const ws of server) ws.on("pong", () => pongs++);
    CountingReceiver.resetStats();
    const sent = await Promise.all(server.map((ws) => sendBursts(ws, 40)));
    await waitFor(() => receivers.every((r, i) => r.count >= (sent[i] ?? 0)), {
      what: "every frame counted",
      timeoutMs: 20_000,
    });
    await waitFor(() => pongs === 3 * 40, { what: "every ping answered", timeoutMs: 20_000 });
    // Nothing more arrives: a count past what was sent would be a frame counted twice.
    await new Promise((resolve) => setTimeout(resolve, 3 * everyMs + 20));
    CountingReceiver.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      receivers.map((r) => r.count),
      sent,
    );
    if (everyMs > 0) {
      const stats = CountingReceiver.readStats();
      assert.equal(
        stats.frames,
        sent.reduce((a, b) => a + b, 0),
      );
      assert.ok(stats.reads > 0 && stats.largestRead > 0);
    }
    for (const r of receivers) r.close();
  });
}
