import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, type Session, type Socket } from "../../src/index.js";
import { holdingFetch } from "../audit/holding-fetch.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, startServer, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`users followed by username, after reconnecting (${label})`, () => {
    test("an unfollow by id ends the follow of a user followed by username, online or not", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, online, offline, sentinel] = await Promise.all([
        signIn("ada"),
        signIn("online"),
        signIn("offline"),
        signIn("sentinel"),
      ]);
      const sockets: Socket[] = [];
      t.after(() => Promise.all(sockets.map((s) => s.disconnect())));
      const connect = async (session: Session, status?: string) => {
        const socket = client.createSocket({ codec });
        sockets.push(socket);
        await socket.connect(session);
        if (status) await socket.updateStatus(status);
        return socket;
      };
      const onlineSocket = await connect(online, "here");
      const sentinelSocket = await connect(sentinel, "here");

      const { socket, cut } = await cuttableSocket(t, client, ada, { codec });
      const status = await socket.followUsers([sentinel.userId], {
        usernames: [online.username, offline.username],
      });
      assert.deepEqual(status.presences.map((p) => p.userId).sort(), [online.userId, sentinel.userId].sort());
      await socket.unfollowUsers([online.userId, offline.userId]);

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      const report = await back;
      assert.deepEqual(report.follows, [sentinel.userId]);
      assert.deepEqual(report.followedUsernames, []);

      // Neither user is followed on the server: their status changes do not arrive, while the
      // sentinel's, made after them, does.
      const heard: string[] = [];
      socket.onStatusPresence((e) => heard.push(...e.joins.map((p) => p.userId)));
      await onlineSocket.updateStatus("changed");
      await (await connect(offline)).updateStatus("now online");
      const last = nextEvent(socket.onStatusPresence.bind(socket), "the sentinel's change", (e) =>
        e.joins.some((p) => p.userId === sentinel.userId),
      );
      await sentinelSocket.updateStatus("changed");
      await last;
      assert.deepEqual(heard, [sentinel.userId]);
    });

    test("a follow by username stays with the user it found when that user changes name", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const { socket, cut } = await cuttableSocket(t, client, ada, { codec });
      await socket.followUsers([], { usernames: [bob.username] });
      // bob, offline, takes another name; someone else takes his old one.
      await client.updateAccount(bob, { username: uniqueName("renamed") });
      const impostor = await client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: bob.username,
      });

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      const report = await back;
      assert.deepEqual(report.follows, [bob.userId]);
      assert.deepEqual(report.followedUsernames, []);
      assert.notEqual(impostor.userId, bob.userId);
    });

    test("a follow by username whose lookup outlasts a switch of user stays with the first user", async (t) => {
      const server = await startServer(mode.options);
      t.after(() => server.close());
      const held = holdingFetch();
      const client = new Client({ port: server.port, serverKey: server.serverKey, fetch: held.fetch });
      const signIn = (name: string) =>
        client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
      const [ada, bob, carol] = await Promise.all([signIn("ada"), signIn("bob"), signIn("carol")]);
      const { socket, ...net } = await cuttableSocket(t, client, ada, { codec });
      // Carol is offline: her id comes from a lookup of her username, held here.
      held.hold(/\/v2\/user\?/);
      const follow = socket.followUsers([], { usernames: [carol.username] });
      while (!held.held.length) await new Promise((resolve) => setTimeout(resolve, 5));
      await socket.disconnect();
      held.hold(undefined);
      await socket.connect(bob);
      held.held[0]?.release();
      await Promise.allSettled([follow]);

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      net.cut();
      const report = await back;
      assert.deepEqual(report.follows, [], "ada's follow is not bob's");
      assert.deepEqual(report.followedUsernames, []);
    });
  });
}
