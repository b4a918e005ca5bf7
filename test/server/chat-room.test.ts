import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, codecs, openSocket, serverForSuite, uniqueName } from "../helpers/server.js";

describe("room chat", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("a room is created on first join and a second joiner sees the first in the presence list", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch1 = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.equal(ch1.id, `2...${room}`);
        assert.equal(ch1.roomName, room);
        assert.deepEqual(ch1.presences, []);
        assert.equal(ch1.self?.userId, ada.userId);
        const ownJoin = await a.next("channelPresenceEvent");
        assert.equal(ownJoin.joins[0]?.userId, ada.userId);
        const ch2 = await b.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          ch2.presences.map((p) => p.userId),
          [ada.userId],
        );
        const seen = await a.next("channelPresenceEvent");
        assert.equal(seen.joins[0]?.userId, bob.userId);
        assert.equal(seen.roomName, room);
        await b.close();
        const left = await a.next("channelPresenceEvent", (e) => e.leaves.length > 0);
        assert.equal(left.leaves[0]?.userId, bob.userId);
        await a.close();
      });

      test("every member receives a sent message and the sender gets the push before the ack", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        const ack = await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"text":"hi"}' },
          "channelMessageAck",
        );
        assert.equal(ack.channelId, ch.id);
        assert.equal(ack.username, ada.username);
        assert.equal(ack.persistent, true);
        assert.equal(ack.code, 0);
        const mine = a.received.findIndex((e) => e.kind === "channelMessage");
        const ackAt = a.received.findIndex((e) => e.kind === "channelMessageAck");
        assert.ok(mine >= 0 && mine < ackAt, "push precedes ack on the sender's socket");
        const got = await b.next("channelMessage");
        assert.equal(got.messageId, ack.messageId);
        assert.equal(got.senderId, ada.userId);
        assert.deepEqual(JSON.parse(got.content), { text: "hi" });
        await a.close();
        await b.close();
      });

      test("sending without joining and sending content that is not a JSON object are refused, socket stays open", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const notJoined = await a.request("channelMessageSend", { channelId: `2...${room}`, content: "{}" });
        assert.equal(notJoined.kind, "error");
        assert.deepEqual(notJoined.body, {
          code: 3,
          message: "Must join channel before sending messages",
          context: { herald_code: "bad_input" },
        });
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        for (const content of ["[1]", "nope", '"x"', "null"]) {
          const bad = await a.request("channelMessageSend", { channelId: ch.id, content });
          assert.equal(bad.kind, "error");
          assert.equal(
            (bad.body as { message: string }).message,
            "Message content must be a valid JSON object",
          );
        }
        const badId = await a.request("channelMessageSend", { channelId: "9.x", content: "{}" });
        assert.equal((badId.body as { message: string }).message, "Invalid channel identifier");
        await a.call("ping", {}, "pong");
        await a.close();
      });
    });
  }
});
