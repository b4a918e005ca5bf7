import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import type { InspectorEntry } from "../../src/server/console/inspector-entry.js";
import { startServer, type TestServer } from "../helpers/server.js";
import {
  ChannelType,
  consoleGet,
  DEFAULT_CONSOLE_CREDENTIAL,
  eventually,
  type SdkUser,
  sdkUser,
  snapshotOf,
} from "./console-fixtures.js";

describe("the console on a loopback server", () => {
  let srv: TestServer;
  let ada: SdkUser;
  let grace: SdkUser;
  let lin: SdkUser;
  let room: string;

  before(async () => {
    srv = await startServer();
    ada = await sdkUser(srv.url, "ada");
    grace = await sdkUser(srv.url, "grace", { appearOnline: true, invisible: true });
    lin = await sdkUser(srv.url, "lin", { appearOnline: false });
    await ada.socket.updateStatus("Playing level 3");
    await grace.socket.updateStatus("Hiding in plain sight");
    room = `lobby-${ada.username}`;
    const channel = await ada.socket.joinChat(room, ChannelType.Room);
    await grace.socket.joinChat(room, ChannelType.Room);
    await lin.socket.joinChat(room, ChannelType.Room, { hidden: true });
    await ada.socket.writeChatMessage(channel.id, { text: "first" });
    await ada.socket.writeChatMessage(channel.id, { text: "second" });
    const direct = await ada.socket.joinChat(lin.userId, ChannelType.DirectMessage);
    await ada.socket.writeChatMessage(direct.id, { text: "psst" });
  });

  after(async () => {
    for (const u of [ada, grace, lin]) await u?.socket.disconnect();
    await srv?.close();
  });

  test("the root URL serves the console page and its scripts, not a JSON 404", async () => {
    const page = await fetch(`${srv.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<title>herald console<\/title>/);
    for (const file of ["console.js", "console.css", "herald.min.js"]) {
      const res = await fetch(`${srv.url}/console/${file}`);
      assert.equal(res.status, 200, file);
      assert.ok((await res.arrayBuffer()).byteLength > 1000, `${file} is empty`);
    }
    assert.equal(srv.server.consoleUrl, `${srv.url}/`);
  });

  test("the console API refuses a missing or wrong operator credential, and says which", async () => {
    const missing = await consoleGet(srv.url, "/console/api/snapshot", null);
    assert.equal(missing.status, 401);
    assert.deepEqual(
      { code: missing.body.code, herald_code: missing.body.herald_code },
      { code: 16, herald_code: "unauthenticated" },
    );
    assert.match(String(missing.body.message), /credential required/);
    assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await consoleGet(srv.url, "/console/api/snapshot", "not-the-credential");
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.body.message), /credential invalid/);
    const stream = await consoleGet(srv.url, "/console/api/events", "not-the-credential");
    assert.equal(stream.status, 401);
    const info = await consoleGet(srv.url, "/console/api/info", null);
    assert.deepEqual(info.body, { enabled: true, defaultCredential: DEFAULT_CONSOLE_CREDENTIAL });
  });

  test("who is online: users, their sessions and statuses, invisible users marked for the operator only", async () => {
    const snap = await snapshotOf(srv.url);
    const byName = new Map(snap.users.map((u) => [u.username, u]));
    const a = byName.get(ada.username);
    assert.equal(a?.invisible, false);
    assert.equal(a?.sessions[0]?.status, "Playing level 3");
    assert.equal(a?.sessions[0]?.format, "json");
    const g = byName.get(grace.username);
    assert.equal(g?.invisible, true);
    assert.equal(g?.sessions[0]?.status, "Hiding in plain sight");
    // Connected without appearing online: listed, with no status.
    assert.equal(byName.get(lin.username)?.sessions[0]?.status, null);
    // Everyone else sees the invisible user offline.
    const { presences } = await ada.socket.followUsers([grace.userId]);
    assert.deepEqual(presences, []);
    const after = await eventually(
      () => snapshotOf(srv.url),
      (s) =>
        (s.users.find((u) => u.username === ada.username)?.sessions[0]?.follows ?? []).includes(grace.userId),
    );
    assert.ok(after.totals.sessions >= 3);
  });

  test("channels: members with hidden ones marked, message counts and the latest messages", async () => {
    const snap = await snapshotOf(srv.url);
    const lobby = snap.channels.find((c) => c.channelId === `2...${room}`);
    assert.ok(lobby, "the room is listed");
    assert.equal(lobby.type, "room");
    assert.equal(lobby.label, room);
    const members = new Map(lobby.members.map((m) => [m.username, m]));
    assert.deepEqual(
      [ada, grace, lin].map((u) => [members.get(u.username)?.hidden, members.get(u.username)?.invisible]),
      [
        [false, false],
        [true, true], // hidden because grace is invisible
        [true, false], // joined hidden
      ],
    );
    assert.equal(lobby.storedMessages, 2);
    assert.equal(lobby.sentSinceStart, 2);
    assert.deepEqual(
      lobby.latest.map((m) => [m.username, JSON.parse(m.content)]),
      [
        [ada.username, { text: "second" }],
        [ada.username, { text: "first" }],
      ],
    );
    const direct = snap.channels.find((c) => c.type === "direct");
    assert.equal(direct?.label.includes(ada.username) && direct.label.includes(lin.username), true);
    assert.equal(direct?.storedMessages, 1);
  });

  test("counts and latest messages follow new, edited and removed messages at once", async () => {
    const channelId = `2...${room}`;
    await snapshotOf(srv.url); // counts read now; what follows must show without waiting for a re-read
    const third = await ada.socket.writeChatMessage(channelId, { text: "third" });
    await ada.socket.updateChatMessage(channelId, third.messageId ?? "", { text: "third, edited" });
    const fourth = await ada.socket.writeChatMessage(channelId, { text: "fourth" });
    await ada.socket.removeChatMessage(channelId, fourth.messageId ?? "");
    const snap = await eventually(
      () => snapshotOf(srv.url),
      (s) =>
        s.channels.find((c) => c.channelId === channelId)?.latest[0]?.content === '{"text":"third, edited"}',
      2000,
    );
    const lobby = snap.channels.find((c) => c.channelId === channelId);
    assert.equal(lobby?.storedMessages, 3);
    assert.equal(lobby?.sentSinceStart, 4);
    assert.deepEqual(
      lobby?.latest.map((m) => JSON.parse(m.content).text),
      ["third, edited", "second", "first"],
    );
  });

  test("a message sent with persistence off is counted and listed as not stored", async () => {
    const name = `ephemeral-${ada.username}`;
    const channel = await ada.socket.joinChat(name, ChannelType.Room, { persistence: false });
    await ada.socket.writeChatMessage(channel.id, { text: "gone soon" });
    const snap = await eventually(
      () => snapshotOf(srv.url),
      (s) => (s.channels.find((c) => c.channelId === channel.id)?.sentSinceStart ?? 0) === 1,
    );
    const view = snap.channels.find((c) => c.channelId === channel.id);
    assert.equal(view?.storedMessages, 0);
    assert.equal(view?.latest[0]?.persistent, false);
  });

  test("the inspector lists envelopes in and out, filterable by user and by channel", async () => {
    const all = (await consoleGet(srv.url, "/console/api/envelopes")).body.entries as InspectorEntry[];
    const send = all.find((e) => e.direction === "in" && e.kind === "channelMessageSend");
    assert.ok(send, "a request is listed");
    assert.equal(send.users[0]?.username, ada.username);
    assert.match(send.wire, /"channel_message_send"/);
    const push = all.find(
      (e) => e.direction === "out" && e.kind === "channelMessage" && e.channelId === `2...${room}`,
    );
    assert.ok(push, "a broadcast is listed once");
    assert.equal(push.sessionCount, 3);

    const byUser = (await consoleGet(srv.url, `/console/api/envelopes?user=${grace.username}`)).body
      .entries as InspectorEntry[];
    assert.ok(byUser.length > 0);
    for (const e of byUser)
      assert.ok(
        e.users.some((u) => u.username === grace.username),
        JSON.stringify(e),
      );

    const byChannel = (await consoleGet(srv.url, `/console/api/envelopes?channel=${room}`)).body
      .entries as InspectorEntry[];
    assert.ok(byChannel.some((e) => e.kind === "channelJoin" && e.target === room));
    for (const e of byChannel)
      assert.ok(`${e.channelId ?? ""} ${e.target ?? ""}`.includes(room), JSON.stringify(e));
  });

  test("the event stream sends a snapshot at once and pushes a status change", async () => {
    const abort = new AbortController();
    const res = await fetch(`${srv.url}/console/api/events`, {
      headers: { authorization: `Bearer ${DEFAULT_CONSOLE_CREDENTIAL}` },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (pattern: string) => {
      while (!text.includes(pattern)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      await readUntil("event: snapshot");
      await ada.socket.updateStatus("Streaming now");
      await readUntil('"status":"Streaming now"');
    } finally {
      abort.abort();
    }
  });

  test("paths under /console that are not the console's answer 404, other methods 405", async () => {
    assert.equal((await consoleGet(srv.url, "/console/api/nothing")).status, 404);
    const post = await fetch(`${srv.url}/console/api/snapshot`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});

describe("the operator credential", () => {
  test("repeated wrong credentials lock an address out for a minute, the right one included", async () => {
    const srv = await startServer();
    try {
      for (let i = 0; i < 10; i++) {
        assert.equal((await consoleGet(srv.url, "/console/api/snapshot", `wrong-${i}`)).status, 401);
      }
      const locked = await consoleGet(srv.url, "/console/api/snapshot");
      assert.equal(locked.status, 429);
      assert.equal(locked.body.herald_code, "rate_limited");
      assert.ok(Number(locked.headers.get("retry-after")) > 0);
    } finally {
      await srv.close();
    }
  });

  test("on a non-loopback address without a set credential the console is refused, and the server still serves", async () => {
    const srv = await startServer({ host: "0.0.0.0" });
    try {
      assert.equal(srv.server.consoleUrl, undefined);
      const local = `http://127.0.0.1:${srv.port}`;
      const refused = await consoleGet(local, "/console/api/snapshot");
      assert.equal(refused.status, 403);
      assert.equal(refused.body.herald_code, "permission_denied");
      assert.match(String(refused.body.message), /not a loopback address.*credential/);
      const info = await consoleGet(local, "/console/api/info", null);
      assert.equal(info.body.enabled, false);
      assert.equal(info.body.defaultCredential, undefined);
      const health = await fetch(`${local}/healthcheck`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      await srv.close();
    }
  });

  test("on a non-loopback address a set credential opens the console, and the default no longer does", async () => {
    const srv = await startServer({ host: "0.0.0.0", console: { credential: "operator-secret-1" } });
    try {
      assert.equal(srv.server.consoleUrl, `${srv.url}/`);
      const local = `http://127.0.0.1:${srv.port}`;
      assert.equal((await consoleGet(local, "/console/api/snapshot", "operator-secret-1")).status, 200);
      assert.equal((await consoleGet(local, "/console/api/snapshot")).status, 401);
      const info = await consoleGet(local, "/console/api/info", null);
      assert.deepEqual(info.body, { enabled: true });
    } finally {
      await srv.close();
    }
  });

  test("the default credential is refused when the server is named by a non-loopback host (DNS rebinding)", async () => {
    const srv = await startServer();
    /** GETs a console path naming the server as `host` in the Host header. */
    const getAs = (host: string, pathname: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: srv.port,
            path: pathname,
            headers: { host, authorization: `Bearer ${DEFAULT_CONSOLE_CREDENTIAL}` },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    try {
      const rebound = await getAs(`rebind.example:${srv.port}`, "/console/api/snapshot");
      assert.equal(rebound.status, 403);
      assert.match(String(rebound.body.message), /only at a loopback address/);
      const info = await getAs(`rebind.example:${srv.port}`, "/console/api/info");
      assert.equal(info.body.enabled, false);
      assert.equal(info.body.defaultCredential, undefined);
      assert.equal((await getAs(`localhost:${srv.port}`, "/console/api/snapshot")).status, 200);
    } finally {
      await srv.close();
    }
  });

  test("a set credential shorter than 8 characters is refused", async () => {
    const srv = await startServer({ console: { credential: "short" } });
    try {
      assert.equal(srv.server.consoleUrl, undefined);
      const res = await consoleGet(srv.url, "/console/api/snapshot", "short");
      assert.equal(res.status, 403);
      assert.match(String(res.body.message), /at least 8 characters/);
    } finally {
      await srv.close();
    }
  });

  test("wrong console options are refused with bad_input before anything starts", async () => {
    const wrong: [unknown, RegExp][] = [
      [{ inspectorSize: Number.NaN }, /console\.inspectorSize must be a whole number, 1 or more, got NaN/],
      [{ inspectorSize: 1.5 }, /inspectorSize/],
      [{ inspectorSize: -5 }, /inspectorSize/],
      [{ inspectorSize: "10" }, /inspectorSize .* got string/],
      [{ credential: 12345678 }, /console\.credential must be a string/],
      ["yes", /console must be an object/],
    ];
    for (const [given, message] of wrong) {
      await assert.rejects(
        startServer({ console: given as never }),
        (e: unknown) => HeraldError.is(e, "bad_input") && message.test(e.message),
        JSON.stringify(given),
      );
    }
  });

  test("console: false serves no console: the root URL answers as the REST API does", async () => {
    const srv = await startServer({ console: false });
    try {
      assert.equal(srv.server.consoleUrl, undefined);
      const res = await consoleGet(srv.url, "/", null);
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 5);
    } finally {
      await srv.close();
    }
  });
});
