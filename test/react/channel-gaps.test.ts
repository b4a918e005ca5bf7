import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { ChannelType, Client, type Session } from "../../src/index.js";
import type { ChannelResult } from "../../src/react/index.js";
import { holdingFetch } from "../audit/holding-fetch.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { bundledOnly, type ServerMode, serverModes } from "../helpers/server-modes.js";
import { mountChat, range } from "./chat-mount.js";
import { until } from "./dom.js";

// A plain socket (`reconnect: false`) brought back by the app, and messages created in the same
// millisecond: `messages` must hold every message once, in the server's order, with no hole.

type Chat = ChannelResult<{ n: number }>;
const numbers = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.n) ?? [];

/** Makes every creation time on the server (in this process) the same millisecond, for this test. */
function freezeTime(t: TestContext): void {
  const frozen = Date.now();
  t.mock.method(Date, "now", () => frozen);
}

/** Bob in a new room with messages 1..count, and a socket to write more. */
async function roomWith(t: TestContext, client: Client, bob: Session, count: number) {
  const room = uniqueName("room");
  const socket = client.createSocket({ reconnect: false });
  await socket.connect(bob);
  t.after(() => socket.disconnect());
  const { id } = await socket.joinChat(room, ChannelType.Room);
  for (let n = 1; n <= count; n++) await socket.writeChatMessage(id, { n });
  const write = (from: number, to: number) =>
    Promise.all(range(from, to).map((n) => socket.writeChatMessage(id, { n })));
  return { room, id, write };
}

/** Ada's chat over a plain socket, with the connection's controls. */
function plainChat(t: TestContext, client: Client, ada: Session, room: string, historyPageSize: number) {
  return mountChat<{ n: number }>(t, client, ada, room, historyPageSize);
}

/** Ada's chat (pages of five) over a plain socket in bob's room of three messages, cut and closed. */
async function closedPlainChat(t: TestContext, mode: ServerMode) {
  const { client, signIn } = await serverWithClient(t, mode.options);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const { room, write } = await roomWith(t, client, bob, 3);
  const { track, info, chat } = plainChat(t, client, ada, room, 5);
  await until("the first page", () => numbers(chat.latest).length === 3);
  track.cut();
  await until("the closed state", () => info.latest?.state === "closed");
  return { info, chat, write };
}

for (const mode of serverModes) {
  test(`a plain socket connected again fills in every message it missed, in order (${mode.name} server)`, async (t) => {
    const { info, chat, write } = await closedPlainChat(t, mode);
    // Seven pages of five missed: more than the newest page the join reads.
    await write(4, 38);
    info.latest?.reconnect();
    await until("the newest missed message", () => numbers(chat.latest).includes(38), 10_000);
    assert.deepEqual(numbers(chat.latest), range(1, 38), "no hole, no repeat, in order");
    assert.equal(chat.latest?.hasOlder, false, "paging still starts where it was");

    await write(39, 39);
    await until("a live message", () => numbers(chat.latest).at(-1) === 39);
    assert.deepEqual(numbers(chat.latest), range(1, 39));
  });

  test(`a plain socket that missed more than it reads back starts again from the newest page, never a hidden hole (${mode.name} server)`, async (t) => {
    const { info, chat, write } = await closedPlainChat(t, mode);
    // Past what is read back: one listing of 100 on a server without exact cursors, ten pages of
    // 100 with them.
    const missed = mode.name === "herald" ? 1030 : 130;
    for (let n = 4; n <= 3 + missed; n += 200) await write(n, Math.min(n + 199, 3 + missed));
    info.latest?.reconnect();
    const last = 3 + missed;
    await until("the newest message", () => numbers(chat.latest).at(-1) === last, 15_000);
    await until("the newest page", () => numbers(chat.latest).length >= 5);
    assert.deepEqual(numbers(chat.latest), range(last - 4, last), "the newest page, and nothing older");
    assert.equal(chat.latest?.hasOlder, true, "older messages are there to page to");
    await chat.latest?.loadOlder();
    assert.deepEqual(numbers(chat.latest), range(last - 9, last));
  });
}

for (const mode of serverModes) {
  test(
    `messages of one millisecond keep the server's order when a page and live messages meet (${mode.name} server)`,
    bundledOnly(mode, "the server's clock, frozen in this process"),
    async (t) => {
      const { server, client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      freezeTime(t);
      const { room, write } = await roomWith(t, client, bob, 1);
      // Ada's history reads wait until the test lets them go, so a live message is shown first.
      const holding = holdingFetch();
      const adaClient = new Client({ port: server.port, serverKey: server.serverKey, fetch: holding.fetch });
      holding.hold(/\/v2\/channel\/[^?]+\?(.*&)?limit=5(&|$)/);
      const { chat } = plainChat(t, adaClient, ada, room, 5);
      await until(
        "the join, its page held",
        () => chat.latest?.status === "joined" && holding.held.length > 0,
      );
      await write(2, 2);
      await until("the live message", () => numbers(chat.latest).includes(2));
      holding.hold(undefined);
      for (const request of holding.held.splice(0)) request.release();
      await until("the page", () => numbers(chat.latest).length === 2);
      assert.deepEqual(numbers(chat.latest), [1, 2]);
      const times = new Set(chat.latest?.messages.map((m) => m.createTime?.getTime()));
      assert.equal(times.size, 1, "both created in one millisecond");
    },
  );

  test(
    `a burst of one millisecond missed by a plain socket comes back in the server's order (${mode.name} server)`,
    bundledOnly(mode, "the server's clock, frozen in this process"),
    async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      freezeTime(t);
      const { room, write } = await roomWith(t, client, bob, 0);
      await write(1, 4);
      const { track, info, chat } = plainChat(t, client, ada, room, 3);
      await until("the first page", () => numbers(chat.latest).length === 3);
      const [first, second, third] = numbers(chat.latest);
      assert.deepEqual([first, second, third], [2, 3, 4]);

      track.cut();
      await until("the closed state", () => info.latest?.state === "closed");
      await write(5, 30);
      info.latest?.reconnect();
      await until("the burst", () => numbers(chat.latest).length >= 29, 10_000);
      // The server's order of a burst is its storing order; a listing of everything says it.
      const stored = (
        await client.listChannelMessages(ada, chat.latest?.channelId ?? "", { limit: 100, forward: false })
      ).messages
        .map((m) => (m.content as { n: number }).n)
        .reverse();
      assert.deepEqual(numbers(chat.latest), stored.slice(1));
      const times = new Set(chat.latest?.messages.map((m) => m.createTime?.getTime()));
      assert.equal(times.size, 1, "all created in one millisecond");
    },
  );
}

test("a plain socket lost again while reading back what it missed reads back to the same place on its next return", async (t) => {
  const { server, client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const { room, write } = await roomWith(t, client, bob, 3);
  const holding = holdingFetch();
  const adaClient = new Client({ port: server.port, serverKey: server.serverKey, fetch: holding.fetch });
  const { track, info, chat } = plainChat(t, adaClient, ada, room, 5);
  await until("the first page", () => numbers(chat.latest).length === 3);

  track.cut();
  await until("the closed state", () => info.latest?.state === "closed");
  await write(4, 20);
  // The read back (pages of 100) waits while the connection is lost once more.
  holding.hold(/\/v2\/channel\/[^?]+\?(.*&)?limit=100(&|$)/);
  info.latest?.reconnect();
  await until("the read back sent", () => holding.held.length > 0);
  await until("the channel joined again", () => chat.latest?.status === "joined");
  track.cut();
  await until("closed again", () => info.latest?.state === "closed");
  holding.hold(undefined);
  for (const request of holding.held.splice(0)) request.release();
  await until("the first read back merged", () => numbers(chat.latest).includes(20));
  await write(21, 40);
  info.latest?.reconnect();
  await until("the second stretch", () => numbers(chat.latest).includes(40), 10_000);
  assert.deepEqual(numbers(chat.latest), range(1, 40));
});
