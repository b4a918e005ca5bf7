// herald's `join_mark`: the reply to a channel join names the channel's newest stored message, the
// point catch-up reads back to after a lost connection. Announced in the capabilities and sent in
// herald mode only: stock Nakama sends nothing of the kind, and neither does the compat mode.

import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import WebSocket from "ws";
import { ChannelType } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { allExtensions, type ServerOptions } from "../../src/server/index.js";
import {
  authenticate,
  codecs,
  openSocket,
  type RawSocket,
  rest,
  socketUrl,
  startServer,
  uniqueName,
} from "../helpers/server.js";
import { MARK_READ } from "./holding-fetch.js";
import { comeBack, loseConnection, raceSetUp, record } from "./race-set-up.js";

const ROOM = ChannelType.Room;
const nakama: ServerOptions = { compat: { nakama: true } };
const withoutMark: ServerOptions = { extensions: allExtensions.filter((e) => e !== "join_mark") };

/** A server for one test, and two users with raw sockets in `codec`. */
async function twoUsers(t: TestContext, options: ServerOptions, codec: Codec) {
  const server = await startServer(options);
  t.after(() => server.close());
  const [adaUser, bobUser] = await Promise.all([authenticate(server.url), authenticate(server.url)]);
  const ada = await openSocket(server.url, adaUser, codec);
  const bob = await openSocket(server.url, bobUser, codec);
  t.after(() => {
    ada.ws.terminate();
    bob.ws.terminate();
  });
  return { server, adaUser, ada, bob };
}

/** bob joins a new room and writes `count` messages; resolves with the room and their acks. */
async function roomWithHistory(bob: RawSocket, count: number) {
  const target = uniqueName("room");
  const room = await bob.call("channelJoin", { target, type: ROOM }, "channel");
  const acks = [];
  for (let i = 0; i < count; i++) {
    acks.push(
      await bob.call(
        "channelMessageSend",
        { channelId: room.id, content: JSON.stringify({ n: i }) },
        "channelMessageAck",
      ),
    );
  }
  return { target, room, acks };
}

/** The first text frame a plain JSON WebSocket receives after sending `frame`. */
function firstTextReply(url: string, frame: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => ws.send(frame));
    ws.once("message", (data) => {
      resolve(String(data));
      ws.close();
    });
    ws.once("error", reject);
  });
}

describe("join_mark in the capabilities", () => {
  test("herald announces join_mark; a server told to leave it out does not", async (t) => {
    const full = await startServer();
    t.after(() => full.close());
    const plain = await startServer(withoutMark);
    t.after(() => plain.close());
    const user = await authenticate(full.url);
    const caps = await rest(full.url, "GET", "/v2/herald/capabilities", { token: user.token });
    assert.equal((caps.body.extensions as string[]).includes("join_mark"), true);
    const other = await authenticate(plain.url);
    const without = await rest(plain.url, "GET", "/v2/herald/capabilities", { token: other.token });
    assert.equal((without.body.extensions as string[]).includes("join_mark"), false);
  });

  test("the compat mode has no capabilities route at all", async (t) => {
    const server = await startServer(nakama);
    t.after(() => server.close());
    const user = await authenticate(server.url);
    const caps = await rest(server.url, "GET", "/v2/herald/capabilities", { token: user.token });
    assert.equal(caps.status, 404);
  });
});

for (const codec of codecs) {
  describe(`the join reply's mark (${codec.format})`, () => {
    test("names the newest stored message: its id and create time", async (t) => {
      const { ada, bob } = await twoUsers(t, {}, codec);
      const { target, acks } = await roomWithHistory(bob, 3);
      const newest = acks[2];
      const channel = await ada.call("channelJoin", { target, type: ROOM }, "channel");
      assert.equal(channel.markId, newest?.messageId);
      assert.equal(channel.markTime?.getTime(), newest?.createTime?.getTime());
    });

    test("is empty for a channel with no history, and for a join that keeps none", async (t) => {
      const { ada, bob } = await twoUsers(t, {}, codec);
      const empty = await ada.call("channelJoin", { target: uniqueName("room"), type: ROOM }, "channel");
      assert.equal(empty.markId, "");
      assert.equal(empty.markTime, undefined);
      const { target } = await roomWithHistory(bob, 1);
      const passing = await ada.call("channelJoin", { target, type: ROOM, persistence: false }, "channel");
      assert.equal(passing.markId, "");
    });

    for (const [label, options] of [
      ["the compat mode", nakama],
      ["a server without join_mark", withoutMark],
    ] as const) {
      test(`is not sent by ${label}`, async (t) => {
        const { ada, bob } = await twoUsers(t, options, codec);
        const { target } = await roomWithHistory(bob, 2);
        const channel = await ada.call("channelJoin", { target, type: ROOM }, "channel");
        assert.equal(channel.markId, "");
        assert.equal(channel.markTime, undefined);
      });
    }

    test("comes before the channel's messages, and every message stored after it follows live", async (t) => {
      const { ada, bob } = await twoUsers(t, {}, codec);
      const { target, room } = await roomWithHistory(bob, 1);
      // bob writes a burst while ada joins: some are stored before her mark, the rest after it.
      const sends = Array.from({ length: 200 }, (_, n) =>
        bob.call(
          "channelMessageSend",
          { channelId: room.id, content: `{"burst":${n}}` },
          "channelMessageAck",
        ),
      );
      const channel = await ada.call("channelJoin", { target, type: ROOM }, "channel");
      const acks = await Promise.all(sends);
      await ada.call("ping", {}, "pong");
      const replyAt = ada.received.findIndex((e) => e.kind === "channel");
      const live = ada.received.flatMap((e, i) => (e.kind === "channelMessage" ? [{ e, i }] : []));
      assert.equal(
        live.every(({ i }) => i > replyAt),
        true,
        "a channel message came before the join's reply",
      );
      const markAt = acks.findIndex((a) => a.messageId === channel.markId);
      const got = new Set(live.map(({ e }) => (e.body as { messageId: string }).messageId));
      // The mark is the first message, or one of the burst: everything after it came live.
      const after = acks.slice(markAt + 1).map((a) => a.messageId);
      assert.deepEqual(
        after.filter((id) => !got.has(id)),
        [],
      );
    });

    test("in JSON the compat mode's reply has no mark field at all", {
      skip: codec !== jsonCodec,
    }, async (t) => {
      for (const options of [{}, nakama]) {
        const { server, adaUser, bob } = await twoUsers(t, options, codec);
        const { target } = await roomWithHistory(bob, 1);
        const text = await firstTextReply(
          socketUrl(server.url, adaUser.token),
          JSON.stringify({ cid: "1", channel_join: { target, type: ROOM } }),
        );
        const fields = Object.keys((JSON.parse(text) as { channel: object }).channel);
        const expected = options === nakama ? [] : ["mark_id", "mark_time"];
        assert.deepEqual(
          fields.filter((f) => f.startsWith("mark_")),
          expected,
        );
      }
    });
  });

  describe(`the SDK's catch-up on the join mark (${codec.format})`, () => {
    test("reads no mark over REST, and a catch-up goes back to the join mark and no further", async (t) => {
      const { net, cuttable, ada, adaSession, bob } = await raceSetUp(
        t,
        { name: "herald", options: {} },
        codec,
      );
      await ada.connect(adaSession);
      const roomName = uniqueName("room");
      const room = await bob.joinChat(roomName, ROOM);
      for (const text of ["before-1", "before-2"]) await bob.writeChatMessage(room.id, { text });
      net.hold(MARK_READ);
      await ada.joinChat(roomName, ROOM);
      await ada.ping();
      net.hold(undefined);
      assert.equal(net.held.length, 0, "a mark read over REST");
      const { got, gaps } = record(ada);

      await loseConnection(ada, cuttable);
      for (const text of ["missed-1", "missed-2"]) await bob.writeChatMessage(room.id, { text });
      await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, ["missed-1", "missed-2"]);
    });

    test("a channel empty at join gets everything written while away, with no gap", async (t) => {
      const { cuttable, ada, adaSession, bob } = await raceSetUp(t, { name: "herald", options: {} }, codec);
      await ada.connect(adaSession);
      const roomName = uniqueName("room");
      const room = await ada.joinChat(roomName, ROOM);
      await bob.joinChat(roomName, ROOM);
      const { got, gaps } = record(ada);

      await loseConnection(ada, cuttable);
      for (const text of ["missed-1", "missed-2"]) await bob.writeChatMessage(room.id, { text });
      await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, ["missed-1", "missed-2"]);
    });
  });
}
