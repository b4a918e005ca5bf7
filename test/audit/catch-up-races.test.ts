// Catch-up against answers that cross a lost connection. When a socket joins a channel it reads
// the channel's newest stored message over REST, the mark catch-up later reads back to. That read
// can be answered after the connection dropped (retried over a rate limit, or just slow); its
// answer may then name a message stored after the drop, which the socket never got live. Taken
// as the mark, such a message and everything before it would be skipped with no gap reported.
//
// The timing is controlled, not raced: the Client's fetch holds the mark read until the test
// has cut the connection and another user has written.
//
// herald's server names the mark in the join's reply instead (its `join_mark` extension, tested in
// join-mark.test.ts): here it runs without that extension, so the SDK reads the mark as it does on
// stock Nakama.

import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { allExtensions } from "../../src/server/index.js";
import { uniqueName } from "../helpers/server.js";
import { modeMatrix, type ServerMode } from "../helpers/server-modes.js";
import { waitFor } from "../sdk/helpers.js";
import { MARK_READ } from "./holding-fetch.js";
import { comeBack, loseConnection, raceSetUp, record } from "./race-set-up.js";

/** ada and bob (see `raceSetUp`), ada connected. */
async function setUp(t: TestContext, mode: ServerMode, codec: Codec) {
  const set = await raceSetUp(t, mode, codec);
  await set.ada.connect(set.adaSession);
  return set;
}

/**
 * ada (connected) joins a room in which bob wrote `before` first; her join-time mark read is held
 * (in `net.held`) until the test releases or fails it.
 */
async function joinWithMarkReadHeld(t: TestContext, mode: ServerMode, codec: Codec, before: string[]) {
  const set = await setUp(t, mode, codec);
  const { net, ada, bob } = set;
  const roomName = uniqueName("room");
  const room = await bob.joinChat(roomName, ChannelType.Room);
  for (const text of before) await bob.writeChatMessage(room.id, { text });
  net.hold(MARK_READ);
  await ada.joinChat(roomName, ChannelType.Room);
  await waitFor(() => net.held.length === 1, "the join-time mark read");
  net.hold(undefined);
  return { ...set, room };
}

/** herald's server without `join_mark`, and the stock-faithful one: both read the mark over REST. */
const readMarkModes = modeMatrix.map((m) =>
  m.mode.name === "herald"
    ? {
        ...m,
        mode: { ...m.mode, options: { extensions: allExtensions.filter((e) => e !== "join_mark") } },
        label: m.label.replace("herald", "herald without join_mark"),
      }
    : m,
);

for (const { mode, codec, label } of readMarkModes) {
  describe(`catch-up mark read across a lost connection (${label})`, () => {
    for (const answer of ["after the writes", "never"] as const) {
      test(`a mark read ${answer === "never" ? "never answered" : "answered after the loss"} skips nothing: every missed message arrives once, in order`, async (t) => {
        const { net, cuttable, ada, bob, room } = await joinWithMarkReadHeld(t, mode, codec, [
          "before-1",
          "before-2",
        ]);
        const { got, gaps } = record(ada);

        // The connection drops while the mark read is still out; bob writes meanwhile.
        await loseConnection(ada, cuttable);
        for (const text of ["missed-1", "missed-2", "missed-3"])
          await bob.writeChatMessage(room.id, { text });
        // Now the read reaches the server: its answer would name missed-3, never delivered to ada.
        // Or it stays stuck: catch-up must not wait for it.
        if (answer === "after the writes") for (const read of net.held.splice(0)) read.release();
        // The socket cannot tell the messages stored before it joined from those it missed, so it
        // reads back as far as its pages allow: before-1 and before-2 come too, once, in order.
        await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, [
          "before-1",
          "before-2",
          "missed-1",
          "missed-2",
          "missed-3",
        ]);
      });
    }

    test("a mark read answered before the loss still bounds catch-up: nothing older comes back", async (t) => {
      const { net, cuttable, ada, bob, room } = await joinWithMarkReadHeld(t, mode, codec, [
        "before-1",
        "before-2",
      ]);
      const { got, gaps } = record(ada);
      for (const read of net.held.splice(0)) read.release();
      // The answer (before-2) is in while the connection lives; the cut comes after it.
      await waitFor(() => net.answered.count === 1, "the mark read's answer");
      // The socket confirms the answer with a ping of its own; this one is answered after it.
      await ada.ping();

      await loseConnection(ada, cuttable);
      for (const text of ["missed-1", "missed-2"]) await bob.writeChatMessage(room.id, { text });
      await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, ["missed-1", "missed-2"]);
    });

    test("a mark read answered after the connection went silent, before the loss is noticed, skips nothing", async (t) => {
      const { net, cuttable, ada, bob, room } = await joinWithMarkReadHeld(t, mode, codec, [
        "before-1",
        "before-2",
      ]);
      const { got, gaps } = record(ada);

      // ada's connection goes silent: bob's messages are stored and sent, but never reach her.
      cuttable.blackhole();
      for (const text of ["missed-1", "missed-2", "missed-3"]) await bob.writeChatMessage(room.id, { text });
      // The read is answered (naming missed-3) while ada still believes her connection alive...
      for (const read of net.held.splice(0)) read.release();
      await waitFor(() => net.answered.count === 1, "the mark read's answer");
      assert.equal(ada.state, "open");
      // ...and only then is the loss noticed (as a heartbeat would), the held frames gone with it.
      await loseConnection(ada, cuttable);
      await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, [
        "before-1",
        "before-2",
        "missed-1",
        "missed-2",
        "missed-3",
      ]);
    });

    test("a mark read that fails leaves no mark: catch-up reads back rather than report a gap", async (t) => {
      const { net, cuttable, ada, bob, room } = await joinWithMarkReadHeld(t, mode, codec, ["before-1"]);
      for (const read of net.held.splice(0)) read.fail();
      const { got, gaps } = record(ada);
      // The failure is handled while the connection lives; a ping round trip makes sure of it.
      await ada.ping();

      await loseConnection(ada, cuttable);
      for (const text of ["missed-1", "missed-2"]) await bob.writeChatMessage(room.id, { text });
      await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, [
        "before-1",
        "missed-1",
        "missed-2",
      ]);
    });
  });
}
