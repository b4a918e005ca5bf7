import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { ChannelType, Client, HeraldError, jsonCodec } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { inbox, startTestServer } from "../../src/testing/index.js";

const formats: [string, Codec][] = [
  ["json", jsonCodec],
  ["protobuf", protobufCodec],
];

for (const [format, codec] of formats) {
  describe(`startTestServer over ${format}`, () => {
    test("users it signs in chat in a room and see each other's status", async () => {
      await using server = await startTestServer();
      const [ada, bob] = await server.users(2, { codec, connectOptions: { appearOnline: true } });
      assert.ok(ada && bob);
      assert.match(ada.username, /^user1/);
      assert.equal(ada.socket.state, "open");

      const bobStatus = inbox(bob.socket, "statusPresence");
      await bob.socket.followUsers([ada.userId]);
      await ada.socket.updateStatus("racing");
      const change = await bobStatus.next((e) => e.joins.some((p) => p.status === "racing"));
      assert.equal(change.joins[0]?.userId, ada.userId);

      const heard = inbox(bob.socket, "channelMessage");
      const channel = await ada.socket.joinChat("track", ChannelType.Room);
      await bob.socket.joinChat("track", ChannelType.Room);
      await ada.socket.writeChatMessage(channel.id, { text: "go" });
      const message = await heard.next();
      assert.deepEqual([message.username, message.content], [ada.username, { text: "go" }]);
      await heard.none();
    });
  });
}

describe("startTestServer", () => {
  test("close() disconnects its users' sockets and stops the server; a second close is harmless", async () => {
    const server = await startTestServer();
    const ada = await server.user({ username: "ada" });
    const disconnects = inbox(ada.socket, "disconnect");
    assert.equal(server.server.sessionCount, 1);
    await server.close();
    await server.close();
    assert.equal((await disconnects.next()).requested, true);
    await assert.rejects(server.client({ timeoutMs: 2000 }).healthcheck(), (e) => HeraldError.is(e));
    await assert.rejects(server.user(), (e) => HeraldError.is(e, "disconnected"));
  });

  test("the server's log events are kept, not printed, and nextLog waits for one", async () => {
    await using server = await startTestServer();
    assert.ok(server.logs.some((e) => e.event === "server_listening"));
    const ada = await server.user();
    const opened = await server.nextLog("session_open", (e) => JSON.stringify(e.fields).includes(ada.userId));
    assert.equal(opened.level, "info");
    await assert.rejects(
      server.nextLog("no_such_event", undefined, { timeoutMs: 20 }),
      (e) => HeraldError.is(e, "timeout") && /no a "no_such_event" log event within 20 ms/.test(e.message),
    );
  });

  test("`await using` closes it at the end of the block", async () => {
    let url = "";
    {
      await using server = await startTestServer();
      url = server.url;
      await server.client().healthcheck();
    }
    await assert.rejects(fetch(`${url}/healthcheck`));
  });

  test("file: true keeps the data in a temporary SQLite file that close() removes", async () => {
    const server = await startTestServer({ file: true });
    assert.notEqual(server.dbPath, ":memory:");
    assert.ok(existsSync(server.dbPath));
    await server.user({ connect: false });
    await server.close();
    assert.ok(!existsSync(path.dirname(server.dbPath)));
  });

  test("a user made with connect: false has a session and a closed socket; exactUsername keeps the name", async () => {
    await using server = await startTestServer();
    const name = `exact${process.pid}${Date.now()}`;
    const user = await server.user({ username: name, exactUsername: true, connect: false });
    assert.equal(user.username, name);
    assert.equal(user.socket.state, "closed");
    const account = await user.client.getAccount(user.session);
    assert.equal(account.user?.username, name);
  });

  test("socket() connects a second device for a user; both hear the user's own message, and close() disconnects both", async () => {
    const server = await startTestServer();
    const ada = await server.user();
    const tablet = await server.socket(ada.session, { codec: protobufCodec });
    const heard = [inbox(ada.socket, "channelMessage"), inbox(tablet, "channelMessage")];
    const channel = await ada.socket.joinChat("devices", ChannelType.Room);
    await tablet.joinChat("devices", ChannelType.Room);
    await ada.socket.writeChatMessage(channel.id, { text: "from the phone" });
    for (const h of heard) assert.deepEqual((await h.next()).content, { text: "from the phone" });
    await server.close();
    assert.deepEqual([ada.socket.state, tablet.state], ["closed", "closed"]);
  });

  test("server options pass through: with a server key of its own, the kit's users sign in and other clients are refused", async () => {
    await using server = await startTestServer({ serverKey: "other-key" });
    const user = await server.user();
    assert.ok(user.userId);
    await assert.rejects(
      new Client({ port: server.port }).authenticateDevice({ id: "device-000000002" }),
      (e) => HeraldError.is(e, "unauthenticated"),
    );
  });
});
