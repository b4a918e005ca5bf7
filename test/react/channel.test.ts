import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h, useEffect } from "react";
import { type ChannelPresenceEvent, ChannelType, HeraldError } from "../../src/index.js";
import { type ChannelResult, useChannel } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { roomWithBob } from "./room-with-bob.js";
import { tracking } from "./tracking.js";

type Chat = ChannelResult<{ text: string }>;
const texts = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.text) ?? [];

test("useChannel joins once under strict mode, pages history, keeps messages and members live, and leaves on unmount", async (t) => {
  const { client, ada, bob, room, bobSocket, channel } = await roomWithBob(t);
  const channelId = channel.id;
  for (const text of ["one", "two", "three"]) await bobSocket.writeChatMessage(channelId, { text });
  const bobHears: ChannelPresenceEvent[] = [];
  bobSocket.onChannelPresence((e) => bobHears.push(e));

  const track = tracking();
  const chat = seen<Chat>();
  const tree = (inRoom: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      inRoom
        ? probe(
            () => useChannel<{ text: string }>(room, ChannelType.Room, { historyPageSize: 2 }),
            chat,
            (c) => h("ul", null, ...c.messages.map((m) => h("li", { key: m.messageId }, m.content.text))),
          )
        : null,
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());

  const joined = await until(
    "the join and newest page",
    () => texts(chat.latest).length === 2 && chat.latest,
  );
  assert.equal(joined.status, "joined");
  assert.equal(joined.channelId, channelId);
  assert.deepEqual(texts(joined), ["two", "three"]);
  assert.equal(view.container.textContent, "twothree");
  assert.equal(joined.hasOlder, true);
  assert.deepEqual(joined.presences.map((p) => p.userId).sort(), [ada.userId, bob.userId].sort());

  await joined.loadOlder();
  assert.deepEqual(texts(chat.latest), ["one", "two", "three"]);
  // The server may only know there is nothing older by reading one more (empty) page.
  if (chat.latest?.hasOlder) await chat.latest.loadOlder();
  assert.equal(chat.latest?.hasOlder, false);
  assert.deepEqual(texts(chat.latest), ["one", "two", "three"], "a page past the oldest adds nothing");
  await chat.latest?.loadOlder();
  assert.deepEqual(texts(chat.latest), ["one", "two", "three"]);

  // Live: bob's message, then ada's own through `send`, each once.
  await bobSocket.writeChatMessage(channelId, { text: "four" });
  await until("bob's live message", () => texts(chat.latest).at(-1) === "four");
  const ack = await joined.send({ text: "five" });
  await until("ada's message", () => texts(chat.latest).at(-1) === "five");
  assert.deepEqual(texts(chat.latest), ["one", "two", "three", "four", "five"]);
  assert.equal(chat.latest?.messages.at(-1)?.senderId, ada.userId);

  // Edits and removals apply in place.
  await joined.update(ack.messageId, { text: "five (edited)" });
  await until("the edit", () => texts(chat.latest).at(-1) === "five (edited)");
  await joined.remove(ack.messageId);
  await until("the removal", () => texts(chat.latest).at(-1) === "four");

  // Strict mode mounted the component twice, yet bob saw ada join once and never leave. Bob's own
  // echo orders after every presence event the server sent him before it.
  const echoed = new Promise<void>((resolve) => bobSocket.onChannelMessage(() => resolve()));
  await bobSocket.writeChatMessage(channelId, { text: "sync" });
  await echoed;
  const adaEvents = (side: "joins" | "leaves") =>
    bobHears.flatMap((e) => e[side]).filter((p) => p.userId === ada.userId).length;
  assert.equal(adaEvents("joins"), 1);
  assert.equal(adaEvents("leaves"), 0);

  // Unmounting the component (the provider stays) leaves the channel.
  const before = track.listeners();
  view.render(tree(false));
  await until("bob to see ada leave", () => adaEvents("leaves") === 1);
  await until("the channel's listeners to go", () => track.listeners() < before && track.listeners());
  assert.equal(track.openConnections(), 1);
});

test("two components in the same room share one join, and a message sent on mount waits for the join", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const room = uniqueName("room");
  const first = seen<Chat>();
  const second = seen<Chat>();
  const acks: string[] = [];
  const failures: unknown[] = [];
  const view = mount(
    h(
      App,
      // Not strict: strict mode would run the sending effect twice.
      { client, session: ada, strict: false },
      probe(() => {
        const chat = useChannel<{ text: string }>(room, ChannelType.Room);
        // Runs on mount, before the socket has even opened.
        useEffect(() => {
          chat.send({ text: "early" }).then(
            (ack) => acks.push(ack.messageId),
            (e) => failures.push(e),
          );
        }, [chat.send]);
        return chat;
      }, first),
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room), second),
    ),
  );
  t.after(() => view.unmount());
  await until("both see it", () => texts(first.latest)[0] === "early" && texts(second.latest)[0] === "early");
  assert.deepEqual(failures, []);
  assert.equal(acks.length, 1);
  assert.equal(first.all[0]?.status, "joining");
  assert.equal(first.latest?.messages, second.latest?.messages, "one shared list");
});

test("a refused join shows as a failed channel with a typed error, and send rejects with it", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const chat = seen<Chat>();
  // Nobody is a member of a group that does not exist.
  const groupId = "00000000-0000-4000-8000-000000000000";
  const view = mount(
    h(
      App,
      { client, session: ada },
      probe(() => useChannel<{ text: string }>(groupId, ChannelType.Group), chat),
    ),
  );
  t.after(() => view.unmount());
  const failed = await until("the refusal", () => chat.latest?.status === "failed" && chat.latest);
  assert.ok(HeraldError.is(failed.error));
  await assert.rejects(failed.send({ text: "hello?" }), (e) => HeraldError.is(e) && e === failed.error);
});

test("an out-of-range history page size shows as a failed channel, not a crash", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const chat = seen<Chat>();
  const view = mount(
    h(
      App,
      { client, session: ada },
      probe(() => useChannel<{ text: string }>("lobby", ChannelType.Room, { historyPageSize: 500 }), chat),
    ),
  );
  t.after(() => view.unmount());
  const failed = await until("the refusal", () => chat.latest?.status === "failed" && chat.latest);
  assert.ok(HeraldError.is(failed.error, "bad_input"));
  assert.match(failed.error.message, /historyPageSize/);
  await assert.rejects(failed.send({ text: "hello?" }), (e) => HeraldError.is(e, "bad_input"));
});

interface RoomRender {
  room: string;
  chat: Chat;
}

/** Joins `room` and records every render with the room it was asked for. */
function RoomProbe(props: { room: string; into: RoomRender[] }): null {
  const chat = useChannel<{ text: string }>(props.room, ChannelType.Room);
  props.into.push({ room: props.room, chat });
  return null;
}

test("switching rooms never renders the old room's messages under the new room's name", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const [first, second] = [uniqueName("first"), uniqueName("second")];
  // Every render, with the room it was asked for.
  const renders: RoomRender[] = [];
  const tree = (room: string) => h(App, { client, session: ada }, h(RoomProbe, { room, into: renders }));
  const view = mount(tree(first));
  t.after(() => view.unmount());
  const latest = () => renders.at(-1);
  const joined = await until(
    "the first room joined",
    () => latest()?.chat.status === "joined" && latest()?.chat,
  );
  await joined.send({ text: `only in ${first}` });
  await until("the message shown", () => texts(latest()?.chat).length === 1);

  const from = renders.length;
  view.render(tree(second));
  await until(
    "the second room joined",
    () => latest()?.room === second && latest()?.chat.status === "joined" && latest()?.chat,
  );
  const afterSwitch = renders.slice(from);
  assert.ok(afterSwitch.length > 0);
  for (const { room, chat } of afterSwitch) {
    assert.equal(room, second);
    assert.deepEqual(texts(chat), [], "no message of the first room");
    assert.ok(
      chat.channel === undefined || chat.channel.roomName === second,
      `a render showed ${chat.channel?.roomName}`,
    );
  }
  // Back to the first room: its message again, and the second room's (none) never under its name.
  await latest()?.chat.send({ text: `only in ${second}` });
  await until("the second room's message", () => texts(latest()?.chat).length === 1);
  const back = renders.length;
  view.render(tree(first));
  await until(
    "the first room's message again",
    () => latest()?.room === first && texts(latest()?.chat)[0] === `only in ${first}`,
  );
  for (const { chat } of renders.slice(back)) assert.ok(!texts(chat).includes(`only in ${second}`));
});
