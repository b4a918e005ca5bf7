import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Client, HeraldError } from "../../src/index.js";
import {
  cuttableWebSocket,
  inbox,
  startFakeServer,
  startFaultProxy,
  startTestServer,
} from "../../src/testing/index.js";
import { plainSocket } from "./plain-socket.js";

describe("the fault proxy in front of the bundled server", () => {
  test("passes REST and realtime traffic, and cut() drops every connection as a network failure would", async () => {
    await using server = await startTestServer();
    await using proxy = await startFaultProxy(server.port);
    const client = new Client({ port: proxy.port });
    const session = await client.authenticateDevice({ id: "device-proxy-0001", username: "proxied" });
    const a = plainSocket(client);
    const b = plainSocket(client);
    const lost = [inbox(a, "disconnect"), inbox(b, "disconnect")];
    await a.connect(session);
    await b.connect(session);
    await a.ping();
    assert.ok(proxy.connectionCount >= 2);
    proxy.cut();
    for (const l of lost) {
      const event = await l.next();
      assert.deepEqual([event.code, event.requested], [1006, false]);
    }
    assert.ok(proxy.cutCount >= 2);
    // New connections still pass after a cut.
    await a.connect(session);
    await a.ping();
    await a.disconnect();
  });

  test("blackhole() holds traffic without closing anything; restore() delivers what was held, in order", async () => {
    await using server = await startTestServer();
    await using proxy = await startFaultProxy(server.url);
    const client = new Client({ port: proxy.port });
    const ada = await server.user();
    const session = await client.authenticateDevice({ id: "device-proxy-0002", username: "listener" });
    const socket = plainSocket(client);
    const disconnects = inbox(socket, "disconnect");
    const heard = inbox(socket, "channelMessage");
    await socket.connect(session);
    const channel = await socket.joinChat("held", ChannelType.Room);
    await ada.socket.joinChat("held", ChannelType.Room);

    proxy.blackhole();
    assert.equal(proxy.mode, "blackhole");
    await assert.rejects(socket.ping({ timeoutMs: 300 }), (e) => HeraldError.is(e, "timeout"));
    for (const text of ["one", "two", "three"]) await ada.socket.writeChatMessage(channel.id, { text });
    assert.equal(heard.received.length, 0, "a message went through the blackhole");
    assert.equal(socket.state, "open");

    proxy.restore();
    const texts = (await heard.take(3)).map((m) => m.content.text);
    assert.deepEqual(texts, ["one", "two", "three"]);
    await socket.ping();
    assert.equal(disconnects.received.length, 0);
    await socket.disconnect();
  });

  test("refuse() cuts every connection and refuses new ones until restore()", async () => {
    await using server = await startTestServer();
    await using proxy = await startFaultProxy({ host: "127.0.0.1", port: server.port });
    const client = new Client({ port: proxy.port, timeoutMs: 2000 });
    const session = await client.authenticateDevice({ id: "device-proxy-0003" });
    const socket = plainSocket(client);
    const lost = inbox(socket, "disconnect");
    await socket.connect(session);
    proxy.refuse();
    assert.equal((await lost.next()).code, 1006);
    await assert.rejects(socket.connect(session), (e) => HeraldError.is(e, "disconnected"));
    await assert.rejects(client.healthcheck(), (e) => HeraldError.is(e));
    proxy.restore();
    await socket.connect(session);
    await socket.disconnect();
  });

  test("restore({ cutHeld: true }) cuts the connections a blackhole held; down() and accepted match the names of herald's own fault tests", async () => {
    await using server = await startTestServer();
    await using proxy = await startFaultProxy(server.port);
    const client = new Client({ port: proxy.port });
    const session = await client.authenticateDevice({ id: "device-proxy-0004" });
    const socket = plainSocket(client);
    const lost = inbox(socket, "disconnect");
    // REST calls pass through the proxy too: count from here.
    const before = proxy.accepted;
    await socket.connect(session);
    assert.ok(proxy.accepted > before);
    proxy.blackhole();
    proxy.restore({ cutHeld: true });
    assert.equal((await lost.next()).code, 1006);
    const afterCut = proxy.accepted;
    await socket.connect(session);
    assert.ok(proxy.accepted > afterCut);
    proxy.down();
    assert.equal(proxy.mode, "refuse");
    assert.equal((await lost.next()).code, 1006);
    proxy.restore();
    await socket.connect(session);
    await socket.disconnect();
  });

  test("a target without a port is refused with bad_input", async () => {
    await assert.rejects(startFaultProxy("not a url"), (e) => HeraldError.is(e, "bad_input"));
    await assert.rejects(startFaultProxy({ port: Number.NaN }), (e) => HeraldError.is(e, "bad_input"));
  });
});

describe("the cuttable WebSocket wrapper", () => {
  test("cut() drops the latest connection: the socket sees 1006, and the server sees the loss", async () => {
    await using fake = await startFakeServer();
    const net = cuttableWebSocket();
    const socket = plainSocket(fake.client(), { WebSocket: net.WebSocket });
    const lost = inbox(socket, "disconnect");
    await socket.connect(fake.session());
    const connection = await fake.nextConnection();
    net.cut();
    const event = await lost.next();
    assert.deepEqual([event.code, event.requested], [1006, false]);
    await connection.closed;
    assert.equal(net.count(), 1);
    assert.match(net.urls[0] ?? "", /\/ws\?/);
  });

  test("blackhole() holds sends and messages; restore() delivers them in order", async () => {
    await using fake = await startFakeServer();
    const net = cuttableWebSocket();
    const socket = plainSocket(fake.client(), { WebSocket: net.WebSocket });
    const statuses = inbox(socket, "statusPresence");
    await socket.connect(fake.session());
    const connection = await fake.nextConnection();
    net.blackhole();
    await assert.rejects(socket.ping({ timeoutMs: 200 }), (e) => HeraldError.is(e, "timeout"));
    assert.equal(connection.pings, 0, "a ping went through the blackhole");
    fake.pushStatusPresence({ joins: [{ userId: "u1", status: "first" }] });
    fake.pushStatusPresence({ joins: [{ userId: "u1", status: "second" }] });
    const pong = socket.ping();
    // Give the frames time to reach the wrapper, which must hold them (not a timing assertion).
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(statuses.received.length, 0);
    net.restore();
    await pong;
    const events = await statuses.take(2);
    assert.deepEqual(
      events.map((e) => e.joins[0]?.status),
      ["first", "second"],
    );
    await socket.disconnect();
  });

  test("refuse() fails new connections at once until restore()", async () => {
    await using fake = await startFakeServer();
    const net = cuttableWebSocket();
    const socket = plainSocket(fake.client(), { WebSocket: net.WebSocket });
    net.refuse();
    await assert.rejects(socket.connect(fake.session()), (e) => HeraldError.is(e, "disconnected"));
    assert.equal(fake.connections.length, 0);
    net.restore();
    await socket.connect(fake.session());
    await socket.disconnect();
  });
});
