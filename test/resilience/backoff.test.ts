import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError, Session } from "../../src/index.js";
import { createResilientSocket, retryDelay } from "../../src/resilience/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { timers } from "../helpers/event-loop.js";
import { startFakeServer } from "../helpers/fake-server.js";
import { codecs } from "../helpers/server.js";
import { makeTokens, nextEvent, waitFor } from "../sdk/helpers.js";

describe("backoff delays", () => {
  test("delays use full jitter under a ceiling that doubles from the minimum up to the maximum", () => {
    const at = (attempt: number, random: number) =>
      retryDelay(attempt, { minDelayMs: 500, maxDelayMs: 30_000, random: () => random });
    assert.equal(at(1, 0.999999), 499);
    assert.equal(at(2, 0.5), 500);
    assert.equal(at(3, 0.5), 1000);
    assert.equal(at(20, 0.5), 15_000);
    assert.equal(at(7, 0), 0);
    assert.equal(retryDelay(100, { random: () => 0.5 }), 15_000, "the default ceiling is 30 s");
    assert.equal(retryDelay(1, { random: () => 0.5 }), 250, "the default first ceiling is 0.5 s");
  });
});

for (const codec of codecs) {
  describe(`reconnection backoff (${codec.format})`, () => {
    test("disconnect() while retries fail stops them for good and leaves no timer", async (t) => {
      const fake = await startFakeServer();
      const { WebSocket, count } = cuttableWebSocket();
      const { token, refreshToken } = makeTokens(3600);
      const socket = createResilientSocket(new Client({ port: fake.port }), {
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 2, maxDelayMs: 4 },
      });
      t.after(() => socket.disconnect());
      const baseline = timers();
      await socket.connect(new Session(token, refreshToken));
      const lost = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      await fake.close();
      await lost;
      await waitFor(() => count() >= 4, "three failed retries");
      await socket.disconnect();
      assert.equal(socket.state, "closed");
      const attempts = count();
      assert.equal(timers(), baseline, "no timer is left");
      // Many retry periods later, still no new attempt.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(count(), attempts);
    });

    test("disconnect() during a long backoff cancels the pending retry; queued messages reject and a full outbox refuses more", async (t) => {
      const fake = await startFakeServer();
      const { WebSocket, count } = cuttableWebSocket();
      const { token, refreshToken } = makeTokens(3600);
      const socket = createResilientSocket(new Client({ port: fake.port }), {
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5 },
        outbox: { maxSize: 2 },
      });
      t.after(() => socket.disconnect());
      const baseline = timers();
      await socket.connect(new Session(token, refreshToken));
      const lost = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      await fake.close();
      const change = await lost;
      assert.ok(HeraldError.is(change.error, "disconnected"));

      const queued = [
        socket.writeChatMessage("2...room", { n: 1 }),
        socket.writeChatMessage("2...room", { n: 2 }),
      ];
      await assert.rejects(socket.writeChatMessage("2...room", { n: 3 }), (e) =>
        HeraldError.is(e, "resource_exhausted"),
      );
      await assert.rejects(socket.ping(), (e) => HeraldError.is(e, "disconnected"));
      assert.equal(socket.outboxSize, 2);

      const closed = nextEvent(socket.onDisconnect.bind(socket), "disconnect");
      await socket.disconnect();
      assert.equal((await closed).requested, true);
      for (const write of queued) await assert.rejects(write, (e) => HeraldError.is(e, "disconnected"));
      assert.equal(socket.outboxSize, 2, "unacknowledged messages stay for the next connect()");
      assert.equal(count(), 1, "no retry was attempted");
      assert.equal(timers(), baseline, "the 30 s retry timer is gone");
    });
  });
}
