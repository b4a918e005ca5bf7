import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, Session } from "../../src/index.js";
import { createResilientSocket, type ResilientStateChange } from "../../src/resilience/index.js";
import { startFakeServer } from "../helpers/fake-server.js";
import { codecs } from "../helpers/server.js";
import { makeTokens, nextEvent, waitFor } from "../sdk/helpers.js";

for (const codec of codecs) {
  describe(`heartbeat (${codec.format})`, () => {
    test("a server that stops answering pings is noticed at the first unanswered ping's timeout, and the socket reconnects", async (t) => {
      const fake = await startFakeServer();
      t.after(() => fake.close());
      const { token, refreshToken } = makeTokens(3600);
      const socket = createResilientSocket(new Client({ port: fake.port }), {
        codec,
        // A pong has seconds to come (a loaded machine is slow to answer); the silent server is still
        // noticed at the first unanswered ping.
        heartbeat: { intervalMs: 50, timeoutMs: 3000 },
        reconnect: { minDelayMs: 10, maxDelayMs: 20 },
      });
      t.after(() => socket.disconnect());
      const states: ResilientStateChange[] = [];
      socket.onState((change) => states.push(change));
      await socket.connect(new Session(token, refreshToken));
      const first = fake.connections[0];
      assert.ok(first);
      await waitFor(() => first.pings >= 2, "pings answered on the first connection");

      const lost = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      const reconnected = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      first.silent = true;
      const pingsWhenSilenced = first.pings;
      assert.equal((await lost).reason, "heartbeat timeout");
      // Noticed on the first ping left unanswered: no later ping was needed.
      assert.equal(first.pings, pingsWhenSilenced + 1);
      const report = await reconnected;
      assert.equal(socket.state, "open");
      assert.equal(report.attempts, 1);
      assert.equal(fake.connections.length, 2);
      await first.closed;
      assert.equal(first.open, false, "the silent connection was cut");
      const second = fake.connections[1];
      assert.ok(second);
      await waitFor(() => second.pings >= 2, "pings answered on the new connection");
      assert.deepEqual(
        states.map((s) => [s.previous, s.state]),
        [
          ["closed", "connecting"],
          ["connecting", "open"],
          ["open", "reconnecting"],
          ["reconnecting", "open"],
        ],
      );
    });
  });
}
