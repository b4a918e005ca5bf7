import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ChannelMessage, ChannelType, type GapEvent } from "../../src/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

// Catch-up reads history back to the last message the socket delivered and stops at the first
// message older than it. A message stamped by a clock behind (another node's, or one stepped back)
// but stored after it used to stop that read early: it and everything between were skipped, with no
// gap reported. The server stores a message no older than the one before it in its channel.

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `a message stamped by a clock behind (${label})`,
    bundledOnly(mode, "sets the server's clock"),
    () => {
      test("is stored no older than the message before it, and a catch-up delivers it", async (t) => {
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
        const room = uniqueName("room");
        const channel = await socket.joinChat(room, ChannelType.Room);
        const got: ChannelMessage[] = [];
        const gaps: GapEvent[] = [];
        socket.onChannelMessage((m) => got.push(m));
        socket.onGap((g) => gaps.push(g));
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        await sender.joinChat(room, ChannelType.Room);

        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await waitFor(() => got.some((m) => m.messageId === first.messageId), {
          what: "the first message live",
        });

        refuse();
        const away = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        cut();
        await away;
        // The server's clock a minute behind for one send.
        const realNow = Date.now;
        Date.now = () => realNow() - 60_000;
        let behind: Awaited<ReturnType<typeof sender.writeChatMessage>>;
        try {
          behind = await sender.writeChatMessage(channel.id, { text: "behind" });
        } finally {
          Date.now = realNow;
        }
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        assert.ok(
          (behind.createTime?.getTime() ?? 0) >= (first.createTime?.getTime() ?? Number.POSITIVE_INFINITY),
          "stored no older than the message before it",
        );
        assert.deepEqual(behind.updateTime, behind.createTime);

        const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
        restore();
        await back;
        await waitFor(() => got.some((m) => m.messageId === after.messageId), { what: "the catch-up" });
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "behind", "after"],
        );
        assert.deepEqual(got[1]?.createTime, behind.createTime, "delivered with the time stored");
        assert.deepEqual(gaps, []);
        const history = await client.listChannelMessages(ada, channel.id, { forward: true, limit: 10 });
        const times = history.messages.map((m) => m.createTime?.getTime() ?? 0);
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          "history's times never decrease",
        );
      });

      test("a message stored after the one a reconnecting socket had, removed meanwhile, is no older than it", async (t) => {
        // Catch-up cannot find a removed mark in history: it stops at the first message older than it.
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
        const room = uniqueName("room");
        const channel = await socket.joinChat(room, ChannelType.Room);
        const got: ChannelMessage[] = [];
        const gaps: GapEvent[] = [];
        socket.onChannelMessage((m) => got.push(m));
        socket.onGap((g) => gaps.push(g));
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        await sender.joinChat(room, ChannelType.Room);

        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await waitFor(() => got.some((m) => m.messageId === first.messageId), {
          what: "the first message live",
        });
        refuse();
        const away = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        cut();
        await away;
        await sender.removeChatMessage(channel.id, first.messageId);
        const realNow = Date.now;
        Date.now = () => realNow() - 60_000;
        let behind: Awaited<ReturnType<typeof sender.writeChatMessage>>;
        try {
          behind = await sender.writeChatMessage(channel.id, { text: "behind" });
        } finally {
          Date.now = realNow;
        }
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        assert.ok(
          (behind.createTime?.getTime() ?? 0) >= (first.createTime?.getTime() ?? Number.POSITIVE_INFINITY),
          "stored no older than the message removed before it",
        );

        const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
        restore();
        await back;
        await waitFor(() => got.some((m) => m.messageId === after.messageId), { what: "the catch-up" });
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "behind", "after"],
        );
        assert.deepEqual(gaps, []);
      });

      test("a message sent without persistence by a clock ahead does not stop a catch-up at the stored ones after it", async (t) => {
        // Such a message is never in history: catch-up cannot read back to it, only to its time,
        // which a later stored message (stamped by a clock behind it) may not reach.
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob, cyd] = await Promise.all([signIn("ada"), signIn("bob"), signIn("cyd")]);
        const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
        const room = uniqueName("room");
        const channel = await socket.joinChat(room, ChannelType.Room);
        const got: ChannelMessage[] = [];
        const gaps: GapEvent[] = [];
        socket.onChannelMessage((m) => got.push(m));
        socket.onGap((g) => gaps.push(g));
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        await sender.joinChat(room, ChannelType.Room);
        const passing = client.createSocket({ codec, reconnect: false });
        t.after(() => passing.disconnect());
        await passing.connect(cyd);
        await passing.joinChat(room, ChannelType.Room, { persistence: false });

        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        const realNow = Date.now;
        Date.now = () => realNow() + 60_000;
        let ahead: Awaited<ReturnType<typeof passing.writeChatMessage>>;
        try {
          ahead = await passing.writeChatMessage(channel.id, { text: "not stored" });
        } finally {
          Date.now = realNow;
        }
        await waitFor(() => got.some((m) => m.messageId === ahead.messageId), {
          what: "the message not stored, live",
        });

        refuse();
        const away = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        cut();
        await away;
        const missed = await sender.writeChatMessage(channel.id, { text: "missed" });
        const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
        restore();
        await back;
        await waitFor(() => got.some((m) => m.messageId === missed.messageId) || gaps.length > 0, {
          what: "the catch-up",
        });
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "not stored", "missed"],
        );
        assert.ok(first.persistent && !ahead.persistent);
        assert.deepEqual(gaps, []);
      });

      test("an edit of a message raised to the one before it is no older than the version it replaces", async (t) => {
        // React (and any app) keeps the later of two versions of a message by update time: an edit
        // stamped before the stored version would lose to it.
        const { client, signIn } = await serverWithClient(t, mode.options);
        const bob = await signIn("bob");
        const room = uniqueName("room");
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        const channel = await sender.joinChat(room, ChannelType.Room);
        await sender.writeChatMessage(channel.id, { text: "first" });
        const realNow = Date.now;
        Date.now = () => realNow() - 60_000;
        let behind: Awaited<ReturnType<typeof sender.writeChatMessage>>;
        let edited: Awaited<ReturnType<typeof sender.updateChatMessage>>;
        try {
          behind = await sender.writeChatMessage(channel.id, { text: "behind" });
          edited = await sender.updateChatMessage(channel.id, behind.messageId, { text: "edited" });
        } finally {
          Date.now = realNow;
        }
        const time = (d: Date | undefined) => d?.getTime() ?? Number.NaN;
        assert.ok(
          time(edited.updateTime) >= time(behind.updateTime),
          `the edit (${edited.updateTime?.toISOString()}) is no older than the version before it (${behind.updateTime?.toISOString()})`,
        );
        const history = await client.listChannelMessages(bob, channel.id, { forward: true, limit: 10 });
        const stored = history.messages.find((m) => m.messageId === behind.messageId);
        assert.equal(stored?.content.text, "edited");
        assert.ok(
          time(stored?.updateTime) >= time(stored?.createTime),
          "stored updated no earlier than created",
        );
      });
    },
  );
}
