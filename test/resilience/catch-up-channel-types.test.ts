import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type SocketChannelMessage } from "../../src/index.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`direct and group channels through a lost connection (${label})`, () => {
    test("are joined again, and what was written in them meanwhile comes once each, in order, as catch-up", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const group = await client.createGroup(bob, { name: uniqueName("group"), open: true });
      await client.joinGroup(ada, group.id);
      const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
      const direct = await socket.joinChat(bob.userId, ChannelType.DirectMessage);
      const inGroup = await socket.joinChat(group.id, ChannelType.Group);
      const got: SocketChannelMessage[] = [];
      socket.onChannelMessage((m) => got.push(m));
      const gaps: unknown[] = [];
      socket.onGap((g) => gaps.push(g));

      const sender = client.createSocket({ codec, reconnect: false });
      t.after(() => sender.disconnect());
      await sender.connect(bob);
      await sender.joinChat(ada.userId, ChannelType.DirectMessage);
      await sender.joinChat(group.id, ChannelType.Group);
      await sender.writeChatMessage(direct.id, { n: 0 });
      await sender.writeChatMessage(inGroup.id, { n: 0 });
      await waitFor(() => got.length === 2, "the live messages");

      refuse();
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      for (let n = 1; n <= 3; n++) {
        await sender.writeChatMessage(direct.id, { n });
        await sender.writeChatMessage(inGroup.id, { n });
      }
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      restore();
      const report = await back;
      assert.deepEqual([...report.channels].sort(), [direct.id, inGroup.id].sort());
      await waitFor(() => got.length === 8, "the missed messages");
      await sender.writeChatMessage(direct.id, { n: 4 });
      await waitFor(() => got.length === 9, "a live message after");
      for (const id of [direct.id, inGroup.id]) {
        const mine = got.filter((m) => m.channelId === id);
        assert.deepEqual(
          mine.map((m) => [m.content.n, m.catchUp === true]),
          id === direct.id
            ? [
                [0, false],
                [1, true],
                [2, true],
                [3, true],
                [4, false],
              ]
            : [
                [0, false],
                [1, true],
                [2, true],
                [3, true],
              ],
        );
      }
      assert.deepEqual(gaps, []);
    });
  });
}
