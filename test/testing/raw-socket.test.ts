import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError, jsonCodec } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { openRawSocket, startFakeServer, startTestServer } from "../../src/testing/index.js";

const formats: [string, Codec][] = [
  ["json", jsonCodec],
  ["protobuf", protobufCodec],
];

for (const [format, codec] of formats) {
  describe(`the raw socket over ${format}`, () => {
    test("requests get their replies, refusals included, and pushes wait to be read", async () => {
      await using server = await startTestServer();
      const [ada, bob] = await server.users(2, { connect: false });
      const rawAda = await openRawSocket(server.url, ada.session.token, { codec });
      const rawBob = await openRawSocket(server.url, bob.session.token, { codec });
      const channel = await rawAda.call("channelJoin", { target: "raw", type: ChannelType.Room }, "channel");
      await rawBob.call("channelJoin", { target: "raw", type: ChannelType.Room }, "channel");
      await rawAda.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === bob.userId));
      await rawBob.call(
        "channelMessageSend",
        { channelId: channel.id, content: '{"text":"hi"}' },
        "channelMessageAck",
      );
      const message = await rawAda.next("channelMessage");
      assert.equal(message.content, '{"text":"hi"}');
      await rawAda.callEmpty("statusUpdate", { status: "raw" });
      const refused = await rawAda.request("channelMessageSend", {
        channelId: "2...notjoined",
        content: "{}",
      });
      assert.equal(refused.kind, "error");
      await rawAda.none("channelMessage");
      await assert.rejects(
        rawAda.call("ping", {}, "status"),
        (e) => HeraldError.is(e, "server_error") && /expected a status reply to ping/.test(e.message),
      );
      await Promise.all([rawAda.close(), rawBob.close()]);
      assert.throws(
        () => rawAda.sendEnvelope({ kind: "ping", body: {} }),
        (e) => HeraldError.is(e, "disconnected"),
      );
    });
  });
}

describe("openRawSocket", () => {
  test("a refused token rejects with unauthenticated, and a dead address names the address", async () => {
    await using server = await startTestServer();
    await assert.rejects(openRawSocket(server.url, "not-a-token"), (e) =>
      HeraldError.is(e, "unauthenticated"),
    );
    const url = server.url;
    await server.close();
    await assert.rejects(
      openRawSocket(url, "x"),
      (e) => HeraldError.is(e, "disconnected") && e.message.includes(url),
    );
  });

  test("a frame it cannot read is kept as an error, and a wait for a push that never comes times out naming the unread ones", async () => {
    await using fake = await startFakeServer();
    const raw = await openRawSocket(fake.url, fake.session().token);
    const connection = await fake.nextConnection();
    connection.sendFrame("{broken");
    fake.pushStatusPresence({ joins: [{ userId: "u1" }] });
    await raw.next("statusPresenceEvent");
    assert.equal(raw.errors.length, 1);
    fake.pushError({ code: 3, message: "nope" });
    await assert.rejects(
      raw.next("channelMessage", undefined, 100),
      (e) => HeraldError.is(e, "timeout") && /unread pushes: .*nope/.test(e.message),
    );
    assert.equal(raw.unread("error").length, 1);
    await raw.close();
  });
});
