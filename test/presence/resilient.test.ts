import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PresenceStore } from "../../src/presence/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`presence store on a socket that reconnects (${label})`, () => {
    test("after a reconnection the store resyncs by itself: a status changed while away shows", async (t) => {
      const { client, signIn: sign } = await serverWithClient(t, mode.options);
      const [adaSession, bobSession] = await Promise.all([sign("ada"), sign("bob")]);

      const ada = client.createSocket({ codec, reconnect: false });
      t.after(() => ada.disconnect());
      await ada.connect(adaSession, { appearOnline: true });
      await ada.updateStatus("In the lobby");

      const { WebSocket, cut } = cuttableWebSocket();
      const bob = client.createSocket({
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => bob.disconnect());
      await bob.connect(bobSession);
      const store = new PresenceStore(bob, client, bobSession);
      t.after(() => store.close());
      const [initial] = await store.watch([adaSession.userId]);
      assert.equal(initial?.online, true);
      assert.equal(initial?.status, "In the lobby");

      // Bob's connection drops; while he is away Ada changes her status, an event he never gets.
      const away = nextEvent(bob.onState.bind(bob), "state change");
      cut();
      assert.equal((await away).state, "reconnecting");
      const reconnected = nextEvent(bob.onReconnected.bind(bob), "reconnected");
      await ada.updateStatus("In a match");
      await reconnected;

      await waitFor(
        () => store.get(adaSession.userId)?.status === "In a match",
        "the store to show the status set while the socket was away",
      );
      assert.equal(store.get(adaSession.userId)?.online, true);

      // Live events keep flowing after the resync.
      await ada.updateStatus();
      await waitFor(() => store.get(adaSession.userId)?.online === false, "the store to see Ada go offline");
    });

    test("a store watching 2,000 users follows them in frames the server takes, and keeps them through a cut", async (t) => {
      const { client, signIn: sign } = await serverWithClient(t, mode.options);
      const [adaSession, bobSession] = await Promise.all([sign("ada"), sign("bob")]);
      const ada = client.createSocket({ codec, reconnect: false });
      t.after(() => ada.disconnect());
      await ada.connect(adaSession);
      const { WebSocket, cut } = cuttableWebSocket();
      const bob = client.createSocket({
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => bob.disconnect());
      await bob.connect(bobSession);
      const store = new PresenceStore(bob, client, bobSession, { loadUsers: false });
      t.after(() => store.close());
      // Unknown but valid ids are followed like any other, offline; Ada is the last one.
      const ids: string[] = Array.from({ length: 1999 }, () => crypto.randomUUID());
      ids.push(adaSession.userId);
      const states = await store.watch(ids);
      assert.equal(states.length, 2000);
      assert.equal(store.get(adaSession.userId)?.online, false);

      const back = nextEvent(bob.onReconnected.bind(bob), "reconnected", () => true, 15_000);
      cut();
      const report = await back;
      assert.deepEqual(report.failed, []);
      await ada.updateStatus("here");
      await waitFor(() => store.get(adaSession.userId)?.status === "here", "Ada's status after the cut");
      assert.equal(store.watching.length, 2000);
      assert.equal(bob.state, "open");
    });
  });
}
