import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h, type ReactNode } from "react";
import {
  ChannelType,
  type Client,
  type ReconnectedEvent,
  type Session,
  type SocketState,
} from "../../src/index.js";
import { type ChannelResult, useChannel, useConnectionState, useEvent } from "../../src/react/index.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { roomWithBob } from "./room-with-bob.js";
import { tracking } from "./tracking.js";

// A component that unmounts (or changes its options) while a reconnecting socket is away must not
// have its channel joined again by the socket's restore once the connection is back.

/**
 * Mounts `chat(true)` for ada with a reconnecting socket, waits for her to be in the room (as bob
 * sees), then takes the connection away, renders `chat(false)` meanwhile and brings it back.
 * Resolves with the `reconnected` event.
 */
async function changedWhileAway(
  t: { after(fn: () => void): void },
  room: { client: Client; ada: Session; arrivals: string[] },
  chat: (before: boolean) => ReactNode,
  joined: () => boolean,
): Promise<ReconnectedEvent | undefined> {
  const track = tracking({ resilient: true });
  const states = seen<SocketState>();
  const reconnects: ReconnectedEvent[] = [];
  const tree = (before: boolean) =>
    h(
      App,
      { client: room.client, session: room.ada, createSocket: track.createSocket },
      probe(useConnectionState, states),
      probe(() => useEvent("reconnected", (e) => reconnects.push(e)), seen()),
      chat(before),
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until("joined", joined);
  await until("bob sees ada join", () => room.arrivals.includes(room.ada.userId));

  track.refuse();
  track.cut();
  await until("the reconnecting state", () => states.latest === "reconnecting");
  view.render(tree(false));
  await new Promise((resolve) => setTimeout(resolve, 50));
  track.restore();
  await until("back", () => states.latest === "open" && reconnects.length === 1);
  return reconnects[0];
}

test("a channel whose last component unmounted while the socket was away is not joined again when it returns", async (t) => {
  const room = await roomWithBob(t);
  const chat = seen<ChannelResult>();
  const reconnected = await changedWhileAway(
    t,
    room,
    (showRoom) => (showRoom ? probe(() => useChannel(room.room, ChannelType.Room), chat) : null),
    () => chat.latest?.status === "joined",
  );
  assert.deepEqual(reconnected?.channels, [], "no channel joined again");
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(
    room.arrivals.filter((id) => id === room.ada.userId),
    [room.ada.userId],
    "ada not seen joining again",
  );
});

test("a component whose hidden changes while the socket is away joins with it when the socket returns", async (t) => {
  const room = await roomWithBob(t);
  const chat = seen<ChannelResult<{ text: string }>>();
  const reconnected = await changedWhileAway(
    t,
    room,
    (visible) =>
      probe(() => useChannel<{ text: string }>(room.room, ChannelType.Room, { hidden: !visible }), chat),
    () => chat.latest?.status === "joined",
  );
  assert.deepEqual(reconnected?.channels, [], "the visible membership not joined again");
  await until("joined", () => chat.latest?.status === "joined");
  await room.bobSocket.writeChatMessage(room.channel.id, { text: "after" });
  await until("bob's message", () => chat.latest?.messages.some((m) => m.content.text === "after"));
  assert.deepEqual(
    room.arrivals.filter((id) => id === room.ada.userId),
    [room.ada.userId],
    "ada not seen joining again: hidden",
  );
});
