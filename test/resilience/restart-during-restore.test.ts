import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { ChannelType, Client, type ReconnectedEvent } from "../../src/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { restartableServer } from "../helpers/forwarder.js";
import { uniqueName } from "../helpers/server.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `a server restart in the middle of a restore (${label})`,
    bundledOnly(mode, "a restart on its database file"),
    () => {
      test("the next connection restores every follow and join, rooms, a group and a direct chat, with no gap", async (t) => {
        const server = await restartableServer(t, mode.options);
        const client = new Client({ port: server.port, serverKey: server.serverKey });
        const signIn = (name: string) =>
          client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const group = await client.createGroup(bob, { name: uniqueName("group"), open: true });
        await client.joinGroup(ada, group.id);

        const net = cuttableWebSocket();
        const socket = client.createSocket({
          codec,
          WebSocket: net.WebSocket,
          heartbeat: false,
          reconnect: { minDelayMs: 10, maxDelayMs: 100 },
        });
        t.after(() => socket.disconnect());
        const gaps: unknown[] = [];
        socket.onGap((g) => gaps.push(g));
        await socket.connect(ada);
        const follows = [bob.userId, ...Array.from({ length: 300 }, () => randomUUID())];
        await socket.followUsers(follows);
        const rooms = Array.from({ length: 10 }, () => uniqueName("room"));
        const channels = [
          ...(await Promise.all(rooms.map((r) => socket.joinChat(r, ChannelType.Room)))),
          await socket.joinChat(group.id, ChannelType.Group),
          await socket.joinChat(bob.userId, ChannelType.DirectMessage),
        ].map((c) => c.id);

        // The next connection opens, but its restore's requests and replies are held.
        net.blackhole();
        const reconnecting = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        net.cut();
        await reconnecting;
        await waitFor(() => net.count() === 2, "the next connection", 5000);
        const reports: ReconnectedEvent[] = [];
        socket.onReconnected((r) => reports.push(r));
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(socket.state, "reconnecting");

        await server.stop();
        await server.start();
        net.restore();
        await waitFor(() => reports.length > 0, "reconnected", 20_000);
        const [report] = reports as [ReconnectedEvent];
        assert.deepEqual(report.failed, []);
        assert.deepEqual([...report.channels].sort(), [...channels].sort());
        assert.equal(new Set(report.follows).size, follows.length);
        assert.equal(reports.length, 1);

        // Every channel works: bob writes in each, ada gets each message.
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        for (const r of rooms) await sender.joinChat(r, ChannelType.Room);
        await sender.joinChat(group.id, ChannelType.Group);
        await sender.joinChat(ada.userId, ChannelType.DirectMessage);
        const got = new Set<string>();
        socket.onChannelMessage((m) => got.add(m.channelId));
        for (const id of channels) await sender.writeChatMessage(id, { hello: id });
        await waitFor(() => got.size === channels.length, "a message in every channel");
        assert.deepEqual(gaps, []);
      });
    },
  );
}
