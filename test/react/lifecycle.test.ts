import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { Client, HeraldError, type SocketState } from "../../src/index.js";
import { type ConnectionInfo, useConnection, useConnectionState, useSocket } from "../../src/react/index.js";
import { serverWithClient } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, Catch, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

for (const resilient of [false, true]) {
  const kind = resilient ? "a reconnecting socket" : "a plain socket";

  test(`the provider connects once on mount under strict mode and disconnects on unmount (${kind})`, async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const session = await signIn("ada");
    const track = tracking({ resilient });
    const states = seen<SocketState>();
    const view = mount(
      h(App, { client, session, createSocket: track.createSocket }, probe(useConnectionState, states)),
    );
    await until("the socket to open", () => states.latest === "open");
    // Strict mode mounted, unmounted and mounted the provider again: still one connection.
    assert.equal(track.connections(), 1);
    assert.equal(track.openConnections(), 1);
    assert.equal(states.all[0], "closed", "the first render comes before the effect that connects");
    assert.ok(track.listeners() > 0);
    view.unmount();
    await until("the connection to close", () => track.openConnections() === 0);
    await until("every listener to go", () => track.listeners() === 0);
    assert.deepEqual(track.listenersByName(), {});
  });
}

test("a provider given a new session closes the old socket and connects a new one", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const bob = await signIn("bob");
  const track = tracking();
  const sockets = seen<unknown>();
  const states = seen<SocketState>();
  const tree = (session: typeof ada) =>
    h(
      App,
      { client, session, createSocket: track.createSocket },
      probe(useSocket, sockets),
      probe(useConnectionState, states),
    );
  const view = mount(tree(ada));
  await until("ada's socket to open", () => states.latest === "open");
  const first = sockets.latest;
  view.render(tree(bob));
  await until("bob's socket to open", () => sockets.latest !== first && states.latest === "open");
  await until("ada's connection to close", () => track.openConnections() === 1);
  assert.equal(track.connections(), 2);
  view.unmount();
  await until("every connection to close", () => track.openConnections() === 0);
  await until("every listener to go", () => track.listeners() === 0);
});

test("a failed connect shows as a typed error, and reconnect() tries again", async (t) => {
  const { signIn } = await serverWithClient(t);
  const session = await signIn("ada");
  // A client whose socket goes to a port where nothing listens.
  const dead = new Client({ port: 1 });
  const info = seen<ConnectionInfo>();
  const view = mount(h(App, { client: dead, session }, probe(useConnection, info)));
  t.after(() => view.unmount());
  const error = await until("the connect error", () => info.latest?.error);
  assert.ok(HeraldError.is(error));
  assert.equal(error.code, "disconnected");
  assert.equal(info.latest?.state, "closed");
  // Trying again fails again (still nowhere to connect), with a fresh error object.
  info.latest?.reconnect();
  await until("a second error", () => info.latest?.error !== error && info.latest?.error);
});

test("hooks outside a provider throw a HeraldError naming the hook", async (t) => {
  const errors: unknown[] = [];
  // React reports errors caught by a boundary on the console too.
  t.mock.method(console, "error", () => {});
  const view = mount(h(Catch, { into: errors }, probe(useConnectionState, seen())));
  await until("the error boundary to catch", () => errors.length > 0);
  view.unmount();
  const [error] = errors;
  assert.ok(HeraldError.is(error, "bad_input"));
  assert.match((error as Error).message, /useConnectionState\(\) must be called inside a <HeraldProvider>/);
});
