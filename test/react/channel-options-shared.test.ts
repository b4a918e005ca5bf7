import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type Client } from "../../src/index.js";
import { type ChannelResult, useChannel } from "../../src/react/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";

// A socket has one membership per channel: components asking for one channel with different
// options (persistence, hidden) each keep their own messages, but share that membership, which
// ends only when the last of them unmounts.

type Chat = ChannelResult<{ text: string }>;
const texts = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.text) ?? [];
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

/** A server, ada signed in, and bob in a new room, noting who leaves it. */
async function roomWithBob(t: TestContext) {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());
  const channel = await bobSocket.joinChat(room, ChannelType.Room);
  const leaves: string[] = [];
  bobSocket.on("channelPresence", (e) => {
    for (const p of e.leaves) leaves.push(p.userId);
  });
  return { client, ada, room, bobSocket, channel, leaves };
}

for (const first of ["visible", "hidden"] as const) {
  test(`two components in a room, one hidden and one not: the ${first} one unmounting first keeps the other joined, the last leaves`, async (t) => {
    const { client, ada, room, bobSocket, channel, leaves } = await roomWithBob(t);

    const visible = seen<Chat>();
    const hidden = seen<Chat>();
    const tree = (showVisible: boolean, showHidden: boolean) =>
      h(
        App,
        { client, session: ada },
        showVisible ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room), visible) : null,
        showHidden
          ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden: true }), hidden)
          : null,
      );
    const view = mount(tree(true, true));
    t.after(() => view.unmount());
    await until(
      "both joined",
      () => visible.latest?.status === "joined" && hidden.latest?.status === "joined",
    );
    await bobSocket.writeChatMessage(channel.id, { text: "both" });
    await until(
      "both get the message",
      () => texts(visible.latest).includes("both") && texts(hidden.latest).includes("both"),
    );

    const remaining = first === "visible" ? hidden : visible;
    view.render(first === "visible" ? tree(false, true) : tree(true, false));
    // Past the unmount's release (effects run after the render, the release a microtask later).
    await pause();
    await bobSocket.writeChatMessage(channel.id, { text: "after" });
    await until("the remaining component gets the message", () => texts(remaining.latest).includes("after"));
    assert.equal(remaining.latest?.status, "joined");
    assert.equal(leaves.length, 0, "ada is still a member");

    view.render(tree(false, false));
    await waitFor(() => leaves.includes(ada.userId), {
      what: "ada leaving the room with the last component",
    });
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

for (const order of ["beside", "before"] as const) {
  test(`a component unmounting while its join is on its way leaves nothing when the same room with other options is in use ${order === "beside" ? "beside it" : "once it answers"}`, async (t) => {
    const { client, ada, room, bobSocket, channel, leaves } = await roomWithBob(t);

    const joins = heldJoins(room);
    const visible = seen<Chat>();
    const hidden = seen<Chat>();
    const tree = (showVisible: boolean, showHidden: boolean) =>
      h(
        App,
        { client, session: ada, createSocket: joins.createSocket },
        showVisible ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room), visible) : null,
        showHidden
          ? probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden: true }), hidden)
          : null,
      );
    const view = mount(tree(true, order === "beside"));
    t.after(() => view.unmount());
    await until("the visible component's join sent", () => joins.held() > 0);
    if (order === "beside") await until("the hidden one joined", () => hidden.latest?.status === "joined");
    assert.equal(visible.latest?.status, "joining");
    // The visible component goes while its join is held; the hidden one stays (or comes after).
    view.render(tree(false, true));
    await pause();
    await until("the hidden one joined", () => hidden.latest?.status === "joined");
    joins.open();
    await pause();
    await bobSocket.writeChatMessage(channel.id, { text: "after" });
    await until("the hidden component gets the message", () => texts(hidden.latest).includes("after"));
    assert.equal(leaves.length, 0, "ada is still a member");

    view.render(tree(false, false));
    await waitFor(() => leaves.includes(ada.userId), {
      what: "ada leaving the room with the last component",
    });
  });
}
