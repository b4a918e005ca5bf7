// Facts of the protocol notes that no other test checked in stock mode, each checked in both
// server modes where herald's own mode is meant to answer the same, and in herald's mode alone
// where the notes describe herald's own limits. The JSON text of frames and REST bodies is read
// as sent, since a stock client reads that text and not herald's decoding of it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { waitFor } from "../../src/testing/wait-for.js";
import {
  authenticate,
  openSocket,
  type RawSocket,
  rest,
  serverForSuite,
  socketUrl,
  startServer,
  type TestServer,
  type TestUser,
  uniqueName,
  upgradeStatus,
} from "../helpers/server.js";
import { bundledOnly, serverModes, stockMode } from "../helpers/server-modes.js";

type Json = Record<string, unknown>;

/** Every text frame the socket receives from now on, parsed, as sent. */
function rawFrames(s: RawSocket): Json[] {
  const frames: Json[] = [];
  s.ws.on("message", (data: Buffer, binary: boolean) => {
    if (!binary) frames.push(JSON.parse(data.toString("utf8")) as Json);
  });
  return frames;
}

/** Waits for a received frame holding `key` that `match` accepts, and returns the whole frame. */
function frameWith(frames: Json[], key: string, match: (body: Json) => boolean = () => true): Promise<Json> {
  return waitFor(() => frames.find((f) => key in f && match(f[key] as Json)), {
    what: `a ${key} frame`,
    timeoutMs: 5000,
    intervalMs: 10,
  });
}

/** A REST call whose body is returned as the text sent, not parsed. */
async function restText(
  srv: TestServer,
  method: string,
  pathAndQuery: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${srv.url}${pathAndQuery}`, init);
  return { status: res.status, text: await res.text() };
}

/** A JSON status_update frame of exactly `bytes` bytes. */
function statusFrame(bytes: number): string {
  const shell = JSON.stringify({ cid: "1", status_update: { status: "" } });
  return JSON.stringify({ cid: "1", status_update: { status: "x".repeat(bytes - shell.length) } });
}

async function createGroup(srv: TestServer, owner: TestUser, name = uniqueName("group")): Promise<string> {
  const res = await rest(srv.url, "POST", "/v2/group", { token: owner.token, body: { name, open: true } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

function groupOp(srv: TestServer, actor: TestUser, groupId: string, op: string, userIds: string[] = []) {
  const query = userIds.map((id) => `user_ids=${id}`).join("&");
  return rest(srv.url, "POST", `/v2/group/${groupId}/${op}${query === "" ? "" : `?${query}`}`, {
    token: actor.token,
  });
}

for (const mode of serverModes) {
  describe(`protocol facts (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("JSON pushes carry no cid; a presence event of joins only has no leaves key, of leaves only no joins key; channel presences carry no status", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada);
      const b = await openSocket(srv.url, bob);
      const aFrames = rawFrames(a);
      const bFrames = rawFrames(b);
      try {
        const room = uniqueName("room");
        await a.call("channelJoin", { target: room, type: 1 }, "channel");
        const own = await frameWith(aFrames, "channel_presence_event");
        assert.equal("cid" in own, false, JSON.stringify(own));
        const event = own.channel_presence_event as Json;
        assert.equal("leaves" in event, false, JSON.stringify(event));
        const joined = (event.joins as Json[])[0] ?? {};
        assert.equal(joined.user_id, ada.userId);
        assert.equal("status" in joined, false, "a channel presence has no status");

        b.ws.send(JSON.stringify({ cid: "5", channel_join: { target: room, type: 1 } }));
        const reply = await frameWith(bFrames, "channel");
        assert.equal(reply.cid, "5");
        const channel = reply.channel as Json;
        for (const presence of [channel.self as Json, ...(channel.presences as Json[])]) {
          assert.equal("status" in presence, false, JSON.stringify(presence));
        }

        // An ack writes its Int32Value code 0 and its BoolValue persistent, and names the room.
        a.ws.send(
          JSON.stringify({ cid: "6", channel_message_send: { channel_id: `2...${room}`, content: "{}" } }),
        );
        const ack = await frameWith(aFrames, "channel_message_ack");
        assert.equal(ack.cid, "6");
        const ackBody = ack.channel_message_ack as Json;
        assert.equal(ackBody.code, 0, JSON.stringify(ackBody));
        assert.equal(ackBody.persistent, true);
        assert.equal(ackBody.room_name, room);
        assert.equal(ackBody.username, ada.username);
        for (const key of ["group_id", "user_id_one", "user_id_two"])
          assert.equal(key in ackBody, false, key);

        await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        await a.callEmpty("statusUpdate", { status: "here" });
        const online = await frameWith(bFrames, "status_presence_event");
        assert.equal("cid" in online, false);
        const onlineEvent = online.status_presence_event as Json;
        assert.equal("leaves" in onlineEvent, false, JSON.stringify(onlineEvent));
        assert.equal((onlineEvent.joins as Json[])[0]?.status, "here", "a status presence has its status");
        await a.callEmpty("statusUpdate", {});
        const offline = await frameWith(bFrames, "status_presence_event", (e) => "leaves" in e);
        assert.equal("joins" in (offline.status_presence_event as Json), false, JSON.stringify(offline));
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("REST: wrappers set to zero are written (a group's open false, the superadmin's state 0, a friend's state 0); int32 zeros are left out", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const made = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("closed"), open: false },
      });
      assert.equal(made.status, 200);
      assert.equal(made.body.open, false, JSON.stringify(made.body));
      const groupId = made.body.id as string;
      const members = await rest(srv.url, "GET", `/v2/group/${groupId}/user`, { token: ada.token });
      const superadmin = (members.body.group_users as Json[])[0] ?? {};
      assert.equal(superadmin.state, 0, JSON.stringify(members.body));
      const mine = await rest(srv.url, "GET", `/v2/user/${ada.userId}/group`, { token: ada.token });
      assert.equal((mine.body.user_groups as Json[])[0]?.state, 0, JSON.stringify(mine.body));
      assert.equal(((mine.body.user_groups as Json[])[0]?.group as Json | undefined)?.open, false);

      await rest(srv.url, "POST", `/v2/friend?ids=${bob.userId}`, { token: ada.token });
      await rest(srv.url, "POST", `/v2/friend?ids=${ada.userId}`, { token: bob.token });
      const friends = await rest(srv.url, "GET", "/v2/friend", { token: ada.token });
      const friend = (friends.body.friends as Json[])[0] ?? {};
      assert.equal((friend.user as Json).id, bob.userId);
      assert.equal(friend.state, 0, JSON.stringify(friend));

      // A new user has no edges: edge_count (int32) 0 is left out.
      const carol = await authenticate(srv.url);
      const users = await rest(srv.url, "GET", `/v2/user?ids=${carol.userId}`, { token: ada.token });
      const user = (users.body.users as Json[])[0] ?? {};
      assert.equal(user.id, carol.userId);
      assert.equal("edge_count" in user, false, JSON.stringify(user));
      for (const key of ["create_time", "update_time"]) {
        assert.match(
          String(user[key]),
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
          `${key}: RFC 3339 in UTC`,
        );
      }
    });

    test("REST calls that answer nothing answer {}", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const carol = await authenticate(srv.url);
      const groupId = await createGroup(srv, ada);
      const calls: [TestUser, string, string, unknown?][] = [
        [ada, "PUT", "/v2/account", { display_name: "Ada" }],
        [ada, "POST", `/v2/friend?ids=${bob.userId}`],
        [ada, "DELETE", `/v2/friend?ids=${bob.userId}`],
        [ada, "POST", `/v2/friend/block?ids=${carol.userId}`],
        [bob, "POST", `/v2/group/${groupId}/join`],
        [ada, "POST", `/v2/group/${groupId}/add?user_ids=${carol.userId}`],
        [ada, "POST", `/v2/group/${groupId}/promote?user_ids=${bob.userId}`],
        [ada, "POST", `/v2/group/${groupId}/demote?user_ids=${bob.userId}`],
        [ada, "POST", `/v2/group/${groupId}/kick?user_ids=${carol.userId}`],
        [ada, "POST", `/v2/group/${groupId}/ban?user_ids=${carol.userId}`],
        [bob, "POST", `/v2/group/${groupId}/leave`],
        [ada, "PUT", `/v2/group/${groupId}`, { description: "d" }],
        [ada, "DELETE", `/v2/group/${groupId}`],
        [bob, "DELETE", "/v2/notification?ids=00000000-0000-4000-8000-000000000000"],
        [bob, "POST", "/v2/session/logout", { token: bob.token, refresh_token: bob.refreshToken }],
      ];
      for (const [user, method, path, body] of calls) {
        const res = await restText(srv, method, path, user.token, body);
        assert.deepEqual([res.status, res.text], [200, "{}"], `${method} ${path}`);
      }
    });

    test("the session token is a JWT signed with HS256", async () => {
      const ada = await authenticate(srv.url);
      const header = JSON.parse(
        Buffer.from(ada.token.split(".")[0] ?? "", "base64url").toString("utf8"),
      ) as Json;
      assert.equal(header.alg, "HS256");
      assert.equal(header.typ, "JWT");
    });

    test("an expired session token is refused with 401 before the upgrade", {
      ...bundledOnly(mode, "a token lifetime of one second"),
    }, async () => {
      const short = await startServer({ ...mode.options, tokenExpirySec: 1 });
      try {
        const ada = await authenticate(short.url);
        const exp = (
          JSON.parse(Buffer.from(ada.token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
            exp: number;
          }
        ).exp;
        assert.equal(await upgradeStatus(socketUrl(short.url, ada.token)), 101, "valid until it expires");
        // Wait for the clock to pass the expiry second; the check is exact, not a timing assertion.
        while (Date.now() / 1000 < exp) await new Promise((r) => setTimeout(r, 50));
        assert.equal(await upgradeStatus(socketUrl(short.url, ada.token)), 401);
      } finally {
        await short.close();
      }
    });

    test("group chat: the channel id is 3.GROUP_ID.., events of codes 3 to 9 name the affected user with content {} and are stored", async () => {
      const owner = await authenticate(srv.url);
      const [bob, carol, dave] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupId = await createGroup(srv, owner);
      const o = await openSocket(srv.url, owner);
      try {
        const channel = await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        assert.equal(channel.id, `3.${groupId}..`);
        const steps: [TestUser, string, TestUser[], number][] = [
          [owner, "add", [bob], 4],
          [carol, "join", [], 3],
          [owner, "promote", [bob], 7],
          [owner, "demote", [bob], 9],
          [carol, "leave", [], 5],
          [owner, "add", [dave], 4],
          [owner, "kick", [dave], 6],
          [owner, "ban", [bob], 8],
        ];
        const expected: [number, string, string][] = [];
        for (const [actor, op, targets, code] of steps) {
          const res = await groupOp(
            srv,
            actor,
            groupId,
            op,
            targets.map((t) => t.userId),
          );
          assert.equal(res.status, 200, `${op}: ${JSON.stringify(res.body)}`);
          const affected = targets[0] ?? actor;
          const push = await o.next(
            "channelMessage",
            (m) => m.code === code && m.senderId === affected.userId,
          );
          assert.equal(push.username, affected.username, `code ${code}`);
          assert.equal(push.content, "{}");
          assert.equal(push.persistent, true);
          expected.push([code, affected.userId, affected.username]);
        }
        const history = await rest(srv.url, "GET", `/v2/channel/${channel.id}?limit=100&forward=true`, {
          token: owner.token,
        });
        assert.equal(history.status, 200);
        const listed = history.body.messages as Json[];
        assert.deepEqual(
          listed.map((m) => [m.code, m.sender_id, m.username]),
          expected,
        );
        for (const m of listed) {
          assert.equal(m.content, "{}");
          assert.equal(m.persistent, true);
        }
      } finally {
        await o.close();
      }
    });

    test("group chat: a kicked member in the channel is removed from it; kicked, banned and departed users may neither join nor read history", async () => {
      const owner = await authenticate(srv.url);
      const [kicked, banned, departed] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupId = await createGroup(srv, owner);
      const channelId = `3.${groupId}..`;
      for (const u of [kicked, banned, departed])
        assert.equal((await groupOp(srv, u, groupId, "join")).status, 200);
      const o = await openSocket(srv.url, owner);
      const k = await openSocket(srv.url, kicked);
      try {
        await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await k.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await o.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === kicked.userId));
        const read = await rest(srv.url, "GET", `/v2/channel/${channelId}?limit=10`, { token: kicked.token });
        assert.equal(read.status, 200, "a member reads the history");

        assert.equal((await groupOp(srv, owner, groupId, "kick", [kicked.userId])).status, 200);
        const left = await o.next("channelPresenceEvent", (e) => e.leaves.length > 0);
        assert.deepEqual(
          left.leaves.map((p) => p.userId),
          [kicked.userId],
        );
        assert.equal((await groupOp(srv, owner, groupId, "ban", [banned.userId])).status, 200);
        assert.equal((await groupOp(srv, departed, groupId, "leave")).status, 200);

        const send = await k.request("channelMessageSend", { channelId, content: "{}" });
        assert.equal(send.kind, "error", "the kicked member is no longer in the channel");
        for (const user of [kicked, banned, departed]) {
          const s = user === kicked ? k : await openSocket(srv.url, user);
          const join = await s.request("channelJoin", { target: groupId, type: 3 });
          assert.equal(join.kind, "error", user.username);
          const { code, message } = join.body as { code: number; message: string };
          assert.deepEqual([code, message], [3, "Group not found: Invalid channel target"]);
          if (s !== k) await s.close();
          const history = await rest(srv.url, "GET", `/v2/channel/${channelId}?limit=10`, {
            token: user.token,
          });
          assert.deepEqual(
            [history.status, history.body.code, history.body.message],
            [400, 3, "Group not found."],
          );
        }
      } finally {
        await o.close();
        await k.close();
      }
    });

    test("a user with a join request is no member: the group channel and its history are refused", async () => {
      const owner = await authenticate(srv.url);
      const asker = await authenticate(srv.url);
      const made = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("closed"), open: false },
      });
      const groupId = made.body.id as string;
      assert.equal((await groupOp(srv, asker, groupId, "join")).status, 200);
      const members = await rest(srv.url, "GET", `/v2/group/${groupId}/user?state=3`, { token: owner.token });
      assert.equal((members.body.group_users as Json[] | undefined)?.length, 1, "a join request is pending");
      const s = await openSocket(srv.url, asker);
      try {
        const join = await s.request("channelJoin", { target: groupId, type: 3 });
        const { code, message } = join.body as { code: number; message: string };
        assert.deepEqual([join.kind, code, message], ["error", 3, "Group not found: Invalid channel target"]);
      } finally {
        await s.close();
      }
      const history = await rest(srv.url, "GET", `/v2/channel/3.${groupId}..?limit=10`, {
        token: asker.token,
      });
      assert.deepEqual(
        [history.status, history.body.code, history.body.message],
        [400, 3, "Group not found."],
      );
    });

    test("a join of type 0, or with no type at all in JSON, joins a room", async () => {
      const ada = await authenticate(srv.url);
      const s = await openSocket(srv.url, ada);
      const frames = rawFrames(s);
      try {
        const room = uniqueName("room");
        const zero = await s.call("channelJoin", { target: room, type: 0 }, "channel");
        assert.equal(zero.id, `2...${room}`);
        assert.equal(zero.roomName, room);
        const other = uniqueName("room");
        s.ws.send(JSON.stringify({ cid: "11", channel_join: { target: other } }));
        const reply = await frameWith(frames, "channel", (c) => c.room_name === other);
        assert.equal(reply.cid, "11");
        assert.equal((reply.channel as Json).id, `2...${other}`);
      } finally {
        await s.close();
      }
    });

    test("transport: format empty or json gives text frames, protobuf binary ones, any other spelling 400; no token or a refresh token 401", async () => {
      const ada = await authenticate(srv.url);
      const url = socketUrl(srv.url, ada.token);
      for (const format of ["JSON", "Protobuf", "proto"]) {
        assert.equal(await upgradeStatus(`${url}&format=${format}`), 400, format);
      }
      assert.equal(await upgradeStatus(url.replace(/token=[^&]*&?/, "")), 401);
      assert.equal(
        await upgradeStatus(socketUrl(srv.url, ada.refreshToken)),
        401,
        "a refresh token is no session token",
      );
      for (const [format, binary] of [
        ["", false],
        ["json", false],
        ["protobuf", true],
      ] as const) {
        const ws = new WebSocket(`${url}&format=${format}`);
        await new Promise((resolve, reject) => {
          ws.once("open", resolve);
          ws.once("error", reject);
        });
        const frame = new Promise<boolean>((resolve) =>
          ws.once("message", (_data, isBinary) => resolve(isBinary)),
        );
        // An empty ping: field 32, length 0, in protobuf; the same in JSON.
        ws.send(binary ? Uint8Array.from([0x82, 0x02, 0x00]) : JSON.stringify({ cid: "1", ping: {} }));
        assert.equal(await frame, binary, `format=${format}`);
        ws.close();
      }
    });

    test("an error frame holds code and message; stock mode leaves the empty context out", async () => {
      const ada = await authenticate(srv.url);
      const s = await openSocket(srv.url, ada);
      const frames = rawFrames(s);
      try {
        s.ws.send(JSON.stringify({ cid: "12", channel_join: { target: "x", type: 9 } }));
        const reply = await frameWith(frames, "error");
        assert.equal(reply.cid, "12");
        const error = reply.error as Json;
        assert.deepEqual([error.code, error.message], [3, "Invalid channel type"]);
        if (mode.name === "nakama") assert.deepEqual(Object.keys(error).sort(), ["code", "message"]);
      } finally {
        await s.close();
      }
    });

    test("a hidden member's leave and disconnect cause no events", async () => {
      const room = uniqueName("room");
      const ada = await authenticate(srv.url);
      const carol = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada);
      try {
        const channel = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        const c = await openSocket(srv.url, carol);
        await c.call("channelJoin", { target: room, type: 1, hidden: true }, "channel");
        await c.callEmpty("channelLeave", { channelId: channel.id });
        await c.call("channelJoin", { target: room, type: 1, hidden: true }, "channel");
        await c.close();
        // A visible member joining afterwards: its event comes after anything about carol.
        const bob = await authenticate(srv.url);
        const b = await openSocket(srv.url, bob);
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        await a.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === bob.userId));
        await a.assertNoPush(
          "channelPresenceEvent",
          (e: { joins: { userId: string }[]; leaves: { userId: string }[] }) =>
            [...e.joins, ...e.leaves].some((p) => p.userId === carol.userId),
        );
        await b.close();
      } finally {
        await a.close();
      }
    });

    test("a direct chat invitation is persistent and pushed to the other user, and none is sent while that user is in the chat", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada);
      const b = await openSocket(srv.url, bob);
      try {
        const dm = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        const pushed = await b.next("notifications");
        const invite = pushed.notifications[0];
        assert.equal(invite?.code, -1);
        assert.equal(invite?.persistent, true);
        assert.equal(invite?.senderId, ada.userId);
        const listed = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
        const stored = (listed.body.notifications as Json[])[0] ?? {};
        assert.equal(stored.id, invite?.id);
        assert.equal(stored.persistent, true);
        assert.equal(
          (await rest(srv.url, "DELETE", `/v2/notification?ids=${invite?.id}`, { token: bob.token })).status,
          200,
        );

        await b.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        await a.callEmpty("channelLeave", { channelId: dm.id });
        await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        await b.assertNoPush("notifications");
        const after = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
        assert.equal(after.body.notifications, undefined, JSON.stringify(after.body));
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("status lives per session, a user sees their own changes, and follows end with the session", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const first = await openSocket(srv.url, ada, undefined, { status: true });
      const second = await openSocket(srv.url, ada, undefined, { status: true });
      const b = await openSocket(srv.url, bob);
      try {
        await first.callEmpty("statusUpdate", { status: "one" });
        const own = await first.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "one"));
        assert.equal(own.joins[0]?.userId, ada.userId, "the user receives their own change");
        await second.callEmpty("statusUpdate", { status: "two" });
        await first.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "two"));
        const followed = await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(followed.presences.map((p) => p.status).sort(), ["one", "two"]);
        assert.notEqual(followed.presences[0]?.sessionId, followed.presences[1]?.sessionId);

        await b.close();
        const again = await openSocket(srv.url, bob);
        try {
          await first.callEmpty("statusUpdate", { status: "three" });
          await second.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "three"));
          await again.assertNoPush("statusPresenceEvent");
        } finally {
          await again.close();
        }
      } finally {
        await first.close();
        await second.close();
      }
    });

    test("a group name filter: leading % and spaces stripped, _ one character, case-insensitive, exact without wildcards", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("Crew");
      for (const name of [`${stem}Alpha`, `${stem}beta`, `x${stem}`]) await createGroup(srv, ada, name);
      const list = async (filter: string) => {
        const res = await rest(srv.url, "GET", `/v2/group?limit=100&name=${encodeURIComponent(filter)}`, {
          token: ada.token,
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return ((res.body.groups as { name: string }[] | undefined) ?? []).map((g) => g.name).sort();
      };
      const starting = [`${stem}Alpha`, `${stem}beta`].sort();
      assert.deepEqual(await list(`%${stem.toLowerCase()}%`), starting);
      assert.deepEqual(await list(` % ${stem.toUpperCase()}%`), starting);
      assert.deepEqual(await list(`${stem}%`), starting);
      assert.deepEqual(await list(`${stem.toLowerCase()}alph_`), [`${stem}Alpha`]);
      assert.deepEqual(await list(`${stem.toLowerCase()}BETA`), [`${stem}beta`]);
      assert.deepEqual(await list(stem), []);
    });

    test("demoting a member at the lowest rank changes nothing", async () => {
      const owner = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const groupId = await createGroup(srv, owner);
      assert.equal((await groupOp(srv, bob, groupId, "join")).status, 200);
      assert.equal((await groupOp(srv, owner, groupId, "demote", [bob.userId])).status, 200);
      const members = await rest(srv.url, "GET", `/v2/group/${groupId}/user`, { token: owner.token });
      const states = (members.body.group_users as { user: { id: string }; state: number }[]).map((g) => [
        g.user.id,
        g.state,
      ]);
      assert.deepEqual(states, [
        [owner.userId, 0],
        [bob.userId, 2],
      ]);
    });
  });
}

describe("herald's own limits and fields (herald server)", () => {
  const srv = serverForSuite();

  test("a frame of 64 KiB is read; one byte more closes the socket with 1009", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    const frame = statusFrame(65536);
    assert.equal(Buffer.byteLength(frame), 65536);
    s.ws.send(frame);
    const reply = await s.next("error");
    assert.equal(reply.code, 3, "read and judged on its status, not closed");
    await s.call("ping", {}, "pong");
    s.ws.send(statusFrame(65537));
    assert.equal((await s.closed).code, 1009);
  });

  test("GET /v2/account reports the user's last_active once connected", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    try {
      const account = await waitFor(
        async () => {
          const res = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
          return (res.body.user as Json).last_active === undefined ? undefined : res.body;
        },
        { what: "last_active stored", timeoutMs: 10_000, intervalMs: 20 },
      );
      assert.match(String((account.user as Json).last_active), /^\d{4}-\d\d-\d\dT.*Z$/);
    } finally {
      await s.close();
    }
  });

  test("chat content of 4096 bytes is taken; one byte more is refused", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    try {
      const channel = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const content = (bytes: number) => JSON.stringify({ t: "é".repeat((bytes - 8) / 2) });
      assert.equal(Buffer.byteLength(content(4096)), 4096);
      await s.call(
        "channelMessageSend",
        { channelId: channel.id, content: content(4096) },
        "channelMessageAck",
      );
      const over = JSON.stringify({ t: `${"é".repeat(2044)}x` });
      assert.equal(Buffer.byteLength(over), 4097);
      const refused = await s.request("channelMessageSend", { channelId: channel.id, content: over });
      assert.equal(refused.kind, "error");
      assert.equal((refused.body as { code: number }).code, 3);
    } finally {
      await s.close();
    }
  });
});

describe("stock mode's frame limit and silent closes (nakama server)", () => {
  const srv = serverForSuite(stockMode.options);

  /** Sends `frame` and asserts the server closed the socket with 1005, sending no error first. */
  async function closesSilently(frame: Uint8Array): Promise<void> {
    const s = await openSocket(srv.url, await authenticate(srv.url), protobufCodec);
    s.sendFrame(frame);
    assert.equal((await s.closed).code, 1005);
    assert.deepEqual(
      s.received.filter((e) => e.kind === "error"),
      [],
    );
  }

  test("an envelope with no message at all closes the socket with 1005 and no error frame", async () => {
    // Field 1 (cid), length 1, "7": a cid and nothing else.
    await closesSilently(Uint8Array.from([0x0a, 0x01, 0x37]));
  });

  test("bytes that are no envelope close the socket with 1005 and no error frame", async () => {
    await closesSilently(Uint8Array.from([0x0a, 0x05, 0x37]));
  });

  test("a frame of exactly 4096 bytes is read; one byte more closes the socket with 1009", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url));
    const frame = statusFrame(4096);
    assert.equal(Buffer.byteLength(frame), 4096);
    s.ws.send(frame);
    const reply = await s.next("error");
    assert.equal(reply.code, 3, "read and judged on its status, not closed");
    await s.call("ping", {}, "pong");
    s.ws.send(statusFrame(4097));
    assert.equal((await s.closed).code, 1009);
  });
});
