import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ChannelType, type ReconnectedEvent } from "../../src/index.js";
import { createResilientSocket, MemoryOutboxStorage } from "../../src/resilience/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

// The spellings of a UUID servers read besides the canonical lower-case one.
const upper = (id: string) => id.toUpperCase();
const braced = (id: string) => `{${id.toUpperCase()}}`;
const bare = (id: string) => id.replace(/-/g, "");
const urn = (id: string) => `urn:uuid:${bare(id).toUpperCase()}`;

// What a socket restores: the ids and channels are undone in another spelling than they were
// made in, and must not come back.
for (const { mode, codec, label } of modeMatrix) {
  describe(`restore after ids spelled differently (${label})`, () => {
    async function setUp(t: TestContext) {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob, cyd] = await Promise.all([signIn("ada"), signIn("bob"), signIn("cyd")]);
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = client.createSocket({
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => socket.disconnect());
      await socket.connect(bob);
      const reconnect = (): Promise<ReconnectedEvent> => {
        const back = nextEvent<ReconnectedEvent>((fn) => socket.onReconnected(fn), "reconnected");
        cut();
        return back;
      };
      return { client, ada, bob, cyd, socket, reconnect };
    }

    test("a user followed in one spelling and unfollowed in another is not followed again", async (t) => {
      const { ada, cyd, socket, reconnect } = await setUp(t);
      await socket.followUsers([braced(ada.userId), upper(cyd.userId)]);
      await socket.unfollowUsers([urn(ada.userId)]);
      const report = await reconnect();
      // cyd's follow comes back, under the id the server writes.
      assert.deepEqual(report.follows, [cyd.userId]);
      assert.deepEqual(report.failed, []);
      await socket.unfollowUsers([bare(cyd.userId)]);
      const second = await reconnect();
      assert.deepEqual(second.follows, []);
    });

    test("a group channel joined and left by ids spelled differently is not joined again", async (t) => {
      const { client, ada, bob, socket, reconnect } = await setUp(t);
      const group = await client.createGroup(ada, { name: uniqueName("group"), open: true });
      await client.joinGroup(bob, group.id);
      const joined = await socket.joinChat(upper(group.id), ChannelType.Group);
      assert.equal(joined.id, `3.${group.id}..`);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      await socket.leaveChat(`3.${braced(group.id)}..`);
      const report = await reconnect();
      assert.deepEqual(report.channels, [room.id]);
      assert.deepEqual(report.failed, []);
    });

    test("a direct channel joined and left by ids spelled differently is not joined again", async (t) => {
      const { ada, bob, cyd, socket, reconnect } = await setUp(t);
      const direct = await socket.joinChat(bare(ada.userId).toUpperCase(), ChannelType.DirectMessage);
      const [one, two] = [ada.userId, bob.userId].sort();
      assert.equal(direct.id, `4.${one}.${two}.`);
      const other = await socket.joinChat(cyd.userId, ChannelType.DirectMessage);
      await socket.leaveChat(`4.${upper(one ?? "")}.${bare(two ?? "")}.`);
      const report = await reconnect();
      assert.deepEqual(report.channels, [other.id]);
      assert.deepEqual(report.failed, []);
    });

    test("a room's name is case-sensitive: leaving another case leaves the room joined", async (t) => {
      const { socket, reconnect } = await setUp(t);
      const room = await socket.joinChat(uniqueName("Lobby"), ChannelType.Room);
      // Not the channel this socket is in: the room stays joined (and comes back).
      await socket.leaveChat(room.id.toLowerCase());
      const report = await reconnect();
      assert.deepEqual(report.channels, [room.id]);
    });

    test("a message stored by an earlier run for a group spelled differently goes out once the group is joined", async (t) => {
      const { client, ada } = await setUp(t);
      const group = await client.createGroup(ada, { name: uniqueName("group"), open: true });
      const storage = new MemoryOutboxStorage();
      storage.add({
        clientMsgId: "earlier",
        channelId: `3.${braced(group.id)}..`,
        content: { text: "offline" },
      });
      const socket = createResilientSocket(client, { codec, heartbeat: false, outbox: { storage } });
      t.after(() => socket.disconnect());
      await socket.connect(ada);
      const joined = await socket.joinChat(group.id, ChannelType.Group);
      await waitFor(() => storage.load().length === 0, "the stored message sent");
      const { messages } = await client.listChannelMessages(ada, joined.id, { forward: true });
      assert.deepEqual(
        messages.map((m) => m.content.text),
        ["offline"],
      );
    });
  });
}
