import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType } from "../../src/index.js";
import { type ChannelResult, useChannel, useStatus } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";

// Components asking for the same user or channel by different spellings of its UUID share one
// follow or one join: one unmounting must not end it for the other.

type Statuses = Readonly<Record<string, string | undefined>>;
type Chat = ChannelResult<{ text: string }>;
const texts = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.text) ?? [];
const braced = (id: string) => `{${id.toUpperCase()}}`;
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

test("two components watching a user by two spellings of the id both see them; unmounting one keeps the other live", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());

  const upper = bob.userId.toUpperCase();
  const first = seen<Statuses>();
  const second = seen<Statuses>();
  const tree = (both: boolean) =>
    h(
      App,
      { client, session: ada },
      probe(() => useStatus([upper]), first),
      both ? probe(() => useStatus([braced(bob.userId)]), second) : null,
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until(
    "both see bob online",
    () => first.latest?.[upper] === "" && second.latest?.[braced(bob.userId)] === "",
  );
  view.render(tree(false));
  // Past the unmount's release (effects run after the render, the release a microtask later).
  await pause();
  await bobSocket.updateStatus("still here");
  await until("the remaining component sees the change", () => first.latest?.[upper] === "still here");
});

test("two components in a group by two spellings of its id share one join; unmounting one keeps the other live", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const group = await client.createGroup(bob, { name: uniqueName("group"), open: true });
  await client.joinGroup(ada, group.id);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());
  const channel = await bobSocket.joinChat(group.id, ChannelType.Group);

  const first = seen<Chat>();
  const second = seen<Chat>();
  const tree = (both: boolean) =>
    h(
      App,
      { client, session: ada },
      probe(() => useChannel<{ text: string }>(group.id.toUpperCase(), ChannelType.Group), first),
      both ? probe(() => useChannel<{ text: string }>(braced(group.id), ChannelType.Group), second) : null,
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until("both joined", () => first.latest?.status === "joined" && second.latest?.status === "joined");
  assert.equal(first.latest?.messages, second.latest?.messages, "one shared list");
  view.render(tree(false));
  // Past the unmount's release: the channel must still be joined.
  await pause();
  await bobSocket.writeChatMessage(channel.id, { text: "after" });
  await until("the remaining component gets the message", () => texts(first.latest).includes("after"));
});
