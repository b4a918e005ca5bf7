import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type Client, HeraldError } from "../../src/index.js";
import { type ChannelResult, useChannel } from "../../src/react/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { roomWithBob } from "./room-with-bob.js";

// A socket has one membership per channel, with the options of its first join (joining again
// changes nothing). A component asking for a channel in use with other options (persistence,
// hidden) is failed with an error naming the conflict, rather than joined silently with options it
// did not ask for; one whose options change leaves the channel and joins it again with them.

type Chat = ChannelResult<{ text: string }>;
const texts = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.text) ?? [];
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Makes sockets that note the options of each join of `room` in `joins`. */
function countingJoins(room: string, joins: { persistence: boolean; hidden: boolean }[]) {
  return (c: Client) => {
    const socket = c.createSocket();
    const join = socket.joinChat.bind(socket);
    socket.joinChat = ((target, type, options) => {
      if (target === room) {
        joins.push({ persistence: options?.persistence ?? true, hidden: options?.hidden ?? false });
      }
      return join(target, type, options);
    }) as typeof socket.joinChat;
    return socket;
  };
}

type Option = "persistence" | "hidden";
const defaults: Record<Option, boolean> = { persistence: true, hidden: false };

for (const option of ["persistence", "hidden"] as const) {
  test(`a component asking for a room in use with other ${option} is failed with a bad_input naming both, and joins once its options match`, async (t) => {
    const { client, ada, room, bobSocket, channel, joins, leaves } = await roomWithBob(t);
    const other = { [option]: !defaults[option] };

    const first = seen<Chat>();
    const second = seen<Chat>();
    const tree = (showFirst: boolean, secondOptions: { persistence?: boolean; hidden?: boolean }) =>
      h(
        App,
        { client, session: ada, createSocket: countingJoins(room, joins) },
        showFirst ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room), first) : null,
        probe(() => useChannel<{ text: string }>(room, ChannelType.Room, secondOptions), second),
      );
    const view = mount(tree(true, other));
    t.after(() => view.unmount());
    await until("the first joined", () => first.latest?.status === "joined");
    await until("the second failed", () => second.latest?.status === "failed");
    const error = second.latest?.error;
    assert.ok(HeraldError.is(error, "bad_input"), `a bad_input HeraldError, not ${error}`);
    assert.match(
      error.message,
      new RegExp(`${option}: ${defaults[option]}\\b.*${option}: ${!defaults[option]}\\b`),
    );
    assert.match(error.message, new RegExp(room));
    await assert.rejects(second.latest?.send({ text: "refused" }) ?? Promise.resolve(), (e) =>
      HeraldError.is(e, "bad_input"),
    );

    // The first keeps the membership it joined, unchanged: nothing else was sent for the second.
    await bobSocket.writeChatMessage(channel.id, { text: "for the first" });
    await until("the first gets the message", () => texts(first.latest).includes("for the first"));
    assert.deepEqual(texts(second.latest), []);
    assert.equal(joins.length, 1, "one join");
    assert.deepEqual(joins[0], { persistence: true, hidden: false });
    assert.equal(leaves.length, 0, "ada is still a member");

    // Asking for the same options as the first: it shares the channel.
    view.render(tree(true, {}));
    await until("the second joined", () => second.latest?.status === "joined");
    assert.equal(second.latest?.error, undefined);
    await bobSocket.writeChatMessage(channel.id, { text: "for both" });
    await until("the second gets the message", () => texts(second.latest).includes("for both"));
    assert.equal(joins.length, 1, "still one join");
  });
}

test("a failed component with other options keeps no membership: the channel is left when the first one unmounts", async (t) => {
  const { client, ada, room, leaves } = await roomWithBob(t);
  const first = seen<Chat>();
  const second = seen<Chat>();
  const tree = (showFirst: boolean) =>
    h(
      App,
      { client, session: ada },
      showFirst ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room), first) : null,
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden: true }), second),
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until("the first joined", () => first.latest?.status === "joined");
  await until("the second failed", () => second.latest?.status === "failed");
  view.render(tree(false));
  await waitFor(() => leaves.includes(ada.userId), { what: "ada leaving the room with the first component" });
  await pause();
  assert.equal(second.latest?.status, "failed", "still failed: it stays so until its options change");
});

for (const option of ["persistence", "hidden"] as const) {
  test(`a component whose ${option} changes gets it: the socket leaves the channel and joins it again`, async (t) => {
    const { client, ada, room, bobSocket, channel, joins, leaves, arrivals } = await roomWithBob(t);
    const chat = seen<Chat>();
    const tree = (options: { persistence?: boolean; hidden?: boolean }) =>
      h(
        App,
        { client, session: ada, createSocket: countingJoins(room, joins) },
        probe(() => useChannel<{ text: string }>(room, ChannelType.Room, options), chat),
      );
    const view = mount(tree({}));
    t.after(() => view.unmount());
    await until("joined", () => chat.latest?.status === "joined");
    const before = await chat.latest?.send({ text: "before" });
    assert.equal(before?.persistent, true);
    await until("ada seen joining", () => arrivals.includes(ada.userId));

    view.render(tree({ [option]: !defaults[option] }));
    await until("joined again with the new options", () =>
      joins.some((j) => j[option] === !defaults[option]),
    );
    await waitFor(() => leaves.includes(ada.userId), { what: "ada leaving the old membership" });
    await until("joined", () => chat.latest?.status === "joined");
    const after = await chat.latest?.send({ text: "after" });
    assert.equal(after?.persistent, option !== "persistence", "sent with the new options");
    await bobSocket.writeChatMessage(channel.id, { text: "from bob" });
    await until("the component gets bob's message", () => texts(chat.latest).includes("from bob"));
    // Hidden: no join is shown to bob; otherwise ada is seen joining again.
    assert.equal(arrivals.filter((id) => id === ada.userId).length, option === "hidden" ? 1 : 2);
  });
}

/**
 * A socket whose joins of `room` without `hidden` answer only once `open()` is called (the server
 * has joined already): a component can unmount while its join is on its way.
 */
function heldJoins(room: string) {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  const createSocket = (c: Client) => {
    const socket = c.createSocket();
    const join = socket.joinChat.bind(socket);
    socket.joinChat = ((target, type, options) => {
      const answer = join(target, type, options);
      if (target !== room || options?.hidden) return answer;
      held++;
      return gate.then(() => answer);
    }) as typeof socket.joinChat;
    return socket;
  };
  return { createSocket, open, held: () => held };
}

test("a component unmounting while its join is on its way leaves once it answers, beside a component failed for other options", async (t) => {
  const { client, ada, room, leaves } = await roomWithBob(t);

  const joins = heldJoins(room);
  const visible = seen<Chat>();
  const hidden = seen<Chat>();
  const tree = (showVisible: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: joins.createSocket },
      showVisible ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room), visible) : null,
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden: true }), hidden),
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until("the visible component's join sent", () => joins.held() > 0);
  await until("the hidden one failed", () => hidden.latest?.status === "failed");
  assert.equal(visible.latest?.status, "joining");
  view.render(tree(false));
  await pause();
  joins.open();
  await waitFor(() => leaves.includes(ada.userId), { what: "ada leaving once the join answers" });
  assert.equal(hidden.latest?.status, "failed");
});

test("a component whose options change while its join is on its way joins with the new ones once that join answers", async (t) => {
  const { client, ada, room, bobSocket, channel, leaves, arrivals } = await roomWithBob(t);

  const joins = heldJoins(room);
  const chat = seen<Chat>();
  const tree = (hide: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: joins.createSocket },
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden: hide }), chat),
    );
  const view = mount(tree(false));
  t.after(() => view.unmount());
  await until("the visible join sent", () => joins.held() > 0);
  // The server has joined ada visibly; the answer is held while the component asks for hidden.
  await until("ada seen joining", () => arrivals.includes(ada.userId));
  view.render(tree(true));
  await pause();
  joins.open();
  await waitFor(() => leaves.includes(ada.userId), { what: "ada leaving the visible membership" });
  await until("joined", () => chat.latest?.status === "joined");
  await bobSocket.writeChatMessage(channel.id, { text: "after" });
  await until("the component gets the message", () => texts(chat.latest).includes("after"));
  await pause();
  assert.deepEqual(
    arrivals.filter((id) => id === ada.userId),
    [ada.userId],
    "not seen joining again: hidden",
  );
  assert.equal(chat.latest?.error, undefined);
});
