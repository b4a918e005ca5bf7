// The protocol notes' facts about stock Nakama, checked against stock mode (compat "nakama") item
// by item, with raw sockets and plain HTTP, so that a client tested against stock mode meets what
// it would meet on stock. Facts whose code path does not depend on the mode are covered for both
// modes elsewhere (interop-nakama-js.test.ts runs the stock client against stock mode too); this
// file checks them on stock mode's wire, where the exact text of a frame matters.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { waitFor } from "../../src/testing/wait-for.js";
import {
  authenticate,
  openSocket,
  type RawSocket,
  rest,
  serverForSuite,
  socketUrl,
  type TestUser,
  uniqueName,
  upgradeStatus,
} from "../helpers/server.js";

/** Every text frame the socket receives from now on, as sent. */
function rawFrames(s: RawSocket): string[] {
  const frames: string[] = [];
  s.ws.on("message", (data: Buffer) => frames.push(data.toString("utf8")));
  return frames;
}

/** Sends a JSON request and returns the refusal's code and message. */
async function refusal(s: RawSocket, cid: string, request: object): Promise<[number, string]> {
  s.ws.send(JSON.stringify({ cid, ...request }));
  const error = await s.next("error");
  const reply = s.received.find((e) => e.kind === "error" && e.cid === cid);
  assert.ok(reply !== undefined, `the error carries cid ${cid}`);
  assert.deepEqual(error.context, {}, "no herald_code in stock mode");
  return [error.code, error.message];
}

describe("stock mode against the protocol notes", () => {
  const srv = serverForSuite({ compat: "nakama" });

  async function joinRoom(user: TestUser, room: string, extra: object = {}) {
    const s = await openSocket(srv.url, user);
    const channel = await s.call("channelJoin", { target: room, type: 1, ...extra }, "channel");
    return { s, channel };
  }

  test("transport: an unknown format is 400 and a bad token 401 before the upgrade; a Bearer header is taken", async () => {
    const ada = await authenticate(srv.url);
    assert.equal(await upgradeStatus(socketUrl(srv.url, ada.token, { format: "xml" })), 400);
    assert.equal(await upgradeStatus(socketUrl(srv.url, `${ada.token}x`)), 401);
    const bare = socketUrl(srv.url, "").replace(/token=[^&]*&?/, "");
    assert.equal(await upgradeStatus(bare, { authorization: `Bearer ${ada.token}` }), 101);
  });

  test("JSON: empty replies are only the cid; camelCase input is read; output is snake_case; zero wrappers are bare", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    const frames = rawFrames(s);
    s.ws.send('{"cid":"7","channel_leave":{"channel_id":"2...never-joined"}}');
    s.ws.send('{"cid":"8","status_update":{"status":"here"}}');
    const room = uniqueName("room");
    s.ws.send(`{"cid":"9","channelJoin":{"target":"${room}","type":1,"persistence":false}}`);
    await s.next("channel");
    const channelId = `2...${room}`;
    s.ws.send(`{"cid":"10","channelMessageSend":{"channelId":"${channelId}","content":"{}"}}`);
    await s.next("channelMessageAck");
    assert.ok(frames.includes('{"cid":"7"}'), "leaving a channel never joined succeeds, empty");
    assert.ok(frames.includes('{"cid":"8"}'));
    const push = frames.find((f) => f.startsWith('{"channel_message":'));
    assert.ok(push !== undefined, frames.join("\n"));
    assert.match(push, /"channel_id":/);
    assert.match(push, /"code":0[,}]/, "an Int32Value wrapper set to 0 is written");
    assert.match(push, /"persistent":false[,}]/, "a BoolValue wrapper set to false is written");
    assert.match(push, /"create_time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"/);
    assert.doesNotMatch(push, /channelId|createTime/);
    await s.close();
    // An offline user has no online key (false is omitted).
    const bob = await authenticate(srv.url);
    // The server ends the session after the close handshake: a read may come in between.
    const user = await waitFor(
      async () => {
        const users = await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token });
        const found = (users.body.users as Record<string, unknown>[])[0] ?? {};
        return found.online === undefined ? found : undefined;
      },
      { what: "ada shown offline", timeoutMs: 10_000, intervalMs: 20 },
    );
    assert.equal(user.id, ada.userId);
    assert.equal("online" in user, false);
  });

  test('status: a session that appears online gets its own join with status ""; a change is one event, joins and leaves', async () => {
    const ada = await authenticate(srv.url);
    // A plain socket, so that the very first frame is read as sent.
    const ws = new WebSocket(socketUrl(srv.url, ada.token, { status: true }));
    const first = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data: Buffer) => resolve(data.toString("utf8")));
      ws.once("error", reject);
    });
    const event = JSON.parse(first) as { status_presence_event?: { joins?: Record<string, unknown>[] } };
    const own = event.status_presence_event?.joins?.[0];
    assert.equal(own?.user_id, ada.userId, first);
    assert.equal(own?.status, "", 'a StringValue set to "" is written');
    const watcher = await openSocket(srv.url, await authenticate(srv.url));
    const followed = await watcher.call("statusFollow", { userIds: [ada.userId] }, "status");
    assert.equal(followed.presences.length, 1);
    ws.send('{"cid":"1","status_update":{"status":"busy"}}');
    const change = await watcher.next("statusPresenceEvent");
    assert.equal(change.joins[0]?.status, "busy");
    assert.equal(
      change.leaves[0]?.sessionId,
      change.joins[0]?.sessionId,
      "one event: new in joins, old in leaves",
    );
    ws.close();
    const gone = await watcher.next("statusPresenceEvent");
    assert.equal(gone.leaves[0]?.userId, ada.userId, "status is erased on disconnect");
    await watcher.close();
  });

  test("channels: presences on join, events to members, re-join lists the joiner, the push precedes the sender's ack", async () => {
    const room = uniqueName("room");
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const a = await joinRoom(ada, room);
    assert.deepEqual(a.channel.presences, [], "the joiner is not listed on a new join");
    assert.equal(a.channel.self?.userId, ada.userId);
    const ownJoin = await a.s.next("channelPresenceEvent");
    assert.equal(ownJoin.joins[0]?.userId, ada.userId, "the joiner gets its own join");
    const b = await joinRoom(bob, room);
    assert.deepEqual(
      b.channel.presences.map((p) => p.userId),
      [ada.userId],
    );
    const bobJoin = await a.s.next("channelPresenceEvent");
    assert.equal(bobJoin.joins[0]?.userId, bob.userId);
    const again = await a.s.call("channelJoin", { target: room, type: 1 }, "channel");
    assert.deepEqual(again.presences.map((p) => p.userId).sort(), [ada.userId, bob.userId].sort());
    // A hidden member causes no events.
    const carol = await authenticate(srv.url);
    const c = await joinRoom(carol, room, { hidden: true });
    await a.s.assertNoPush("channelPresenceEvent", (e: { joins: { userId: string }[] }) =>
      e.joins.some((p) => p.userId === carol.userId),
    );
    await c.s.close();
    const ack = await b.s.call(
      "channelMessageSend",
      { channelId: b.channel.id, content: '{"n":1}' },
      "channelMessageAck",
    );
    const pushAt = b.s.received.findIndex((e) => e.kind === "channelMessage");
    const ackAt = b.s.received.findIndex((e) => e.kind === "channelMessageAck");
    assert.ok(pushAt !== -1 && pushAt < ackAt, "on the sender's socket the push comes first");
    assert.equal((await a.s.next("channelMessage")).messageId, ack.messageId);
    await b.s.close();
    const left = await a.s.next("channelPresenceEvent");
    assert.equal(left.leaves[0]?.userId, bob.userId, "a disconnect is a leave to the others");
    await a.s.close();
  });

  test("messages: an edit is listed with its content and code 0; a remove pushes content {} and is no longer listed", async () => {
    const ada = await authenticate(srv.url);
    const { s, channel } = await joinRoom(ada, uniqueName("room"));
    const sent = await s.call(
      "channelMessageSend",
      { channelId: channel.id, content: '{"v":1}' },
      "channelMessageAck",
    );
    const kept = await s.call(
      "channelMessageSend",
      { channelId: channel.id, content: '{"v":9}' },
      "channelMessageAck",
    );
    await s.call(
      "channelMessageUpdate",
      { channelId: channel.id, messageId: kept.messageId, content: '{"v":2}' },
      "channelMessageAck",
    );
    const edited = await s.next("channelMessage", (m) => m.code === 1);
    assert.equal(edited.content, '{"v":2}');
    await s.call(
      "channelMessageRemove",
      { channelId: channel.id, messageId: sent.messageId },
      "channelMessageAck",
    );
    const removed = await s.next("channelMessage", (m) => m.code === 2);
    assert.equal(removed.content, "{}");
    const history = await rest(srv.url, "GET", `/v2/channel/${channel.id}?limit=10&forward=true`, {
      token: ada.token,
    });
    const listed = history.body.messages as { message_id: string; content: string; code: number }[];
    assert.deepEqual(
      listed.map((m) => [m.message_id, m.content, m.code]),
      [[kept.messageId, '{"v":2}', 0]],
    );
    // Without a limit, stock lists one message.
    const one = await rest(srv.url, "GET", `/v2/channel/${channel.id}`, { token: ada.token });
    assert.equal((one.body.messages as unknown[]).length, 1);
    await s.close();
  });

  test("messages: persistence false reaches online members only, marked persistent false, and is not stored", async () => {
    const ada = await authenticate(srv.url);
    const { s, channel } = await joinRoom(ada, uniqueName("room"), { persistence: false });
    const ack = await s.call(
      "channelMessageSend",
      { channelId: channel.id, content: "{}" },
      "channelMessageAck",
    );
    assert.equal(ack.persistent, false);
    const history = await rest(srv.url, "GET", `/v2/channel/${channel.id}?limit=10`, { token: ada.token });
    assert.equal(history.body.messages, undefined);
    await s.close();
  });

  test("direct chat: a chat with yourself is allowed; the other user's invitation is notification code -1", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    const self = await s.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
    assert.equal(self.id, `4.${ada.userId}.${ada.userId}.`);
    const dm = await s.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
    assert.equal(dm.id, `4.${[ada.userId, bob.userId].sort().join(".")}.`);
    const listed = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
    const invite = (listed.body.notifications as { code: number; subject: string; content: string }[])[0];
    assert.equal(invite?.code, -1);
    assert.equal(invite?.subject, `${ada.username} wants to chat`);
    assert.deepEqual(JSON.parse(invite?.content ?? ""), { username: ada.username });
    // Only the two users may read its history.
    const carol = await authenticate(srv.url);
    const foreign = await rest(srv.url, "GET", `/v2/channel/${dm.id}?limit=10`, { token: carol.token });
    assert.deepEqual(foreign, { status: 400, body: { code: 3, message: "Channel not found." } });
    await s.close();
  });

  test("refusals carry stock's code 3 and words, with the cid, and the socket stays open", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const { s, channel } = await joinRoom(ada, uniqueName("room"));
    const b = await openSocket(srv.url, bob);
    const ack = await s.call(
      "channelMessageSend",
      { channelId: channel.id, content: "{}" },
      "channelMessageAck",
    );
    const cases: [RawSocket, object, string][] = [
      [
        b,
        { channel_message_send: { channel_id: channel.id, content: "{}" } },
        "Must join channel before sending messages",
      ],
      [
        s,
        { channel_message_send: { channel_id: channel.id, content: "[1]" } },
        "Message content must be a valid JSON object",
      ],
      [s, { channel_message_send: { channel_id: "nonsense", content: "{}" } }, "Invalid channel identifier"],
      [s, { channel_join: { target: "x", type: 9 } }, "Invalid channel type"],
      [
        s,
        { channel_join: { target: "00000000-0000-4000-8000-000000000000", type: 2 } },
        "User ID not found: Invalid channel target",
      ],
      [s, { status_follow: { user_ids: ["not-a-uuid"] } }, "Invalid user identifier"],
    ];
    await b.call("channelJoin", { target: `other-${uniqueName()}`, type: 1 }, "channel");
    let cid = 100;
    for (const [socket, request, words] of cases) {
      assert.deepEqual(await refusal(socket, String(cid++), request), [3, words], JSON.stringify(request));
    }
    const joinedBob = await b.call("channelJoin", { target: channel.roomName, type: 1 }, "channel");
    assert.deepEqual(
      await refusal(b, "200", {
        channel_message_update: { channel_id: joinedBob.id, message_id: ack.messageId, content: "{}" },
      }),
      [3, "Could not find message to update in channel history"],
    );
    assert.deepEqual(
      await refusal(b, "201", {
        channel_message_remove: { channel_id: joinedBob.id, message_id: ack.messageId },
      }),
      [3, "Could not find message to remove in channel history"],
    );
    const [code] = await refusal(s, "202", { status_update: { status: "x".repeat(2049) } });
    assert.equal(code, 3);
    // A valid but unknown user id: empty presences.
    const unknown = await s.call(
      "statusFollow",
      { userIds: ["00000000-0000-4000-8000-000000000000"] },
      "status",
    );
    assert.deepEqual(unknown.presences, []);
    await s.close();
    await b.close();
  });

  test("REST: errors are {code, message}; the session token carries uid, usn, vrs, exp, iat and tid", async () => {
    const signIn = await rest(
      srv.url,
      "POST",
      `/v2/account/authenticate/device?create=true&username=${uniqueName("u")}`,
      {
        basic: "defaultkey",
        body: { id: `device-${uniqueName()}`, vars: { k: "v" } },
      },
    );
    assert.equal(signIn.status, 200);
    const claims = JSON.parse(
      Buffer.from(String(signIn.body.token).split(".")[1] ?? "", "base64url").toString("utf8"),
    ) as Record<string, unknown>;
    for (const key of ["uid", "usn", "vrs", "exp", "iat", "tid"]) assert.ok(key in claims, key);
    assert.deepEqual(claims.vrs, { k: "v" });
    const wrongKey = await rest(srv.url, "POST", "/v2/account/authenticate/device", {
      basic: "nope",
      body: { id: "x" },
    });
    assert.deepEqual(wrongKey, { status: 401, body: { code: 16, message: "Server key invalid" } });
  });
});
