import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { ChannelType, HeraldError, jsonCodec } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { inbox, startFakeServer } from "../../src/testing/index.js";
import { plainSocket } from "./plain-socket.js";

const formats: [string, Codec][] = [
  ["json", jsonCodec],
  ["protobuf", protobufCodec],
];

for (const [format, codec] of formats) {
  describe(`the fake server over ${format}`, () => {
    test("its default answers let a socket connect, set a status, follow, join, chat and hear its own message", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      const socket = plainSocket(fake.client(), { codec });
      await socket.connect(fake.session({ userId: "u-ada", username: "ada" }), { appearOnline: true });
      const connection = await fake.nextConnection();
      assert.equal(connection.codec.format, format);
      assert.equal(connection.userId, "u-ada");
      assert.equal(connection.query.status, "true");

      const heard = inbox(socket, "channelMessage");
      await socket.ping();
      await socket.updateStatus("in the lobby");
      assert.deepEqual((await socket.followUsers(["u-bob"])).presences, []);
      const channel = await socket.joinChat("lobby", ChannelType.Room);
      assert.equal(channel.id, "2...lobby");
      assert.equal(channel.self?.userId, "u-ada");
      const ack = await socket.writeChatMessage(channel.id, { text: "hi" });
      const echo = await heard.next((m) => m.messageId === ack.messageId);
      assert.deepEqual(echo.content, { text: "hi" });
      assert.equal(echo.username, "ada");

      assert.equal(connection.status, "in the lobby");
      assert.deepEqual(
        connection.received.map((e) => e.kind),
        ["ping", "statusUpdate", "statusFollow", "channelJoin", "channelMessageSend"],
      );
      const follow = await fake.nextRequest("statusFollow");
      assert.deepEqual(follow.body.userIds, ["u-bob"]);
      await socket.disconnect();
    });

    test("typed pushes arrive as the socket's events", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      const socket = plainSocket(fake.client(), { codec });
      await socket.connect(fake.session());
      const messages = inbox(socket, "channelMessage");
      const statuses = inbox(socket, "statusPresence");
      const members = inbox(socket, "channelPresence");
      const notifications = inbox(socket, "notification");
      const errors = inbox(socket, "error");

      fake.pushChannelMessage({
        channelId: "2...lobby",
        roomName: "lobby",
        senderId: "u-bob",
        content: { text: "yo" },
      });
      fake.pushStatusPresence({
        joins: [{ userId: "u-bob", sessionId: "s1", username: "bob", status: "away" }],
      });
      fake.pushChannelPresence({
        channelId: "2...lobby",
        leaves: [{ userId: "u-bob", sessionId: "s1", username: "bob" }],
      });
      fake.pushNotification([{ subject: "gift", code: 5, content: { coins: 3 } }, { subject: "second" }]);
      fake.pushError({ code: "rate_limited", message: "slow down" });

      const message = await messages.next();
      assert.deepEqual(message.content, { text: "yo" });
      assert.equal(message.roomName, "lobby");
      assert.ok(message.createTime instanceof Date);
      assert.equal((await statuses.next()).joins[0]?.status, "away");
      assert.equal((await members.next()).leaves[0]?.username, "bob");
      const [gift, second] = await notifications.take(2);
      assert.deepEqual(gift?.content, { coins: 3 });
      assert.equal(second?.subject, "second");
      const error = await errors.next();
      assert.equal(error.serverCode, 8);
      assert.equal(error.message, "slow down");
      await socket.disconnect();
    });

    test("a request hook's error reply rejects the call with the HeraldError it describes", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      fake.onRequest("channelMessageSend", (body) =>
        body.content.includes("spam")
          ? { error: { code: "permission_denied", message: "muted" } }
          : undefined,
      );
      fake.onRequest("channelJoin", () => new HeraldError("not_found", "no such group"));
      const socket = plainSocket(fake.client(), { codec });
      await socket.connect(fake.session());
      const channel = await socket.joinChat("lobby", ChannelType.Room).catch((e: unknown) => e);
      assert.ok(HeraldError.is(channel, "not_found"), String(channel));
      assert.equal(channel.serverCode, 5);
      assert.equal(channel.message, "no such group");
    });

    test("a hook's reply replaces the default, a silent hook makes the call time out, and removing it restores the default", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      fake.onRequest("statusFollow", (body) => ({
        kind: "status",
        body: {
          presences: body.userIds.map((userId) => ({
            userId,
            sessionId: "s",
            username: userId,
            status: "here",
          })),
        },
      }));
      const off = fake.onRequest("ping", () => "silence");
      const socket = plainSocket(fake.client(), { codec });
      await socket.connect(fake.session());
      const { presences } = await socket.followUsers(["a", "b"]);
      assert.deepEqual(
        presences.map((p) => [p.userId, p.status]),
        [
          ["a", "here"],
          ["b", "here"],
        ],
      );
      await assert.rejects(socket.ping({ timeoutMs: 100 }), (e) => HeraldError.is(e, "timeout"));
      off();
      await socket.ping();
      await socket.disconnect();
    });

    test("a hook that returns a promise answers when it settles, and one that throws answers with an error", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      fake.onRequest("channelJoin", async (body) => {
        await held;
        return { kind: "channel", body: { id: `2...${body.target}`, roomName: body.target } };
      });
      fake.onRequest("statusUpdate", () => {
        throw new Error("hook bug");
      });
      const socket = plainSocket(fake.client(), { codec });
      await socket.connect(fake.session());
      const joining = socket.joinChat("later", ChannelType.Room);
      await fake.nextRequest("channelJoin");
      await socket.ping(); // answered while the join still waits
      release();
      assert.equal((await joining).roomName, "later");
      await assert.rejects(socket.updateStatus("x"), (e) => HeraldError.is(e, "server_error"));
      assert.match(fake.errors[0]?.message ?? "", /hook bug/);
      await socket.disconnect();
    });

    test("closing a connection with a code and cutting it reach the socket as disconnects", async () => {
      await using fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec] });
      const socket = plainSocket(fake.client(), { codec });
      const disconnects = inbox(socket, "disconnect");
      await socket.connect(fake.session());
      await (await fake.nextConnection()).close(4000, "bye");
      const closed = await disconnects.next();
      assert.deepEqual([closed.code, closed.reason, closed.requested], [4000, "bye", false]);

      await socket.connect(fake.session());
      await fake.cutAll();
      assert.equal((await disconnects.next()).code, 1006);
      assert.throws(
        () => fake.pushStatusPresence({}),
        (e) => HeraldError.is(e, "disconnected"),
      );
    });
  });
}

describe("the fake server's connections and REST side", () => {
  test("closing it disconnects the sockets its clients made, which would otherwise reconnect to nothing", async () => {
    const fake = await startFakeServer();
    const socket = fake.client().createSocket({ heartbeat: false });
    await socket.connect(fake.session({ userId: "u-ada", username: "ada" }));
    const other = new WebSocket(
      `ws://${fake.host.includes(":") ? `[${fake.host}]` : fake.host}:${fake.port}/ws`,
    );
    await new Promise((resolve, reject) => other.once("open", resolve).once("error", reject));
    const otherClosed = new Promise((resolve) => other.once("close", resolve));
    await fake.close();
    assert.equal(socket.state, "closed");
    // A connection made some other way is cut.
    await otherClosed;
  });

  test("a client asking for protobuf is refused unless the fake server was given protobufCodec", async () => {
    await using fake = await startFakeServer();
    const socket = plainSocket(fake.client(), { codec: protobufCodec });
    await assert.rejects(
      socket.connect(fake.session()),
      (e) => HeraldError.is(e, "bad_input") && e.status === 400,
    );
    assert.equal(fake.connections.length, 0);
  });

  test("an upgrade hook refuses a token, which the socket reports as unauthenticated", async () => {
    await using fake = await startFakeServer();
    fake.onUpgrade(({ userId }) => (userId === "banned" ? 401 : undefined));
    await assert.rejects(plainSocket(fake.client()).connect(fake.session({ userId: "banned" })), (e) =>
      HeraldError.is(e, "unauthenticated"),
    );
    const ok = plainSocket(fake.client());
    await ok.connect(fake.session({ userId: "fine" }));
    await ok.disconnect();
  });

  test("sign-in, refresh and capabilities work against the fake REST side, and a hook overrides a route", async () => {
    await using fake = await startFakeServer({
      capabilities: { server: "fake", version: "1", extensions: ["user_presence"] },
    });
    const client = fake.client();
    const session = await client.authenticateDevice({ id: "device-0001", username: "ada" });
    assert.equal(session.userId, "user-device-0001");
    assert.equal(session.username, "ada");
    await client.sessionRefresh(session);
    assert.equal(session.userId, "user-device-0001");
    assert.deepEqual((await client.capabilities()).extensions, ["user_presence"]);
    fake.onHttp((request) =>
      request.path === "/v2/user" ? { body: { users: [{ id: "u9", username: "zed" }] } } : undefined,
    );
    const { users } = await client.getUsers(session, { ids: ["u9"] });
    assert.equal(users[0]?.username, "zed");
    assert.deepEqual((await client.listChannelMessages(session, "2...lobby")).messages, []);
    assert.deepEqual(
      fake.httpRequests.map((r) => `${r.method} ${r.path}`),
      [
        "POST /v2/account/authenticate/device",
        "POST /v2/account/session/refresh",
        "GET /v2/herald/capabilities",
        "GET /v2/user",
        "GET /v2/channel/2...lobby",
      ],
    );
  });

  test("an HTTP hook that throws answers 500 and is recorded, and the fake server goes on", async () => {
    await using fake = await startFakeServer();
    fake.onHttp(() => {
      throw new Error("hook bug");
    });
    await assert.rejects(
      fake.client().healthcheck(),
      (e) => HeraldError.is(e, "server_error") && e.status === 500,
    );
    assert.match(fake.errors[0]?.message ?? "", /hook bug/);
  });

  test("an HTTP hook's raw reply reaches the client as it is, so an app's handling of a garbled answer can be tested", async () => {
    await using fake = await startFakeServer();
    fake.onHttp(() => ({ status: 200, raw: "<html>gateway</html>" }));
    await assert.rejects(fake.client().healthcheck(), (e) => HeraldError.is(e));
  });

  test("capabilities: null answers 404 as stock Nakama does, so the SDK sees no extensions", async () => {
    await using fake = await startFakeServer({ capabilities: null });
    assert.deepEqual((await fake.client().capabilities()).extensions, []);
  });

  test("an unreadable frame is recorded as an error, not dropped in silence", async () => {
    await using fake = await startFakeServer();
    const errors = inbox(fake, "error");
    const ws = new WebSocket(`ws://127.0.0.1:${fake.port}/ws?token=x`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send("{not json");
    const error = await errors.next();
    assert.equal(error.code, "bad_input");
    assert.equal(fake.errors.length, 1);
    assert.deepEqual(fake.connections[0]?.frames, ["{not json"]);
    ws.close();
  });
});
