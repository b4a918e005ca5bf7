import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType } from "../../src/index.js";
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

for (const first of ["visible", "hidden"] as const) {
  test(`two components in a room, one hidden and one not: the ${first} one unmounting first keeps the other joined, the last leaves`, async (t) => {
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
