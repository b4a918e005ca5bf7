import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, type Client, HeraldError } from "../../src/index.js";
import {
  type ChannelResult,
  type ConnectionInfo,
  type HeraldSocket,
  type PresenceResult,
  useChannel,
  useConnection,
  usePresence,
} from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, Catch, probe, seen } from "./probe.js";

// A provider prop that fails is the connection's failure, shown by useConnection(), never an
// exception thrown into the app's render.

const badFactories: [string, (client: Client) => HeraldSocket][] = [
  [
    "throws a HeraldError",
    () => {
      throw new HeraldError("bad_input", "no sockets today");
    },
  ],
  [
    "throws a plain Error",
    () => {
      throw new Error("factory broke");
    },
  ],
  ["returns nothing", () => undefined as unknown as HeraldSocket],
  ["returns an object that is not a socket", () => ({ state: "closed" }) as unknown as HeraldSocket],
];

for (const [what, createSocket] of badFactories) {
  test(`a createSocket that ${what} shows as useConnection().error, not a render error`, async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const session = await signIn("ada");
    const thrown: unknown[] = [];
    t.mock.method(console, "error", () => {});
    const info = seen<ConnectionInfo>();
    const chat = seen<ChannelResult>();
    const room = uniqueName("room");
    const view = mount(
      h(
        Catch,
        { into: thrown },
        h(
          App,
          { client, session, createSocket },
          probe(useConnection, info),
          probe(() => useChannel(room, ChannelType.Room), chat),
        ),
      ),
    );
    t.after(() => view.unmount());
    const error = await until("the connection error", () => info.latest?.error);
    assert.deepEqual(thrown, [], "nothing was thrown into render");
    assert.ok(HeraldError.is(error, "bad_input"), `a bad_input HeraldError, got ${String(error)}`);
    assert.match(error.message, /createSocket/);
    assert.equal(info.latest?.state, "closed");
    // The app can still call everything: it rejects with the same typed error.
    await assert.rejects(chat.latest?.send({ text: "hi" }) ?? Promise.resolve(), (e: unknown) =>
      HeraldError.is(e, "bad_input"),
    );
    // Trying again reports the same failure rather than throwing.
    info.latest?.reconnect();
    await until("the error again", () => info.latest?.error);
    assert.deepEqual(thrown, []);
  });
}

test("a client that is not a Client shows as useConnection().error, not a render error", async (t) => {
  const { signIn } = await serverWithClient(t);
  const session = await signIn("ada");
  const thrown: unknown[] = [];
  t.mock.method(console, "error", () => {});
  const info = seen<ConnectionInfo>();
  const view = mount(
    h(
      Catch,
      { into: thrown },
      h(App, { client: {} as unknown as Client, session }, probe(useConnection, info)),
    ),
  );
  t.after(() => view.unmount());
  const error = await until("the connection error", () => info.latest?.error);
  assert.deepEqual(thrown, []);
  assert.ok(HeraldError.is(error, "bad_input"));
});

test("with a createSocket that throws, usePresence reports the error instead of loading forever", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const thrown: unknown[] = [];
  t.mock.method(console, "error", () => {});
  const presence = seen<PresenceResult>();
  const createSocket = () => {
    throw new Error("factory broke");
  };
  const view = mount(
    h(
      Catch,
      { into: thrown },
      h(
        App,
        { client, session: ada, createSocket },
        probe(() => usePresence([bob.userId]), presence),
      ),
    ),
  );
  t.after(() => view.unmount());
  const error = await until("the presence error", () => presence.latest?.error);
  assert.ok(HeraldError.is(error, "bad_input"));
  assert.equal(presence.latest?.loading, false);
  assert.deepEqual(thrown, []);
});
