// After a reconnecting socket's return, a view whose channel the socket's catch-up does not read
// back (joined without persistence) reads its newest page again, so that messages stored by others
// while the connection was away are shown; catch-up follows only joins made with persistence.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType } from "../../src/index.js";
import { type ChannelResult, type ConnectionInfo, useChannel, useConnection } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

type Content = { n: number };
const numbers = (c: ChannelResult<Content> | undefined) => c?.messages.map((m) => m.content.n) ?? [];

for (const mode of serverModes) {
  for (const persistence of [true, false]) {
    test(`a view joined ${persistence ? "with" : "without"} persistence shows what others stored while a reconnecting socket was away (${mode.name} server)`, async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const room = uniqueName("room");
      const bobs = client.createSocket({ reconnect: false });
      await bobs.connect(bob);
      t.after(() => bobs.disconnect());
      const { id } = await bobs.joinChat(room, ChannelType.Room);
      for (let n = 1; n <= 3; n++) await bobs.writeChatMessage(id, { n });

      const track = tracking({ resilient: true });
      const info = seen<ConnectionInfo>();
      const chat = seen<ChannelResult<Content>>();
      const view = mount(
        h(
          App,
          { client, session: ada, createSocket: track.createSocket },
          probe(useConnection, info),
          probe(() => useChannel<Content>(room, ChannelType.Room, { historyPageSize: 5, persistence }), chat),
        ),
      );
      t.after(() => view.unmount());
      await until("the newest page", () => numbers(chat.latest).length === 3);

      track.refuse();
      track.cut();
      await until("the connection lost", () => info.latest?.state === "reconnecting");
      await bobs.writeChatMessage(id, { n: 4 });
      await bobs.writeChatMessage(id, { n: 5 });
      track.restore();
      await until("the messages stored meanwhile", () => numbers(chat.latest).length === 5, 10_000);
      assert.deepEqual(numbers(chat.latest), [1, 2, 3, 4, 5]);
    });
  }
}
