import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type ReconnectedEvent, type SocketState } from "../../src/index.js";
import { type ChannelResult, useChannel, useConnectionState, useEvent } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

// A component that unmounts while a reconnecting socket is away must not have its channel joined
// again by the socket's restore once the connection is back.

test("a channel whose last component unmounted while the socket was away is not joined again when it returns", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());
  await bobSocket.joinChat(room, ChannelType.Room);
  const arrivals: string[] = [];
  bobSocket.on("channelPresence", (e) => {
    for (const p of e.joins) arrivals.push(p.userId);
  });

  const track = tracking({ resilient: true });
  const states = seen<SocketState>();
  const chat = seen<ChannelResult>();
  const reconnects: ReconnectedEvent[] = [];
  const tree = (showRoom: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(useConnectionState, states),
      probe(() => useEvent("reconnected", (e) => reconnects.push(e)), seen()),
      showRoom ? probe(() => useChannel(room, ChannelType.Room), chat) : null,
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until("joined", () => chat.latest?.status === "joined");
  await until("bob sees ada join", () => arrivals.includes(ada.userId));

  track.refuse();
  track.cut();
  await until("the reconnecting state", () => states.latest === "reconnecting");
  view.render(tree(false));
  await new Promise((resolve) => setTimeout(resolve, 50));
  track.restore();
  await until("back", () => states.latest === "open" && reconnects.length === 1);
  assert.deepEqual(reconnects[0]?.channels, [], "no channel joined again");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(
    arrivals.filter((id) => id === ada.userId),
    [ada.userId],
    "ada not seen joining again",
  );
});

test("a component whose hidden changes while the socket is away joins with it when the socket returns", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());
  const { id: channelId } = await bobSocket.joinChat(room, ChannelType.Room);
  const arrivals: string[] = [];
  bobSocket.on("channelPresence", (e) => {
    for (const p of e.joins) arrivals.push(p.userId);
  });

  const track = tracking({ resilient: true });
  const states = seen<SocketState>();
  const chat = seen<ChannelResult<{ text: string }>>();
  const reconnects: ReconnectedEvent[] = [];
  const tree = (hidden: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(useConnectionState, states),
      probe(() => useEvent("reconnected", (e) => reconnects.push(e)), seen()),
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room, { hidden }), chat),
    );
  const view = mount(tree(false));
  t.after(() => view.unmount());
  await until("joined", () => chat.latest?.status === "joined");
  await until("bob sees ada join", () => arrivals.includes(ada.userId));

  track.refuse();
  track.cut();
  await until("the reconnecting state", () => states.latest === "reconnecting");
  view.render(tree(true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  track.restore();
  await until("back", () => states.latest === "open" && reconnects.length === 1);
  assert.deepEqual(reconnects[0]?.channels, [], "the visible membership not joined again");
  await until("joined", () => chat.latest?.status === "joined");
  await bobSocket.writeChatMessage(channelId, { text: "after" });
  await until("bob's message", () => chat.latest?.messages.some((m) => m.content.text === "after"));
  assert.deepEqual(
    arrivals.filter((id) => id === ada.userId),
    [ada.userId],
    "ada not seen joining again: hidden",
  );
});
