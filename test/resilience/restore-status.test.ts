import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { Codec } from "../../src/protocol/codec.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { startFakeServer } from "../helpers/fake-server.js";
import { codecs } from "../helpers/server.js";
import { nextEvent } from "../sdk/helpers.js";

// A restore sends the status again after a reconnection, and waits out a refusal for now before
// trying again. The app may set its status meanwhile, over the new connection: the newest wins.

/** A fake server and a socket connected to it that set `status`, with quick reconnections. */
async function withStatus(t: TestContext, codec: Codec, status: string) {
  const fake = await startFakeServer();
  t.after(() => fake.close());
  const socket = fake.client().createSocket({
    codec,
    heartbeat: false,
    reconnect: { minDelayMs: 5, maxDelayMs: 20 },
  });
  await socket.connect(fake.session());
  await socket.updateStatus(status);
  return { fake, socket, first: await fake.nextConnection() };
}

for (const codec of codecs) {
  describe(`a status set while a restore waits to send the old one again (${codec.format})`, () => {
    test("stays: the restore does not send the old status after it", async (t) => {
      const { fake, socket, first } = await withStatus(t, codec, "old");

      // The first status on the next connection (the restore's) is refused for now, once.
      let refused = false;
      fake.onRequest("statusUpdate", (_, request) => {
        if (refused || request.connection === first) return undefined;
        refused = true;
        return { error: { code: "rate_limited", message: "status updates: slow down" } };
      });
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      await first.cut();
      const second = await fake.nextConnection();
      await waitFor(() => refused, { what: "the restore's status refused for now" });
      await socket.updateStatus("new");
      const report = await back;

      const statuses = () => second.requests("statusUpdate").map((e) => e.body.status);
      // Past the restore's retry (a quarter of a second at the least).
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(statuses(), ["old", "new"]);
      assert.equal(second.status, "new");
      assert.equal(report.statusRestored, true);
    });

    test("is sent again if the app's newer status was refused too: the old one is still the last set", async (t) => {
      const { fake, socket, first } = await withStatus(t, codec, "old");

      // The first two statuses on the next connection (the restore's, then the app's) are refused for now.
      let refusals = 0;
      fake.onRequest("statusUpdate", (_, request) => {
        if (refusals === 2 || request.connection === first) return undefined;
        refusals++;
        return { error: { code: "rate_limited", message: "status updates: slow down" } };
      });
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      await first.cut();
      const second = await fake.nextConnection();
      await waitFor(() => refusals === 1, { what: "the restore's status refused for now" });
      await assert.rejects(socket.updateStatus("new"));
      const report = await back;

      await waitFor(() => second.status === "old", { what: "the old status set again" });
      assert.equal(report.statusRestored, true);
    });
  });
}
