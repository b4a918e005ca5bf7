import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import type { ReconnectedEvent } from "../../src/index.js";
import { ChannelType, type SocketState } from "../../src/index.js";
import {
  type ChannelResult,
  type ConnectionInfo,
  useChannel,
  useConnection,
  useConnectionState,
  useEvent,
  useSocket,
  useStatus,
} from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

type Chat = ChannelResult<{ text: string }>;
const texts = (chat: Chat | undefined) => chat?.messages.map((m) => m.content.text) ?? [];

test("hooks stay live across a cut connection: state, missed messages once each, members, statuses, listeners", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());
  const { id: channelId } = await bobSocket.joinChat(room, ChannelType.Room);
  await bobSocket.writeChatMessage(channelId, { text: "before" });

  const track = tracking({ resilient: true });
  const states = seen<SocketState>();
  const chat = seen<Chat>();
  const sockets = seen<unknown>();
  const statuses = seen<Readonly<Record<string, string | undefined>>>();
  const reconnects: ReconnectedEvent[] = [];
  const view = mount(
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(useConnectionState, states),
      probe(useSocket, sockets),
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room), chat),
      probe(() => useStatus([bob.userId]), statuses),
      probe(() => useEvent("reconnected", (e) => reconnects.push(e)), seen()),
    ),
  );
  t.after(() => view.unmount());
  await until(
    "the room and bob's status",
    () => texts(chat.latest)[0] === "before" && statuses.latest?.[bob.userId] === "",
  );
  await until("two members", () => chat.latest?.presences.length === 2);
  const listeners = track.listenersByName();
  const oldSelf = chat.latest?.presences.find((p) => p.userId === ada.userId)?.sessionId;

  // Ada stays away until bob has acted, however long that takes on a slow machine: what he does
  // is missed, not delivered live.
  track.refuse();
  track.cut();
  await until("the reconnecting state", () => states.latest === "reconnecting");
  assert.notEqual(chat.latest?.status, "failed");
  await bobSocket.writeChatMessage(channelId, { text: "while away" });
  await bobSocket.updateStatus("changed while away");
  track.restore();

  await until("the socket back open", () => states.latest === "open" && reconnects.length === 1);
  await until("the missed message", () => texts(chat.latest).includes("while away"));
  await until("the missed status", () => statuses.latest?.[bob.userId] === "changed while away");
  await until("the channel joined again", () => chat.latest?.status === "joined");
  await bobSocket.writeChatMessage(channelId, { text: "after" });
  await until("a live message after the reconnection", () => texts(chat.latest).at(-1) === "after");
  assert.deepEqual(texts(chat.latest), ["before", "while away", "after"]);

  // Members: ada's new session replaces the old one. The server lets the old one leave after its
  // close, once the close's last_active is stored: that leave may come after the new join.
  await until(
    "ada's new session listed, the old one gone",
    () =>
      chat.latest?.presences.some((p) => p.userId === ada.userId && p.sessionId !== oldSelf) &&
      !chat.latest.presences.some((p) => p.sessionId === oldSelf),
  );
  assert.deepEqual(chat.latest?.presences.map((p) => p.userId).sort(), [ada.userId, bob.userId].sort());

  const ack = await chat.latest?.send({ text: "ada is back" });
  assert.ok(ack?.messageId);
  await until("ada's message", () => texts(chat.latest).at(-1) === "ada is back");

  assert.equal(sockets.all.at(-1), sockets.all[0], "one socket, reconnected, not replaced");
  assert.equal(track.connections(), 2);
  assert.equal(track.openConnections(), 1);
  assert.deepEqual(track.listenersByName(), listeners, "no listener added or lost by the reconnection");
});

test("with a plain socket, reconnect() after a lost connection joins again, merges missed messages and resyncs statuses", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());
  const { id: channelId } = await bobSocket.joinChat(room, ChannelType.Room);
  await bobSocket.writeChatMessage(channelId, { text: "before" });

  const track = tracking();
  const info = seen<ConnectionInfo>();
  const chat = seen<Chat>();
  const statuses = seen<Readonly<Record<string, string | undefined>>>();
  const view = mount(
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(useConnection, info),
      probe(() => useChannel<{ text: string }>(room, ChannelType.Room), chat),
      probe(() => useStatus([bob.userId]), statuses),
    ),
  );
  t.after(() => view.unmount());
  await until(
    "the room and bob's status",
    () => texts(chat.latest)[0] === "before" && statuses.latest?.[bob.userId] === "",
  );

  track.cut();
  await until("the closed state", () => info.latest?.state === "closed");
  await bobSocket.writeChatMessage(channelId, { text: "while away" });
  await bobSocket.updateStatus("changed while away");
  info.latest?.reconnect();

  await until("the socket open again", () => info.latest?.state === "open");
  await until("the missed message", () => texts(chat.latest).includes("while away"));
  await until("the missed status", () => statuses.latest?.[bob.userId] === "changed while away");
  await bobSocket.writeChatMessage(channelId, { text: "after" });
  await until("a live message", () => texts(chat.latest).at(-1) === "after");
  assert.deepEqual(texts(chat.latest), ["before", "while away", "after"]);
  assert.equal(chat.latest?.status, "joined");
  assert.equal(track.connections(), 2);
  assert.equal(track.openConnections(), 1);
});
