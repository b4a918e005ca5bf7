import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import { PresenceStore } from "../../src/presence/index.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { codecs, readUntil, serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`leaving and unfollowing while the connection is down (${label})`, () => {
    test("leaveChat, unfollowUsers and a store's unwatch take effect at once: the reconnection does not bring them back", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob, cleo] = await Promise.all([signIn("ada"), signIn("bob"), signIn("cleo")]);
      const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
      const store = new PresenceStore(socket, client, ada);
      t.after(() => store.close());
      const room = uniqueName("room");
      const left = await socket.joinChat(room, ChannelType.Room);
      const kept = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      await socket.followUsers([bob.userId]);
      await store.watch([cleo.userId]);

      // The connection drops and cannot come back for now.
      refuse();
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      await socket.leaveChat(left.id);
      await socket.unfollowUsers([bob.userId]);
      await store.unwatch([cleo.userId]);
      // Other requests still need a connection.
      await assert.rejects(socket.joinChat(uniqueName("room"), ChannelType.Room), (e) =>
        HeraldError.is(e, "disconnected"),
      );

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      restore();
      const report = await back;
      assert.deepEqual(report.channels, [kept.id]);
      assert.deepEqual(report.follows, []);
      assert.equal(store.get(cleo.userId), undefined);

      // The server agrees: ada is not in the room she left. Her cut connection leaves its channels
      // on the server a moment after the close (once its last_active is stored): read again until
      // it has, or for a while.
      const observer = client.createSocket({ codec, reconnect: false });
      t.after(() => observer.disconnect());
      await observer.connect(bob);
      const channel = await readUntil(
        async () => {
          const joined = await observer.joinChat(room, ChannelType.Room);
          // Left again when someone is listed, so that the next read is a first join too (a join
          // again lists the joiner).
          if (joined.presences.length > 0) await observer.leaveChat(joined.id);
          return joined;
        },
        (joined) => joined.presences.length === 0,
      );
      assert.deepEqual(
        channel.presences.map((p) => p.userId),
        [],
      );

      // Once the socket is closed for good, they reject as every call does.
      await socket.disconnect();
      await assert.rejects(socket.leaveChat(kept.id), (e) => HeraldError.is(e, "disconnected"));
      await assert.rejects(socket.unfollowUsers([bob.userId]), (e) => HeraldError.is(e, "disconnected"));
    });
  });
}

// A rejoin the server refuses for now (past its join burst) is tried again a moment later; a leave
// of that channel sent meanwhile, over the connection being restored, must not be undone by it.
for (const codec of codecs) {
  describe(`leaving a channel while its rejoin waits out a refusal (herald, ${codec.format})`, () => {
    test("the retry does not join the channel again", async (t) => {
      const { client, signIn } = await serverWithClient(t, {
        rateLimits: { joins: { burst: 1, perSecond: 0.5 } },
      });
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
      // Joins past the burst are refused for now: wait for the allowance to refill.
      const join = (room: string) =>
        readUntil(
          () =>
            socket.joinChat(room, ChannelType.Room).catch((e: unknown) => {
              if (!HeraldError.is(e, "rate_limited")) throw e;
              return undefined;
            }),
          (joined) => joined !== undefined,
        );
      const keptRoom = uniqueName("room");
      const leftRoom = uniqueName("room");
      const kept = await join(keptRoom);
      const left = await join(leftRoom);
      assert.ok(kept && left);

      refuse();
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected", () => true, 10_000);
      restore();
      // The new connection is open (requests pass) while its rejoins are under way: one of the two
      // is refused for now and waits about two seconds for the allowance.
      await readUntil(
        () =>
          socket.ping().then(
            () => true,
            () => false,
          ),
        (ok) => ok,
      );
      assert.equal(socket.state, "reconnecting", "left before the restore ended");
      await socket.leaveChat(left.id);
      const report = await back;
      assert.deepEqual(report.channels, [kept.id]);

      // The server agrees: ada is not in the room she left (her cut connection leaves its channels
      // a moment after the close: read again until it has, or for a while).
      const observer = client.createSocket({ codec, reconnect: false });
      t.after(() => observer.disconnect());
      await observer.connect(bob);
      const channel = await readUntil(
        async () => {
          const joined = await observer.joinChat(leftRoom, ChannelType.Room);
          if (joined.presences.length > 0) await observer.leaveChat(joined.id);
          return joined;
        },
        (joined) => joined.presences.length === 0,
      );
      assert.deepEqual(
        channel.presences.map((p) => p.userId),
        [],
      );
    });
  });
}
