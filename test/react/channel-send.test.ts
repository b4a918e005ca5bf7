import assert from "node:assert/strict";
import { test } from "node:test";
import { createElement as h, useEffect } from "react";
import { ChannelType, Client, HeraldError } from "../../src/index.js";
import { type ChannelResult, useChannel } from "../../src/react/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { mount, until } from "./dom.js";
import { App, probe, seen } from "./probe.js";

/** Calls `onMount` from its effect: a later sibling's effects run after the earlier ones'. */
function Mounted(props: { onMount: () => void }): null {
  useEffect(props.onMount, []);
  return null;
}

/** Settles with `promise`, or fails the test when it has not settled within `ms` (a hang). */
function settles<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

test("a send waiting for a join that cannot happen keeps to its timeoutMs and signal", async (t) => {
  const { signIn } = await serverWithClient(t);
  const session = await signIn("ada");
  // Nothing listens on port 1: the socket never opens, so the channel is never joined.
  const dead = new Client({ port: 1 });
  const chat = seen<ChannelResult>();
  let mounted = false;
  const room = uniqueName("room");
  const view = mount(
    h(
      App,
      { client: dead, session, createSocket: (c: Client) => c.createSocket({ reconnect: false }) },
      probe(() => useChannel(room, ChannelType.Room), chat),
      h(Mounted, { onMount: () => (mounted = true) }),
    ),
  );
  t.after(() => view.unmount());
  await until("the effects to run", () => mounted);
  const { send, remove } = chat.latest as ChannelResult;

  await assert.rejects(
    settles(send({ text: "hi" }, { timeoutMs: 200 }), "send with timeoutMs"),
    (e: unknown) => HeraldError.is(e, "timeout"),
  );
  const controller = new AbortController();
  const aborted = settles(send({ text: "hi" }, { signal: controller.signal }), "send with a signal");
  controller.abort();
  await assert.rejects(aborted, (e: unknown) => HeraldError.is(e, "aborted"));
  await assert.rejects(settles(remove("some-id", { signal: AbortSignal.abort() }), "remove"), (e: unknown) =>
    HeraldError.is(e, "aborted"),
  );
  assert.equal(chat.latest?.status, "joining");
});
