// One user's chat in a room, mounted for a test: the provider with a probe of the connection and
// one of `useChannel`, unmounted when the test ends.

import type { TestContext } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type Client, type Session } from "../../src/index.js";
import { type ChannelResult, type ConnectionInfo, useChannel, useConnection } from "../../src/react/index.js";
import { mount } from "./dom.js";
import { App, probe, type Seen, seen } from "./probe.js";
import { type Tracking, tracking } from "./tracking.js";

/** The numbers from..to, both included. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Mounts `session`'s chat in `room` (history pages of `historyPageSize`) over a tracked socket,
 * plain or reconnecting, and returns the socket tracking and the probes' latest values.
 */
export function mountChat<T extends object>(
  t: TestContext,
  client: Client,
  session: Session,
  room: string,
  historyPageSize: number,
  resilient = false,
): { track: Tracking; info: Seen<ConnectionInfo>; chat: Seen<ChannelResult<T>> } {
  const track = tracking({ resilient });
  const info = seen<ConnectionInfo>();
  const chat = seen<ChannelResult<T>>();
  const view = mount(
    h(
      App,
      { client, session, createSocket: track.createSocket },
      probe(useConnection, info),
      probe(() => useChannel<T>(room, ChannelType.Room, { historyPageSize }), chat),
    ),
  );
  t.after(() => view.unmount());
  return { track, info, chat };
}
