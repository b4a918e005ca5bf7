import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import {
  createResilientSocket,
  type GapEvent,
  type ReconnectOptions,
  type ResilientChannelMessage,
} from "../../src/resilience/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

/** Installs a stand-in for the browser's `online` event on globalThis for one test. */
function fakeOnline(t: { after(fn: () => void): void }): () => void {
  const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  const target = new EventTarget();
  const had = "addEventListener" in g;
  g.addEventListener = target.addEventListener.bind(target);
  g.removeEventListener = target.removeEventListener.bind(target);
  t.after(() => {
    if (!had) {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });
  return () => target.dispatchEvent(new Event("online"));
}

/** Installs a stand-in for a page's `document` (visibility events) on globalThis for one test. */
function fakeDocument(t: { after(fn: () => void): void }): { show(): void } {
  const g = globalThis as { document?: unknown };
  const doc = Object.assign(new EventTarget(), { visibilityState: "hidden" });
  g.document = doc;
  t.after(() => {
    delete g.document;
  });
  return {
    show() {
      doc.visibilityState = "visible";
      doc.dispatchEvent(new Event("visibilitychange"));
    },
  };
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`dropped connection (${label})`, () => {
    /** ada and bob connected and in one fresh room; bob's connection can be cut. */
    async function twoInRoom(t: TestContext, reconnect: ReconnectOptions) {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [adaSession, bobSession] = await Promise.all([signIn("ada"), signIn("bob")]);
      const ada = createResilientSocket(client, { codec, heartbeat: false });
      const { WebSocket, cut } = cuttableWebSocket();
      const bob = createResilientSocket(client, { codec, WebSocket, heartbeat: false, reconnect });
      t.after(() => Promise.all([ada.disconnect(), bob.disconnect()]));
      await ada.connect(adaSession);
      await bob.connect(bobSession);
      const roomName = uniqueName("room");
      const room = await ada.joinChat(roomName, ChannelType.Room);
      await bob.joinChat(roomName, ChannelType.Room);
      return { ada, bob, cut, room };
    }

    test("writes in flight when the connection drops are all stored once, in order, and other requests reject with disconnected", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = createResilientSocket(client, {
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 50 },
      });
      t.after(() => socket.disconnect());
      const received: ResilientChannelMessage[] = [];
      const gaps: GapEvent[] = [];
      socket.onChannelMessage((m) => received.push(m));
      socket.onGap((g) => gaps.push(g));
      await socket.connect(session);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);

      const writes = Array.from({ length: 100 }, (_, n) => socket.writeChatMessage(room.id, { n }));
      await writes[0];
      const ping = socket.ping();
      const reconnected = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      await assert.rejects(ping, (e) => HeraldError.is(e, "disconnected"));
      await reconnected;
      const acks = await Promise.all(writes);

      if (mode.name === "nakama") {
        // No deduplication: each stored at least once. Resent copies may push the originals past
        // one history page (a gap); without a gap, the first copies arrive in the order written.
        await waitFor(() => new Set(received.map((m) => m.content.n)).size === 100, "every message");
        const firsts = [...new Set(received.map((m) => m.content.n as number))];
        if (gaps.length === 0) {
          assert.deepEqual(
            firsts,
            Array.from({ length: 100 }, (_, n) => n),
          );
        }
        assert.equal(socket.outboxSize, 0);
        return;
      }
      const stored: string[] = [];
      for await (const m of client.channelMessages(session, room.id, { forward: true })) {
        assert.equal(m.content.n, stored.length, "stored in the order written");
        stored.push(m.messageId);
      }
      assert.equal(stored.length, 100, "each message stored once");
      assert.deepEqual(
        acks.map((a) => a.messageId),
        stored,
        "a repeated send is answered with the first acknowledgement",
      );
      await waitFor(() => received.length >= 100, "the socket's own messages");
      assert.deepEqual(
        received.map((m) => m.messageId),
        stored,
        "each delivered once, in order",
      );
      assert.equal(socket.outboxSize, 0);
    });

    test("messages written while a socket was away are delivered after it comes back online, marked as catch-up, in order and once", async (t) => {
      const goOnline = fakeOnline(t);
      // A retry would wait a minute: only the `online` event brings bob back in time.
      const { ada, bob, cut, room } = await twoInRoom(t, {
        minDelayMs: 60_000,
        maxDelayMs: 60_000,
        random: () => 0.5,
      });
      const got: ResilientChannelMessage[] = [];
      const gaps: GapEvent[] = [];
      bob.onChannelMessage((m) => got.push(m));
      bob.onGap((g) => gaps.push(g));

      const written: string[] = [];
      for (let n = 0; n < 5; n++) written.push((await ada.writeChatMessage(room.id, { n })).messageId);
      await waitFor(() => got.length === 5, "live messages before the drop");
      const away = nextEvent(bob.onState.bind(bob), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      for (let n = 5; n < 230; n++) written.push((await ada.writeChatMessage(room.id, { n })).messageId);
      const back = nextEvent(bob.onReconnected.bind(bob), "reconnected");
      goOnline();
      assert.deepEqual((await back).channels, [room.id]);
      for (let n = 230; n < 240; n++) written.push((await ada.writeChatMessage(room.id, { n })).messageId);

      if (mode.name === "nakama") {
        // Stock 3.26's cursors page no further than one page: the newest 100 missed, after a gap.
        await waitFor(() => got.at(-1)?.messageId === written.at(-1), "the last message at bob");
        assert.deepEqual(gaps, [{ channelId: room.id, reason: "too_far_behind" }]);
        const ids = got.map((m) => m.messageId);
        const from = written.indexOf(ids[5] as string);
        assert.ok(from >= 130 && from <= 140, `the page starts at ${from}`);
        assert.deepEqual(ids, [...written.slice(0, 5), ...written.slice(from)]);
        return;
      }
      await waitFor(() => got.length >= 240, "every message at bob");
      assert.deepEqual(gaps, []);
      assert.deepEqual(
        got.map((m) => m.messageId),
        written,
      );
      assert.ok(got.slice(0, 5).every((m) => !m.catchUp));
      assert.ok(
        got.slice(5, 230).every((m) => m.catchUp === true),
        "missed messages are marked catch-up",
      );
      assert.ok(
        got.slice(230).every((m) => !m.catchUp),
        "later messages arrive live",
      );
    });
    test("an app that edits the messages it is given does not move where catch-up reads back to", async (t) => {
      const { ada, bob, cut, room } = await twoInRoom(t, { minDelayMs: 10, maxDelayMs: 50 });
      const got: string[] = [];
      bob.onChannelMessage((m) => {
        got.push(m.messageId);
        // What an app might do to a message it keeps: the SDK must not rely on it staying as given.
        m.messageId = "edited";
        m.createTime = new Date(0);
      });
      const written: string[] = [];
      for (let n = 0; n < 5; n++) written.push((await ada.writeChatMessage(room.id, { n })).messageId);
      await waitFor(() => got.length === 5, "live messages before the drop");
      const away = nextEvent(bob.onState.bind(bob), "reconnecting", (c) => c.state === "reconnecting");
      const back = nextEvent(bob.onReconnected.bind(bob), "reconnected");
      cut();
      await away;
      for (let n = 5; n < 20; n++) written.push((await ada.writeChatMessage(room.id, { n })).messageId);
      await back;
      written.push((await ada.writeChatMessage(room.id, { n: 20 })).messageId);
      await waitFor(() => got.at(-1) === written.at(-1), "the last message at bob");
      assert.deepEqual(got, written);
    });

    test("a page becoming visible again retries at once instead of waiting out the backoff", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const page = fakeDocument(t);
      const session = await signIn("ada");
      const { WebSocket, cut, count } = cuttableWebSocket();
      const socket = createResilientSocket(client, {
        codec,
        WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5 },
      });
      t.after(() => socket.disconnect());
      await socket.connect(session);
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      assert.equal(count(), 1, "waiting out a 30 s backoff");
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      page.show();
      assert.equal((await back).attempts, 1);
      assert.equal(socket.state, "open");
    });
  });
}
