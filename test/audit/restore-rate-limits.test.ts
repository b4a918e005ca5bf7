// A socket in more channels than the server's join burst, reconnecting: its rejoins all go at once
// and some are refused with rate_limited. They must be tried again, not forgotten as channels the
// user may no longer join.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type GapEvent } from "../../src/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

// herald's mode only: there the refusal says rate_limited; stock mode sends stock's bare code 8
// (read as resource_exhausted, like a count cap, which no retry would change).
for (const mode of serverModes.filter((m) => m.name === "herald")) {
  describe(`rejoining over the server's join rate (${mode.name} server)`, () => {
    test("every channel is joined again; none is reported failed or as a gap", async (t) => {
      // A burst of 3 joins, then one every 50 ms: six channels take two refills.
      const rateLimits = { joins: { burst: 3, perSecond: 20 } };
      const { client, signIn } = await serverWithClient(t, { ...mode.options, rateLimits });
      const ada = await signIn("ada");
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = client.createSocket({
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => socket.disconnect());
      await socket.connect(ada);
      const ids: string[] = [];
      while (ids.length < 6) {
        try {
          ids.push((await socket.joinChat(uniqueName("room"), ChannelType.Room)).id);
        } catch (e) {
          // Joining at first is paced by hand; only the rejoins are under test.
          if ((e as { code?: string }).code !== "rate_limited") throw e;
          await new Promise((r) => setTimeout(r, 60));
        }
      }
      const gaps: GapEvent[] = [];
      socket.onGap((g) => gaps.push(g));
      // The burst is full again before the cut, so the test starts from the server's best case.
      await new Promise((r) => setTimeout(r, 200));
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      const report = await back;
      assert.deepEqual(report.failed, []);
      assert.deepEqual([...report.channels].sort(), [...ids].sort());
      assert.deepEqual(gaps, []);
      // And the socket is in each channel again: a message to every one is acknowledged.
      for (const id of ids) await socket.writeChatMessage(id, { back: true });
    });
  });
}

describe("catching up over the server's REST rate (herald server)", () => {
  test("missed messages of every channel arrive, though some history reads are refused for now", async (t) => {
    // Three REST calls at once, then one every 50 ms: five channels read at once go over.
    const rateLimits = { restCalls: { burst: 3, perSecond: 20 } };
    const { client, signIn } = await serverWithClient(t, { rateLimits });
    const ada = await signIn("ada");
    const bob = await signIn("bob");
    const { WebSocket, cut, refuse, restore } = cuttableWebSocket();
    const socket = client.createSocket({
      WebSocket,
      heartbeat: false,
      reconnect: { minDelayMs: 10, maxDelayMs: 50 },
    });
    const sender = client.createSocket({ reconnect: false });
    t.after(() => Promise.all([socket.disconnect(), sender.disconnect()]));
    await socket.connect(ada);
    await sender.connect(bob);
    const rooms = Array.from({ length: 5 }, () => uniqueName("room"));
    const ids: string[] = [];
    for (const room of rooms) {
      ids.push((await socket.joinChat(room, ChannelType.Room)).id);
      await sender.joinChat(room, ChannelType.Room);
    }
    // Joining read each channel's newest message over REST (the catch-up mark), some of them
    // retried past the burst, and the cut comes at once: a mark read still out at the cut is not
    // trusted (it may be answered after the missed message was stored), so catch-up must still
    // deliver every missed message and report no gap.
    const caughtUp: string[] = [];
    socket.onChannelMessage((m) => {
      if (m.catchUp) caughtUp.push(m.channelId);
    });
    const gaps: GapEvent[] = [];
    socket.onGap((g) => gaps.push(g));
    refuse();
    cut();
    for (const id of ids) await sender.writeChatMessage(id, { missed: id });
    const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
    restore();
    await back;
    for (let waited = 0; caughtUp.length < ids.length && gaps.length === 0 && waited < 300; waited++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(gaps, []);
    assert.deepEqual([...caughtUp].sort(), [...ids].sort());
  });
});
