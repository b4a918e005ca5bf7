// Work a socket starts on one connection and that is still under way when that connection is lost
// or the socket is closed: it must stop, and never hold up or outlive what follows. REST answers
// are held by the Client's fetch, so that the order of events is the test's, not a race.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type GapEvent, HeraldError } from "../../src/index.js";
import { uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";
import { CAPABILITIES, CATCH_UP_PAGE } from "./holding-fetch.js";
import { loseConnection, raceSetUp } from "./race-set-up.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`work that outlives its connection (${label})`, () => {
    test("a loss during catch-up stops its history reads; the next catch-up delivers each message once", async (t) => {
      const { net, cuttable, ada, adaSession, bob } = await raceSetUp(t, mode, codec);
      await ada.connect(adaSession);
      const roomName = uniqueName("room");
      const room = await bob.joinChat(roomName, ChannelType.Room);
      await ada.joinChat(roomName, ChannelType.Room);
      const got: string[] = [];
      const gaps: GapEvent[] = [];
      ada.onChannelMessage((m) => got.push((m.content as { text?: string }).text ?? "?"));
      ada.onGap((g) => gaps.push(g));
      // A live message sets the catch-up mark.
      await bob.writeChatMessage(room.id, { text: "live" });
      await waitFor(() => got.includes("live"), "the live message");

      await loseConnection(ada, cuttable, "the first loss to be noticed");
      for (const text of ["missed-1", "missed-2"]) await bob.writeChatMessage(room.id, { text });
      net.hold(CATCH_UP_PAGE);
      cuttable.restore();
      await waitFor(() => net.held.length === 1, "the first catch-up's history read");
      const first = net.held[0];
      // Lost again while that read is out: it belongs to a connection that is gone.
      await loseConnection(ada, cuttable, "the second loss to be noticed");
      await waitFor(() => first?.signal.aborted === true, "the first catch-up's read to be stopped");
      net.hold(undefined);
      await bob.writeChatMessage(room.id, { text: "missed-3" });
      const back = nextEvent(ada.onReconnected.bind(ada), "reconnected");
      cuttable.restore();
      await back;
      await bob.writeChatMessage(room.id, { text: "after" });
      await waitFor(() => got.includes("after"), "the live message after the reconnection");
      assert.deepEqual(got, ["live", "missed-1", "missed-2", "missed-3", "after"]);
      assert.deepEqual(gaps, []);
    });

    test("a catch-up in more channels than Node's listener limit reads them all without a leak warning", async (t) => {
      const { net, cuttable, ada, adaSession, bob } = await raceSetUp(t, mode, codec);
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
      process.on("warning", onWarning);
      t.after(() => process.off("warning", onWarning));
      await ada.connect(adaSession);
      // Node warns once more than ten listeners wait on one AbortSignal.
      const names = Array.from({ length: 12 }, () => uniqueName("room"));
      const rooms = await Promise.all(names.map((name) => bob.joinChat(name, ChannelType.Room)));
      for (const name of names) await ada.joinChat(name, ChannelType.Room);
      const got = new Set<string>();
      ada.onChannelMessage((m) => got.add((m.content as { text?: string }).text ?? "?"));

      await loseConnection(ada, cuttable);
      for (const [i, room] of rooms.entries()) await bob.writeChatMessage(room.id, { text: `missed-${i}` });
      net.hold(CATCH_UP_PAGE);
      cuttable.restore();
      // Every channel's catch-up read is out at once.
      await waitFor(() => net.held.length === rooms.length, "every channel's catch-up read");
      for (const request of net.held.splice(0)) request.release();
      await waitFor(() => got.size === rooms.length, "every missed message");
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    });

    test("disconnect() during connect() settles both without waiting for the server's answer", async (t) => {
      const { net, ada, adaSession } = await raceSetUp(t, mode, codec);
      net.hold(CAPABILITIES);
      // Sent on once the test is over, so that the Client's time limit on it ends with the test.
      t.after(() => {
        for (const request of net.held) request.release();
      });
      const connecting = ada.connect(adaSession);
      await waitFor(() => net.held.length === 1, "the connection's capabilities read");
      await ada.disconnect();
      await assert.rejects(connecting, (e) => HeraldError.is(e, "disconnected"));
      assert.equal(ada.state, "closed");
      // Settled while the server's answer is still held, not when the read ran out of time.
      assert.equal(net.held[0]?.signal.aborted, false);
      assert.equal(net.answered.count, 0);
    });
  });
}
