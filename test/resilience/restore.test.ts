import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type GapEvent } from "../../src/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`restore after reconnecting (${label})`, () => {
    test("a group the user was removed from while away is reported as failed and as a gap, and the other joins come back", async (t) => {
      const { client, signIn: sign } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([sign("ada"), sign("bob")]);
      const group = await client.createGroup(ada, { name: uniqueName("group"), open: true });
      await client.joinGroup(bob, group.id);
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = client.createSocket({
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => socket.disconnect());
      await socket.connect(bob);
      const groupChannel = await socket.joinChat(group.id, ChannelType.Group);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      const gaps: GapEvent[] = [];
      socket.onGap((g) => gaps.push(g));
      await client.kickGroupUsers(ada, group.id, [bob.userId]);

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      const report = await back;
      assert.deepEqual(report.channels, [room.id]);
      // Stock Nakama refuses with code 3 and no precise meaning; herald adds permission_denied.
      assert.deepEqual(
        report.failed.map((f) => [f.what, f.error.code]),
        [[`joinChat ${groupChannel.id}`, mode.name === "herald" ? "permission_denied" : "bad_input"]],
      );
      assert.deepEqual(
        gaps.map((g) => [g.channelId, g.reason]),
        [[groupChannel.id, "not_rejoined"]],
      );
      // Forgotten: the next reconnection does not try again.
      const again = nextEvent(socket.onReconnected.bind(socket), "second reconnection");
      cut();
      const second = await again;
      assert.deepEqual(second.channels, [room.id]);
      assert.deepEqual(second.failed, []);
    });
  });
}
