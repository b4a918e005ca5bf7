import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PresenceStore } from "../../src/presence/index.js";
import { createResilientSocket } from "../../src/resilience/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { codecs, serverWithClient } from "../helpers/server.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const codec of codecs) {
  describe(`presence store on a resilient socket (${codec.format})`, () => {
    test("after a reconnection the store resyncs by itself: a status changed while away shows", async (t) => {
      const { client, signIn: sign } = await serverWithClient(t);
      const [adaSession, bobSession] = await Promise.all([sign("ada"), sign("bob")]);

      const ada = client.createSocket({ codec });
      t.after(() => ada.disconnect());
      await ada.connect(adaSession, { appearOnline: true });
      await ada.updateStatus("In the lobby");

      const { WebSocket, cut } = cuttableWebSocket();
      const bob = createResilientSocket(client, {
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
      const away = nextEvent((fn: (change: { state: string }) => void) => bob.onState(fn), "state change");
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
  });
}
