import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { WebSocket as WsSocket } from "ws";
import { Client, HeraldError, Session, type Socket } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { timers } from "../helpers/event-loop.js";
import { makeTokens, nextEvent, startWs, type TestWsServer, waitFor } from "../sdk/helpers.js";

type Json = Record<string, unknown>;
const codecs: [string, Codec][] = [
  ["json", jsonCodec],
  ["protobuf", protobufCodec],
];

function session(): Session {
  const { token, refreshToken } = makeTokens(3600);
  return Session.restore(token, refreshToken);
}

/** Decodes what the SDK sent, whatever the codec. */
function decode(codec: Codec, frame: string | Buffer) {
  return codec.decodeEnvelope(typeof frame === "string" ? frame : new Uint8Array(frame));
}

/** Answers every request the server side receives with `reply(envelope)` frames. */
function serve(
  ws: WsSocket,
  codec: Codec,
  reply: (req: ReturnType<typeof decode>) => (string | Uint8Array)[] | undefined,
): void {
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const req = decode(codec, isBinary ? data : data.toString());
    for (const frame of reply(req) ?? []) ws.send(frame);
  });
}

let server: TestWsServer;
let client: Client;
before(async () => {
  server = await startWs();
  client = new Client({ port: server.port });
});
after(() => server.close());

// These tests are about one connection: a socket that does not reconnect.
async function connected(codec: Codec, options: { timeoutMs?: number } = {}): Promise<[Socket, WsSocket]> {
  const socket = client.createSocket({ codec, reconnect: false, ...options });
  const [ws] = await Promise.all([
    server.nextConnection(),
    socket.connect(session(), { appearOnline: true }),
  ]);
  return [socket, ws];
}

for (const [name, codec] of codecs) {
  describe(`socket over ${name}`, () => {
    test("connect sends the token, status and format in the URL and reports the open state", async () => {
      const socket = client.createSocket({ codec });
      const states: string[] = [];
      socket.on("state", ({ state }) => states.push(state));
      const s = session();
      await Promise.all([server.nextConnection(), socket.connect(s, { appearOnline: true, lang: "fr" })]);
      const url = new URL(server.urls.at(-1) ?? "", "http://x");
      assert.equal(url.pathname, "/ws");
      assert.equal(url.searchParams.get("token"), s.token);
      assert.equal(url.searchParams.get("status"), "true");
      assert.equal(url.searchParams.get("lang"), "fr");
      assert.equal(url.searchParams.get("format"), name === "json" ? null : "protobuf");
      assert.equal(socket.state, "open");
      await socket.disconnect();
      assert.deepEqual(states, ["connecting", "open", "closed"]);
    });

    test("replies are matched to requests by cid even when they arrive out of order", async () => {
      const [socket, ws] = await connected(codec);
      const held: { cid: string; target: string }[] = [];
      serve(ws, codec, (req) => {
        if (req.kind !== "channelJoin" || !req.cid) return [];
        held.push({ cid: req.cid, target: req.body.target });
        if (held.length < 2) return [];
        // Answer the second request first.
        return [...held].reverse().map((h) =>
          codec.encodeEnvelope({
            cid: h.cid,
            kind: "channel",
            body: { id: `2...${h.target}`, roomName: h.target },
          }),
        );
      });
      const [a, b] = await Promise.all([socket.joinChat("alpha", 1), socket.joinChat("beta", 1)]);
      assert.equal(a.id, "2...alpha");
      assert.equal(b.id, "2...beta");
      assert.deepEqual(a.presences, []);
      await socket.disconnect();
    });

    test("an error reply rejects its request with the mapped HeraldError, not a timeout", async () => {
      const [socket, ws] = await connected(codec);
      serve(ws, codec, (req) => [
        codec.encodeEnvelope({
          cid: req.cid,
          kind: "error",
          body: { code: 3, message: "Must join channel before sending messages" },
        }),
      ]);
      await assert.rejects(socket.writeChatMessage("2...lobby", { text: "hi" }), (e: HeraldError) => {
        assert.equal(e.code, "bad_input");
        assert.equal(e.serverCode, 3);
        assert.equal(e.message, "Must join channel before sending messages");
        return true;
      });
      assert.equal(socket.state, "open");
      await socket.disconnect();
    });

    test("a reply that holds only the cid resolves requests without a payload", async () => {
      const [socket, ws] = await connected(codec);
      serve(ws, codec, (req) => [
        name === "json" ? JSON.stringify({ cid: req.cid }) : cidOnlyProtobuf(req.cid ?? ""),
      ]);
      await socket.updateStatus("Playing level 3");
      await socket.leaveChat("2...lobby");
      await socket.unfollowUsers(["u-2"]);
      const sent = (server.frames.at(-1) ?? []).map((f) => decode(codec, f));
      assert.deepEqual(
        sent.map((e) => e.kind),
        ["statusUpdate", "channelLeave", "statusUnfollow"],
      );
      assert.deepEqual(sent[0]?.body, { status: "Playing level 3" });
      await socket.disconnect();
    });

    test("updateStatus without a status, with null or with an empty string sends an appear-offline update", async () => {
      const [socket, ws] = await connected(codec);
      serve(ws, codec, (req) => [codec.encodeEnvelope({ cid: req.cid, kind: "pong", body: {} })]);
      await socket.updateStatus();
      await socket.updateStatus(null);
      await socket.updateStatus("");
      await socket.appearOffline();
      const sent = (server.frames.at(-1) ?? []).map((f) => decode(codec, f));
      assert.equal(sent.length, 4);
      for (const e of sent) {
        assert.equal(e.kind, "statusUpdate");
        assert.equal((e.body as { status?: string }).status, undefined);
      }
      await socket.disconnect();
    });

    test("a reply of an unexpected kind rejects with server_error", async () => {
      const [socket, ws] = await connected(codec);
      serve(ws, codec, (req) => [codec.encodeEnvelope({ cid: req.cid, kind: "pong", body: {} })]);
      await assert.rejects(socket.joinChat("lobby", 1), { code: "server_error" });
      await socket.disconnect();
    });

    test("a request with no reply rejects with timeout and leaves no pending request behind", async () => {
      const [socket] = await connected(codec, { timeoutMs: 50 });
      await assert.rejects(socket.ping(), { code: "timeout" });
      await assert.rejects(socket.ping({ timeoutMs: 20 }), { code: "timeout" });
      await socket.disconnect();
    });

    test("aborting a request rejects it with aborted, and an already aborted signal sends nothing", async () => {
      const [socket] = await connected(codec);
      const controller = new AbortController();
      const pending = socket.ping({ signal: controller.signal });
      controller.abort();
      await assert.rejects(pending, { code: "aborted" });
      const before = server.frames.at(-1)?.length ?? 0;
      await assert.rejects(socket.ping({ signal: AbortSignal.abort() }), { code: "aborted" });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(server.frames.at(-1)?.length ?? 0, before);
      await socket.disconnect();
    });

    test("disconnect rejects every pending request with disconnected at once and resolves when closed", async () => {
      const [socket] = await connected(codec);
      const disconnects: unknown[] = [];
      socket.onDisconnect((e) => disconnects.push(e));
      const pending = [socket.ping(), socket.followUsers(["u-2"]), socket.joinChat("lobby", 1)];
      const settled = Promise.allSettled(pending);
      await socket.disconnect();
      const results = await settled;
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.equal((r as PromiseRejectedResult).reason.code, "disconnected");
      }
      assert.equal(socket.state, "closed");
      assert.equal(disconnects.length, 1);
      assert.equal((disconnects[0] as { requested: boolean }).requested, true);
    });

    test("the server closing the connection rejects every pending request with disconnected", async () => {
      const [socket, ws] = await connected(codec);
      const pending = Promise.allSettled([socket.ping(), socket.ping()]);
      await waitFor(() => (server.frames.at(-1)?.length ?? 0) >= 2, "both pings to arrive");
      const disconnected = nextEvent(socket.onDisconnect.bind(socket), "disconnect");
      ws.close(4000, "bye");
      const event = await disconnected;
      assert.equal(event.code, 4000);
      assert.equal(event.reason, "bye");
      assert.equal(event.requested, false);
      for (const r of await pending) {
        assert.equal(r.status, "rejected");
        assert.equal((r as PromiseRejectedResult).reason.code, "disconnected");
      }
      await assert.rejects(socket.ping(), { code: "disconnected" });
    });

    test("content that is not a plain JSON object is refused with bad_input before sending", async () => {
      const [socket] = await connected(codec);
      const bad: unknown[] = [
        [1, 2],
        "text",
        new Map(),
        { when: new Map() },
        { n: Number.NaN },
        { f: () => 1 },
      ];
      const cyclic: Json = {};
      cyclic.self = cyclic;
      bad.push(cyclic);
      for (const content of bad) {
        await assert.rejects(socket.writeChatMessage("2...lobby", content as object), { code: "bad_input" });
      }
      await assert.rejects(socket.updateChatMessage("2...lobby", "m", [] as unknown as object), {
        code: "bad_input",
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(server.frames.at(-1)?.length, 0);
      await socket.disconnect();
    });

    test("a status longer than 2048 characters is refused with bad_input before sending", async () => {
      const [socket] = await connected(codec);
      await assert.rejects(socket.updateStatus("x".repeat(2049)), { code: "bad_input" });
      assert.equal(server.frames.at(-1)?.length, 0);
      await socket.disconnect();
    });

    test("pushes reach every listener as typed events with content parsed", async () => {
      const [socket, ws] = await connected(codec);
      const seen: string[] = [];
      const offA = socket.onChannelMessage<{ text: string }>((m) => seen.push(`a:${m.content.text}`));
      socket.on("channelMessage", (m) => seen.push(`b:${String(m.content.text)}`));
      const notes = socket.events("notification");
      const presence = nextEvent(socket.onStatusPresence.bind(socket), "status presence");
      ws.send(
        codec.encodeEnvelope({
          kind: "channelMessage",
          body: {
            channelId: "2...lobby",
            messageId: "m1",
            content: '{"text":"hi"}',
            createTime: new Date("2026-01-02T03:04:05.678Z"),
          },
        }),
      );
      ws.send(
        codec.encodeEnvelope({
          kind: "statusPresenceEvent",
          body: { joins: [{ userId: "u-2", sessionId: "s", username: "bob", status: "hello" }] },
        }),
      );
      ws.send(
        codec.encodeEnvelope({
          kind: "notifications",
          body: {
            notifications: [
              { id: "n1", subject: "bob wants to chat", content: '{"username":"bob"}', code: -1 },
              { id: "n2", subject: "other", code: 5 },
            ],
          },
        }),
      );
      const event = await presence;
      assert.equal(event.joins[0]?.status, "hello");
      assert.deepEqual(event.leaves, []);
      const first = await notes.next();
      const second = await notes.next();
      assert.deepEqual(first.value?.content, { username: "bob" });
      assert.equal(first.value?.code, -1);
      assert.deepEqual(second.value?.content, {});
      await notes.return?.();
      assert.deepEqual(seen, ["a:hi", "b:hi"]);
      offA();
      offA();
      ws.send(
        codec.encodeEnvelope({
          kind: "channelMessage",
          body: { channelId: "c", content: '{"text":"again"}' },
        }),
      );
      await waitFor(() => seen.length === 3, "the second message");
      assert.deepEqual(seen, ["a:hi", "b:hi", "b:again"]);
      await socket.disconnect();
    });

    test("a listener that throws does not stop the others and is reported as an error event", async () => {
      const [socket, ws] = await connected(codec);
      const errors: HeraldError[] = [];
      socket.onError((e) => errors.push(e));
      socket.onChannelMessage(() => {
        throw new Error("listener bug");
      });
      const received = nextEvent(socket.onChannelMessage.bind(socket), "message");
      ws.send(codec.encodeEnvelope({ kind: "channelMessage", body: { channelId: "c", content: "{}" } }));
      await received;
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.message ?? "", /listener bug/);
      assert.equal((errors[0]?.cause as Error | undefined)?.message, "listener bug");
      await socket.disconnect();
    });

    test("an error push without a cid is reported as an error event", async () => {
      const [socket, ws] = await connected(codec);
      const error = nextEvent(socket.onError.bind(socket), "error");
      ws.send(codec.encodeEnvelope({ kind: "error", body: { code: 0, message: "runtime trouble" } }));
      const e = await error;
      assert.equal(e.code, "server_error");
      assert.equal(e.serverCode, 0);
      await socket.disconnect();
    });

    test("an error push with herald's precise code in its context is reported with that code", async () => {
      const [socket, ws] = await connected(codec);
      const error = nextEvent(socket.onError.bind(socket), "error");
      ws.send(
        codec.encodeEnvelope({
          kind: "error",
          body: { code: 3, message: "slow down", context: { herald_code: "rate_limited" } },
        }),
      );
      const e = await error;
      assert.equal(e.code, "rate_limited");
      assert.equal(e.serverCode, 3);
      await socket.disconnect();
    });

    test("a socket whose requests replied, timed out and aborted leaves no timer behind once disconnected", async () => {
      const baseline = timers();
      const [socket, ws] = await connected(codec, { timeoutMs: 30 });
      serve(ws, codec, (req) =>
        req.kind === "ping" ? [codec.encodeEnvelope({ cid: req.cid, kind: "pong", body: {} })] : [],
      );
      // The reply that does come has seconds to arrive, not the socket's 30 ms default.
      await socket.ping({ timeoutMs: 10_000 });
      await assert.rejects(socket.followUsers(["u-2"]), { code: "timeout" });
      await assert.rejects(socket.followUsers(["u-2"], { signal: AbortSignal.abort() }), { code: "aborted" });
      const left = assert.rejects(socket.joinChat("lobby", 1, { timeoutMs: 60_000 }), {
        code: "disconnected",
      });
      await socket.disconnect();
      await left;
      assert.equal(timers(), baseline);
    });

    test("an unreadable frame is reported as an error event and the socket stays usable", async () => {
      const [socket, ws] = await connected(codec);
      const error = nextEvent(socket.onError.bind(socket), "error");
      ws.send(name === "json" ? "this is not json" : new Uint8Array([0xff, 0xff, 0xff]));
      assert.equal((await error).code, "server_error");
      serve(ws, codec, (req) => [codec.encodeEnvelope({ cid: req.cid, kind: "pong", body: {} })]);
      await socket.ping();
      await socket.disconnect();
    });

    test("an event iterator that falls behind its buffer throws overflow", async () => {
      const [socket, ws] = await connected(codec);
      const iterator = socket.events("channelMessage", { bufferSize: 2 });
      const errors: HeraldError[] = [];
      socket.onError((e) => errors.push(e));
      const counted = socket.events("channelMessage");
      for (let n = 0; n < 3; n++) {
        ws.send(
          codec.encodeEnvelope({ kind: "channelMessage", body: { channelId: "c", content: `{"n":${n}}` } }),
        );
      }
      for (let n = 0; n < 3; n++) await counted.next();
      await assert.rejects(iterator.next(), { code: "overflow" });
      assert.deepEqual(errors, []);
      await socket.disconnect();
    });

    test("event iterators end when the socket closes", async () => {
      const [socket] = await connected(codec);
      const iterator = socket.events("channelMessage");
      const next = iterator.next();
      await socket.disconnect();
      assert.deepEqual(await next, { value: undefined, done: true });
    });
  });
}

describe("socket connection", () => {
  test("requests on a socket that is not connected reject with disconnected", async () => {
    const socket = client.createSocket();
    await assert.rejects(socket.ping(), { code: "disconnected" });
    await assert.rejects(socket.updateStatus("x"), { code: "disconnected" });
  });

  test("connect to a port where nothing listens rejects with disconnected", async () => {
    const closed = await startWs();
    const port = closed.port;
    await closed.close();
    const socket = new Client({ port }).createSocket();
    await assert.rejects(socket.connect(session()), { code: "disconnected" });
    assert.equal(socket.state, "closed");
  });

  test("a server refusing the upgrade with 401 makes connect reject with unauthenticated", async (t) => {
    const { startHttp } = await import("../sdk/helpers.js");
    const http = await startHttp(t, (_req, _body, res) => {
      res.writeHead(401).end();
    });
    const socket = new Client({ port: http.port }).createSocket();
    await assert.rejects(socket.connect(session()), { code: "unauthenticated" });
    await http.close();
  });

  test("connect rejects with timeout when the upgrade never completes, and with aborted on abort", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const port = (silent.address() as { port: number }).port;
    const socket = new Client({ port }).createSocket({ connectTimeoutMs: 50 });
    await assert.rejects(socket.connect(session()), { code: "timeout" });
    assert.equal(socket.state, "closed");
    const controller = new AbortController();
    const pending = socket.connect(session(), { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { code: "aborted" });
    assert.equal(socket.state, "closed");
    silent.close();
  });

  test("disconnect during connect rejects connect with disconnected", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const port = (silent.address() as { port: number }).port;
    const socket = new Client({ port }).createSocket();
    const pending = socket.connect(session());
    await waitFor(() => socket.state === "connecting", "connecting");
    await socket.disconnect();
    await assert.rejects(pending, { code: "disconnected" });
    assert.equal(socket.state, "closed");
    silent.close();
  });

  test("connecting invisibly to a server without the user_presence extension rejects with unsupported", async () => {
    const before = server.urls.length;
    const socket = client.createSocket();
    await assert.rejects(socket.connect(session(), { invisible: true }), { code: "unsupported" });
    assert.equal(socket.state, "closed");
    assert.equal(server.urls.length, before, "no connection was opened");
  });

  test("connecting twice is refused while the first connection is open", async () => {
    const [socket] = await connected(jsonCodec);
    await assert.rejects(socket.connect(session()), { code: "bad_input" });
    await socket.disconnect();
  });

  test("a disconnect listener sees the socket closed and may connect again at once", async () => {
    const [socket, ws] = await connected(jsonCodec);
    const reconnected = new Promise<string>((resolve, reject) => {
      socket.onDisconnect(() => {
        const state = socket.state;
        socket.connect(session()).then(() => resolve(state), reject);
      });
    });
    const next = server.nextConnection();
    ws.close(4001, "go away");
    assert.equal(await reconnected, "closed");
    await next;
    assert.equal(socket.state, "open");
    await socket.disconnect();
  });

  test("a socket can connect again after disconnect", async () => {
    const [socket, ws] = await connected(jsonCodec);
    await socket.disconnect();
    const [ws2] = await Promise.all([server.nextConnection(), socket.connect(session())]);
    assert.notEqual(ws, ws2);
    serve(ws2, jsonCodec, (req) => [jsonCodec.encodeEnvelope({ cid: req.cid, kind: "pong", body: {} })]);
    await socket.ping();
    await socket.disconnect();
  });
});

describe("socket arguments", () => {
  test("bad arguments reject with bad_input (never a synchronous throw or a TypeError), with or without a connection", async () => {
    const [socket] = await connected(jsonCodec);
    const closed = client.createSocket();
    for (const s of [socket, closed]) {
      const calls: [string, () => Promise<unknown>][] = [
        ["followUsers(null)", () => s.followUsers(null as never)],
        ["followUsers([1])", () => s.followUsers([1] as never)],
        ["followUsers(usernames: 'x')", () => s.followUsers([], { usernames: "x" as never })],
        ["unfollowUsers(undefined)", () => s.unfollowUsers(undefined as never)],
        ["updateStatus(42)", () => s.updateStatus(42 as never)],
        ["joinChat(null)", () => s.joinChat(null as never, 1)],
        ["joinChat(room, 'room')", () => s.joinChat("room", "room" as never)],
        ["joinChat options 5", () => s.joinChat("room", 1, 5 as never)],
        ["leaveChat({})", () => s.leaveChat({} as never)],
        ["writeChatMessage(undefined)", () => s.writeChatMessage(undefined as never, {})],
        ["writeChatMessage(content null)", () => s.writeChatMessage("2...r", null as never)],
        ["updateChatMessage(no id)", () => s.updateChatMessage("2...r", undefined as never, {})],
        ["removeChatMessage(null)", () => s.removeChatMessage(null as never, "m")],
        ["ping('x')", () => s.ping("x" as never)],
      ];
      for (const [what, call] of calls) {
        let promise: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          promise = call();
        }, what);
        await assert.rejects(promise as Promise<unknown>, (e) => HeraldError.is(e, "bad_input"), what);
      }
    }
    await socket.disconnect();
  });

  test("connect without a session rejects with bad_input, and the socket stays closed", async () => {
    const socket = client.createSocket();
    for (const value of [undefined, null, {}, { token: 5 }]) {
      await assert.rejects(socket.connect(value as never), (e) => HeraldError.is(e, "bad_input"));
    }
    assert.equal(socket.state, "closed");
  });

  test("a failed connect names the address it tried, without the token", async () => {
    const nobody = new Client({ port: 1 });
    const socket = nobody.createSocket({ reconnect: false });
    const s = session();
    await assert.rejects(socket.connect(s), (e) => {
      assert.ok(HeraldError.is(e, "disconnected"), String(e));
      assert.match(e.message, /ws:\/\/127\.0\.0\.1:1\/ws/);
      assert.ok(!e.message.includes(s.token), "the token stays out of the message");
      return true;
    });
  });
});

/** A protobuf envelope holding only field 1 (cid). */
function cidOnlyProtobuf(cid: string): Uint8Array {
  const bytes = new TextEncoder().encode(cid);
  return new Uint8Array([0x0a, bytes.length, ...bytes]);
}
