import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { type PresenceResult, usePresence, useStatus } from "../../src/react/index.js";
import { serverWithClient } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

type Statuses = Readonly<Record<string, string | undefined>>;

test("usePresence and useStatus follow users live, and unfollow them on unmount", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob, cid] = await Promise.all([signIn("ada"), signIn("bob"), signIn("cid")]);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());
  await bobSocket.updateStatus("playing");

  const track = tracking();
  const presence = seen<PresenceResult>();
  const statuses = seen<Statuses>();
  const ids = [bob.userId, cid.userId];
  const view = mount(
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      // A new array on every render, as apps write it: the follow must not be redone per render.
      probe(() => usePresence([...ids]), presence),
      probe(
        () => useStatus([bob.userId]),
        statuses,
        (s) => h("p", null, `bob: ${s[bob.userId] ?? "offline"}`),
      ),
    ),
  );
  const loaded = await until("both users' state", () => !presence.latest?.loading && presence.latest);
  assert.equal(loaded.error, undefined);
  assert.deepEqual(
    loaded.users.map((u) => [u.username, u.online, u.status]),
    [
      [bob.username, true, "playing"],
      [cid.username, false, undefined],
    ],
  );
  assert.equal(loaded.byId.get(cid.userId)?.online, false);
  await until("bob's status on the page", () => view.container.textContent === "bob: playing");

  await bobSocket.updateStatus("in a match");
  await until("bob's new status", () => statuses.latest?.[bob.userId] === "in a match");
  await until("bob's new status on the page", () => view.container.textContent === "bob: in a match");

  const cidSocket = client.createSocket();
  await cidSocket.connect(cid, { appearOnline: true });
  await until("cid online", () => presence.latest?.byId.get(cid.userId)?.online === true);
  await cidSocket.disconnect();
  await until("cid offline again", () => presence.latest?.byId.get(cid.userId)?.online === false);

  // Unmounting closes the socket and leaves no listener subscribed.
  view.unmount();
  await until("the connection to close", () => track.openConnections() === 0);
  await until("every listener to go", () => track.listeners() === 0);
});

test("two components watching the same user share the follow; unmounting one keeps the other live", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob, { appearOnline: true });
  t.after(() => bobSocket.disconnect());

  const track = tracking();
  const first = seen<Statuses>();
  const second = seen<Statuses>();
  const tree = (both: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(() => useStatus([bob.userId]), first),
      both ? probe(() => useStatus([bob.userId]), second) : null,
    );
  const view = mount(tree(true));
  t.after(() => view.unmount());
  await until(
    "both see bob online",
    () => first.latest?.[bob.userId] === "" && second.latest?.[bob.userId] === "",
  );
  view.render(tree(false));
  // The survivor still hears changes, so the unmount did not unfollow bob.
  await bobSocket.updateStatus("still here");
  await until("the remaining component sees the change", () => first.latest?.[bob.userId] === "still here");
});

test("a malformed user id shows as the hook's typed error instead of loading forever", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const presence = seen<PresenceResult>();
  const view = mount(
    h(
      App,
      { client, session: ada },
      probe(() => usePresence(["not-a-user-id"]), presence),
    ),
  );
  t.after(() => view.unmount());
  const error = await until("the error", () => presence.latest?.error);
  assert.equal(error.code, "bad_input");
  assert.equal(presence.latest?.loading, false);
  assert.deepEqual(presence.latest?.users, []);
});

test("an empty id, an id holding a line break, one that is no string and a lone id show the typed error too", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  // Ids were keyed joined by "\n": [""] read as no ids (no error, nothing loading), and
  // "BOB\nCID" as the two valid ids it holds.
  // A lone id where a list belongs (plain JavaScript) was read as no ids: nothing shown, no error.
  for (const ids of [
    [""],
    [`${bob.userId}\n${bob.userId}`],
    [42 as unknown as string],
    bob.userId as unknown as string[],
  ]) {
    const presence = seen<PresenceResult>();
    const view = mount(
      h(
        App,
        { client, session: ada },
        probe(() => usePresence(ids), presence),
      ),
    );
    try {
      const error = await until(`the error for ${JSON.stringify(ids)}`, () => presence.latest?.error);
      assert.equal(error.code, "bad_input");
      assert.deepEqual(presence.latest?.users, []);
    } finally {
      view.unmount();
    }
  }
});
