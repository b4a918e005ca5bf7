import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type Client, HeraldError, type Session } from "../../src/index.js";
import { type ChannelResult, useChannel, useEvent } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

type Chat = ChannelResult<{ n: number }>;
const numbers = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.n) ?? [];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A room holding messages 1..count, written by another user. */
async function roomWith(client: Client, writer: Session, count: number): Promise<string> {
  const room = uniqueName("room");
  const socket = client.createSocket({ reconnect: false });
  await socket.connect(writer);
  const { id } = await socket.joinChat(room, ChannelType.Room);
  for (let n = 1; n <= count; n++) await socket.writeChatMessage(id, { n });
  // Left before the disconnect: the server lets a closed socket leave its channels a moment after
  // the close, so a reader joining at once could still find the writer there.
  await socket.leaveChat(id);
  await socket.disconnect();
  return room;
}

for (const mode of serverModes) {
  test(`useChannel pages history exactly, and says where a server's history ends (${mode.name} server)`, async (t) => {
    const { client, signIn } = await serverWithClient(t, mode.options);
    const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
    const small = await roomWith(client, bob, 5);
    const large = await roomWith(client, bob, 105);
    const track = tracking();
    const a = seen<Chat>();
    const b = seen<Chat>();
    const view = mount(
      h(
        App,
        { client, session: ada, createSocket: track.createSocket },
        probe(() => useChannel<{ n: number }>(small, ChannelType.Room, { historyPageSize: 2 }), a),
        probe(() => useChannel<{ n: number }>(large, ChannelType.Room, { historyPageSize: 50 }), b),
      ),
    );
    t.after(() => view.unmount());

    // Five messages, two a page: every message once, in order, whatever the server's cursors.
    await until("the small room's newest page", () => numbers(a.latest).length === 2);
    assert.equal(a.latest?.hasOlder, true);
    while (a.latest?.hasOlder) await a.latest.loadOlder();
    assert.deepEqual(numbers(a.latest), range(1, 5));
    assert.equal(a.latest?.historyLimited, false);

    // 105 messages, fifty a page.
    await until("the large room's newest page", () => numbers(b.latest).length === 50);
    assert.deepEqual(numbers(b.latest), range(56, 105));
    assert.equal(b.latest?.hasOlder, true);
    assert.equal(b.latest?.historyLimited, false);
    await b.latest?.loadOlder();
    assert.deepEqual(numbers(b.latest), range(6, 105));
    if (mode.name === "herald") {
      // Exact cursors: the rest is one more page away.
      assert.equal(b.latest?.hasOlder, true);
      while (b.latest?.hasOlder) await b.latest.loadOlder();
      assert.deepEqual(numbers(b.latest), range(1, 105));
      assert.equal(b.latest?.historyLimited, false);
    } else {
      // Stock cursors cannot be trusted past one listing, and a listing holds 100 at most: older
      // messages exist, and the hook says they are out of reach rather than that there are none.
      assert.equal(b.latest?.hasOlder, false);
      assert.equal(b.latest?.historyLimited, true);
      await assert.rejects(b.latest?.loadOlder() ?? Promise.resolve(), (e: unknown) =>
        HeraldError.is(e, "unsupported"),
      );
      assert.deepEqual(numbers(b.latest), range(6, 105), "a refused page changes nothing");
    }
  });
}

test("components sharing a channel with different page sizes each get pages of their own size, over one join", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = await roomWith(client, bob, 8);
  const track = tracking();
  const two = seen<Chat>();
  const five = seen<Chat>();
  const twoAgain = seen<Chat>();
  const view = mount(
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(() => useChannel<{ n: number }>(room, ChannelType.Room, { historyPageSize: 2 }), two),
      probe(() => useChannel<{ n: number }>(room, ChannelType.Room, { historyPageSize: 5 }), five),
      probe(() => useChannel<{ n: number }>(room, ChannelType.Room, { historyPageSize: 2 }), twoAgain),
    ),
  );
  t.after(() => view.unmount());
  await until(
    "both newest pages",
    () => numbers(two.latest).length === 2 && numbers(five.latest).length === 5,
  );
  assert.deepEqual(numbers(two.latest), [7, 8]);
  assert.deepEqual(numbers(five.latest), [4, 5, 6, 7, 8]);
  assert.equal(two.latest?.channelId, five.latest?.channelId, "one channel");
  assert.equal(two.latest?.presences.length, 1, "one join: ada is in the room once");

  await two.latest?.loadOlder();
  assert.deepEqual(numbers(two.latest), [5, 6, 7, 8], "a page of two");
  assert.deepEqual(numbers(twoAgain.latest), [5, 6, 7, 8], "the same size shares its pages");
  assert.deepEqual(numbers(five.latest), [4, 5, 6, 7, 8], "the other size is untouched");
  await five.latest?.loadOlder();
  assert.deepEqual(numbers(five.latest), range(1, 8));

  // A live message reaches every size, once.
  await five.latest?.send({ n: 9 });
  await until("the live message everywhere", () =>
    [two, five, twoAgain].every((s) => numbers(s.latest).at(-1) === 9),
  );
  assert.deepEqual(numbers(two.latest), [5, 6, 7, 8, 9]);
  assert.deepEqual(numbers(five.latest), range(1, 9));
  assert.equal(track.connections(), 1);
});

for (const mode of serverModes) {
  test(`after a reconnection that lost messages for good, useChannel shows no hidden hole (${mode.name} server)`, async (t) => {
    const { client, signIn } = await serverWithClient(t, mode.options);
    const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
    const room = await roomWith(client, bob, 3);
    // Catch-up reads back one page of 100: 130 missed messages are more than it recovers.
    const track = tracking({
      resilient: true,
      resilientOptions: { reconnect: { minDelayMs: 50, maxDelayMs: 200 }, catchUp: { maxPages: 1 } },
    });
    const chat = seen<Chat>();
    const gaps: string[] = [];
    const view = mount(
      h(
        App,
        { client, session: ada, createSocket: track.createSocket },
        probe(() => {
          useEvent("gap", (e) => gaps.push(e.reason));
          return useChannel<{ n: number }>(room, ChannelType.Room, { historyPageSize: 5 });
        }, chat),
      ),
    );
    t.after(() => view.unmount());
    await until("the first page", () => numbers(chat.latest).length === 3);
    const bobSocket = client.createSocket({ reconnect: false });
    await bobSocket.connect(bob);
    t.after(() => bobSocket.disconnect());
    const { id } = await bobSocket.joinChat(room, ChannelType.Room);

    // Ada stays away until every message is stored: a reconnection in the middle of the writes
    // (a slow machine) would miss fewer than the catch-up reads back, and report no gap.
    track.refuse();
    track.cut();
    await until("ada's socket away", () => chat.latest?.status === "joining");
    await Promise.all(range(4, 133).map((n) => bobSocket.writeChatMessage(id, { n })));
    track.restore();
    await until("the gap reported", () => gaps.length > 0, 10_000);
    await until("the newest message shown", () => numbers(chat.latest).includes(133) && chat.latest, 10_000);
    await until("the list settled", () => !chat.latest?.loadingOlder && numbers(chat.latest).length >= 5);
    // Whatever the list holds is one unbroken stretch of the room's history, newest last.
    const stored = await allNumbers(client, ada, id);
    const shown = numbers(chat.latest);
    const start = stored.indexOf(shown[0] ?? -1);
    assert.deepEqual(shown, stored.slice(start, start + shown.length), "no hole in the list");
    assert.equal(shown.at(-1), stored.at(-1));
    assert.equal(chat.latest?.hasOlder, true, "older messages are there to page to");
  });
}

/** The newest 100 messages of a channel, oldest first: one listing without cursor, exact on every server. */
async function allNumbers(client: Client, session: Session, channelId: string): Promise<number[]> {
  const page = await client.listChannelMessages(session, channelId, { limit: 100, forward: false });
  return page.messages.map((m) => (m.content as { n: number }).n).reverse();
}
