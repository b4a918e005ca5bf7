import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { ChannelType, Client, type FetchFunction, type Session } from "../../src/index.js";
import type { ChannelResult } from "../../src/react/index.js";
import { CATCH_UP_PAGE, type HoldingFetch, holdingFetch } from "../audit/holding-fetch.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { heraldMode, type ServerMode, serverModes } from "../helpers/server-modes.js";
import { mountChat, range } from "./chat-mount.js";
import { until } from "./dom.js";

// Edits and removals of messages already shown, made while the connection was away, are never
// pushed, and catch-up (forward from its mark) does not see those of messages older than the mark:
// after a return the view checks what it shows against history.

type Content = { n: number; text: string };
type Chat = ChannelResult<Content>;
const numbers = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.n) ?? [];
const textOf = (chat: Chat | undefined, n: number) =>
  chat?.messages.find((m) => m.content.n === n)?.content.text;

/** Bob in a new room with messages 1..count (text "v1"), and his socket and message ids. */
async function bobsRoom(t: TestContext, client: Client, bob: Session, count: number) {
  const room = uniqueName("room");
  const socket = client.createSocket({ reconnect: false });
  await socket.connect(bob);
  t.after(() => socket.disconnect());
  const { id } = await socket.joinChat(room, ChannelType.Room);
  const ids = new Map<number, string>();
  const write = async (n: number) =>
    ids.set(n, (await socket.writeChatMessage(id, { n, text: "v1" })).messageId);
  for (let n = 1; n <= count; n++) await write(n);
  const idOf = (n: number) => ids.get(n) ?? assert.fail(`no message ${n}`);
  return {
    room,
    write,
    edit: (n: number, text: string) => socket.updateChatMessage(id, idOf(n), { n, text }),
    remove: (n: number) => socket.removeChatMessage(id, idOf(n)),
  };
}

/**
 * Ada's chat (pages of three) showing all eight of bob's messages after two `loadOlder()`: the
 * edited and removed ones are older than the newest page, so reading that page again cannot see
 * what happened to them.
 */
async function shownChat(t: TestContext, mode: ServerMode, resilient: boolean, adaFetch?: FetchFunction) {
  const { server, client, signIn } = await serverWithClient(t, mode.options);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobs = await bobsRoom(t, client, bob, 8);
  const adaClient = adaFetch
    ? new Client({ port: server.port, serverKey: server.serverKey, fetch: adaFetch })
    : client;
  const { track, info, chat } = mountChat<Content>(t, adaClient, ada, bobs.room, 3, resilient);
  await until("the newest page", () => numbers(chat.latest).length === 3);
  await chat.latest?.loadOlder();
  await chat.latest?.loadOlder();
  assert.deepEqual(numbers(chat.latest), range(1, 8));
  /** Cuts the connection and keeps it away until `back()`. */
  const away = async () => {
    if (resilient) track.refuse();
    track.cut();
    await until("the connection lost", () => info.latest?.state === (resilient ? "reconnecting" : "closed"));
  };
  const back = () => (resilient ? track.restore() : info.latest?.reconnect());
  const open = () => until("the socket open again", () => info.latest?.state === "open");
  return { chat, bobs, away, back, open };
}

for (const mode of serverModes) {
  for (const resilient of [true, false]) {
    const socket = resilient ? "a reconnecting socket" : "a plain socket connected again";
    test(`after a return over ${socket}, edits and removals of older messages made while away are shown (${mode.name} server)`, async (t) => {
      const { chat, bobs, away, back, open } = await shownChat(t, mode, resilient);
      const before = new Map(chat.latest?.messages.map((m) => [m.content.n, m]));

      await away();
      await bobs.edit(2, "edited while away");
      await bobs.remove(5);
      await bobs.write(9);
      back();

      await open();
      await until(
        "the edit, the removal and the missed message",
        () => textOf(chat.latest, 2) === "edited while away" && !numbers(chat.latest).includes(5),
        10_000,
      );
      await until("the missed message", () => numbers(chat.latest).includes(9));
      assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4, 6, 7, 8, 9], "each once, in order");
      for (const m of chat.latest?.messages ?? []) {
        if (m.content.n === 2 || m.content.n === 9) continue;
        assert.equal(m, before.get(m.content.n), `message ${m.content.n} is the same object as before`);
      }
      assert.equal(chat.latest?.error, undefined);

      await bobs.write(10);
      await until("a live message", () => numbers(chat.latest).at(-1) === 10);
      assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4, 6, 7, 8, 9, 10]);
    });
  }
}

/**
 * Brings the connection back and holds the check's read: the read back that comes first (nothing
 * was missed) goes through. Resolves with the check's read held in `holding.held`.
 */
async function backWithCheckHeld(holding: HoldingFetch, back: () => void): Promise<void> {
  // The check reads a page of 100 from the newest, like the read back that comes before it.
  holding.hold(CATCH_UP_PAGE);
  back();
  await until("the read back", () => holding.held.length === 1);
  holding.held.shift()?.release();
  await until("the check", () => holding.held.length === 1);
  holding.hold(undefined);
}

test("messages pushed while the check after a return is on its way are kept, each once", async (t) => {
  const holding = holdingFetch();
  const { chat, bobs, away, back } = await shownChat(t, heraldMode, false, holding.fetch);
  await away();
  await bobs.edit(2, "edited while away");
  await bobs.remove(5);
  await backWithCheckHeld(holding, back);
  // Live while the check's read waits: a new message, an edit and a removal.
  await bobs.write(9);
  await bobs.edit(3, "edited live");
  await bobs.remove(7);
  await until(
    "the live changes",
    () => numbers(chat.latest).includes(9) && textOf(chat.latest, 3) === "edited live",
  );
  await until("the live removal", () => !numbers(chat.latest).includes(7));
  holding.held.shift()?.release();
  await until("the edit made while away", () => textOf(chat.latest, 2) === "edited while away", 10_000);
  assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4, 6, 8, 9]);
  assert.equal(textOf(chat.latest, 3), "edited live");
});

test("a check that fails keeps what is shown, says why, and is made again on the next return", async (t) => {
  const holding = holdingFetch();
  const { chat, bobs, away, back, open } = await shownChat(t, heraldMode, false, holding.fetch);
  const shown = chat.latest?.messages;
  await away();
  await bobs.edit(2, "edited while away");
  await bobs.remove(5);
  await backWithCheckHeld(holding, back);
  holding.held.shift()?.fail();
  await until("the error", () => chat.latest?.error);
  assert.deepEqual(chat.latest?.messages, shown, "what was shown, unchanged");

  await away();
  back();
  await open();
  await until(
    "the edit and the removal",
    () => textOf(chat.latest, 2) === "edited while away" && !numbers(chat.latest).includes(5),
    10_000,
  );
  assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4, 6, 7, 8]);
  assert.equal(chat.latest?.error, undefined, "the error of the failed check is gone");
});

for (const mode of serverModes) {
  test(`the check reaches back the newest ${mode.name === "herald" ? "1,000" : "100"} messages and keeps older ones as shown, never taking out one it could not verify (${mode.name} server)`, async (t) => {
    const { client, signIn } = await serverWithClient(t, mode.options);
    const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
    const bobs = await bobsRoom(t, client, bob, 3);
    const { track, info, chat } = mountChat<Content>(t, client, ada, bobs.room, 3, true);
    await until("the newest page", () => numbers(chat.latest).length === 3);
    // Received live, so all shown: more than the check reads back.
    const reach = mode.name === "herald" ? 1000 : 100;
    const last = 3 + reach;
    for (let n = 4; n <= last; n += 100) {
      await Promise.all(range(n, Math.min(n + 99, last)).map((k) => bobs.write(k)));
    }
    await until("every message shown", () => numbers(chat.latest).length === last, 30_000);

    track.refuse();
    track.cut();
    await until("the connection lost", () => info.latest?.state === "reconnecting");
    // 1 and 2 are older than the newest `reach` messages; 50 and 60 are among them.
    await bobs.edit(1, "edited out of reach");
    await bobs.remove(2);
    await bobs.edit(50, "edited within reach");
    await bobs.remove(60);
    track.restore();

    await until(
      "the changes within reach",
      () => textOf(chat.latest, 50) === "edited within reach" && !numbers(chat.latest).includes(60),
      15_000,
    );
    assert.equal(textOf(chat.latest, 1), "v1", "out of reach: kept as shown");
    assert.ok(numbers(chat.latest).includes(2), "out of reach: not taken out unverified");
    assert.equal(numbers(chat.latest).length, last - 1);
    assert.equal(new Set(numbers(chat.latest)).size, last - 1, "each once");
  });
}

for (const mode of serverModes) {
  test(`messages sent without persistence stay shown after the check, which cannot find them in history (${mode.name} server)`, async (t) => {
    const { client, signIn } = await serverWithClient(t, mode.options);
    const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
    const bobs = await bobsRoom(t, client, bob, 1);
    // Bob's second socket joins without persistence: what it sends is pushed, never stored.
    const unstored = client.createSocket({ reconnect: false });
    await unstored.connect(bob);
    t.after(() => unstored.disconnect());
    const { id } = await unstored.joinChat(bobs.room, ChannelType.Room, { persistence: false });

    // Pages of one: the newest page read again after the return holds message 3, not 1.
    const { track, info, chat } = mountChat<Content>(t, client, ada, bobs.room, 1, true);
    await until("the history", () => numbers(chat.latest).length === 1 && chat.latest?.status === "joined");
    await unstored.writeChatMessage(id, { n: 2, text: "v1" });
    await bobs.write(3);
    await unstored.writeChatMessage(id, { n: 4, text: "v1" });
    await until("the live messages", () => numbers(chat.latest).length === 4);
    assert.deepEqual(
      chat.latest?.messages.map((m) => m.persistent),
      [true, false, true, false],
    );

    track.refuse();
    track.cut();
    await until("the connection lost", () => info.latest?.state === "reconnecting");
    await bobs.edit(1, "edited while away");
    track.restore();
    // The check has run once the edit shows.
    await until("the edit", () => textOf(chat.latest, 1) === "edited while away", 10_000);
    assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4]);
  });
}

for (const mode of serverModes) {
  test(`after a reconnecting socket's return the view reads history once, for its check (${mode.name} server)`, async (t) => {
    // Every history read Ada's client makes, as sent.
    const reads: string[] = [];
    const counting: FetchFunction = (url, init) => {
      if (url.includes("/v2/channel/")) reads.push(url);
      return globalThis.fetch(url, init);
    };
    const { chat, bobs, away, back, open } = await shownChat(t, mode, true, counting);
    await away();
    await bobs.edit(2, "edited while away");
    await bobs.write(9);
    const before = reads.length;
    back();
    await open();
    await until(
      "the edit and the missed message",
      () => textOf(chat.latest, 2) === "edited while away" && numbers(chat.latest).includes(9),
      10_000,
    );
    assert.deepEqual(numbers(chat.latest), range(1, 9));
    // After the return: catch-up's page back to its mark (a page of 100, newest first, as the
    // check's) and the check's page; no second read of the view's newest page (3 here).
    const after = reads.slice(before).filter((url) => !/[?&]limit=1(&|$)/.test(url));
    assert.deepEqual(
      after.map((url) => new URL(url).searchParams.get("limit")),
      ["100", "100"],
      `the history reads after the return: ${after.join(", ")}`,
    );
  });
}
