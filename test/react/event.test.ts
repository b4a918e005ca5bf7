import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h } from "react";
import { ChannelType, HeraldError, type Notification } from "../../src/index.js";
import { type EventResult, useConnectionState, useEvent } from "../../src/react/index.js";
import { serverWithClient } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, Catch, probe, seen } from "./probe.js";
import { tracking } from "./tracking.js";

test("useEvent calls the latest function, subscribes once however often it renders, and unsubscribes on unmount", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());

  const track = tracking();
  const heard: { by: string; subject: string }[] = [];
  const joined = seen<unknown>();
  const labels = seen<string>();
  const tree = (label: string, listening: boolean) =>
    h(
      App,
      { client, session: ada, createSocket: track.createSocket },
      probe(useConnectionState, joined),
      listening
        ? probe(() => {
            useEvent("notification", (n: Notification) => heard.push({ by: label, subject: n.subject }));
            return label;
          }, labels)
        : null,
    );
  const view = mount(tree("first", true));
  t.after(() => view.unmount());
  await until("ada's socket open", () => joined.latest === "open");
  const withListener = track.listenersByName().notification;
  assert.equal(withListener, 1);
  for (const label of ["second", "third"]) view.render(tree(label, true));
  await until("the last render", () => labels.latest === "third");
  // Bob opens a direct chat with ada, who is not in it: the server notifies her.
  await bobSocket.leaveChat((await bobSocket.joinChat(ada.userId, ChannelType.DirectMessage)).id);
  await until("the notification", () => heard.length > 0);
  assert.deepEqual(heard, [{ by: "third", subject: `${bob.username} wants to chat` }]);
  assert.equal(track.listenersByName().notification, 1, "re-rendering did not add listeners");

  view.render(tree("gone", false));
  await until("the listener to go", () => track.listenersByName().notification === undefined);
});

test("useEvent with an unknown name or a listener that is not a function shows a typed error, not a crash", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());

  const thrown: unknown[] = [];
  t.mock.method(console, "error", () => {});
  const state = seen<unknown>();
  const result = seen<EventResult>();
  const heard: string[] = [];
  // What plain JavaScript (or a cast) can pass: the compiler refuses both.
  const tree = (name: string, fn: unknown) =>
    h(
      Catch,
      { into: thrown },
      h(
        App,
        { client, session: ada },
        probe(useConnectionState, state),
        probe(() => useEvent(name as "notification", fn as (n: Notification) => void), result),
      ),
    );
  const view = mount(tree("notifcation", (n: Notification) => heard.push(n.subject)));
  t.after(() => view.unmount());
  await until("the socket open", () => state.latest === "open");
  assert.deepEqual(thrown, [], "nothing was thrown into render");
  const error = result.latest?.error;
  assert.ok(HeraldError.is(error, "bad_input"), `a bad_input HeraldError, got ${String(error)}`);
  assert.match(error.message, /useEvent: unknown event "notifcation"/);

  view.render(tree("notification", "not a function"));
  await until("the listener's error", () => result.latest?.error?.message.includes("must be a function"));
  assert.ok(HeraldError.is(result.latest?.error, "bad_input"));

  // Corrected, it listens.
  view.render(tree("notification", (n: Notification) => heard.push(n.subject)));
  await until("no error", () => result.latest && result.latest.error === undefined);
  await bobSocket.leaveChat((await bobSocket.joinChat(ada.userId, ChannelType.DirectMessage)).id);
  await until("the notification", () => heard.length > 0);
  assert.deepEqual(heard, [`${bob.username} wants to chat`]);
  assert.deepEqual(thrown, []);
});
