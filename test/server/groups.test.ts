import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  type TestServer,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";

async function createGroup(srv: TestServer, owner: TestUser, open = true): Promise<string> {
  const res = await rest(srv.url, "POST", "/v2/group", {
    token: owner.token,
    body: { name: uniqueName("group"), open },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

async function groupOp(
  srv: TestServer,
  actor: TestUser,
  groupId: string,
  op: string,
  userIds: string[] = [],
) {
  const qs = userIds.map((id) => `user_ids=${id}`).join("&");
  return rest(srv.url, "POST", `/v2/group/${groupId}/${op}${qs ? `?${qs}` : ""}`, { token: actor.token });
}

describe("group chat", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("a non-member cannot join a group channel: stock's code 3 and words, the precise code beside them", async () => {
        const owner = await authenticate(srv.url);
        const stranger = await authenticate(srv.url);
        const groupId = await createGroup(srv, owner);
        const s = await openSocket(srv.url, stranger, codec);
        const reply = await s.request("channelJoin", { target: groupId, type: 3 });
        assert.equal(reply.kind, "error");
        assert.deepEqual(reply.body, {
          code: 3,
          message: "Group not found: Invalid channel target",
          context: { herald_code: "permission_denied" },
        });
        const missing = await s.request("channelJoin", {
          target: "00000000-0000-4000-8000-000000000000",
          type: 3,
        });
        assert.deepEqual(missing.body, {
          code: 3,
          message: "Group not found: Invalid channel target",
          context: { herald_code: "not_found" },
        });
        await s.call("ping", {}, "pong");
        await s.close();
      });

      test("membership changes write event messages naming the affected user, pushed and stored", async () => {
        const owner = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const carol = await authenticate(srv.url);
        const groupId = await createGroup(srv, owner);
        const o = await openSocket(srv.url, owner, codec);
        const ch = await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        assert.equal(ch.id, `3.${groupId}..`);
        assert.equal(ch.groupId, groupId);

        assert.equal((await groupOp(srv, owner, groupId, "add", [bob.userId])).status, 200);
        const added = await o.next("channelMessage", (m) => m.code === 4);
        assert.equal(added.senderId, bob.userId);
        assert.equal(added.username, bob.username);
        assert.equal(added.content, "{}");
        assert.equal(added.persistent, true);

        assert.equal((await groupOp(srv, carol, groupId, "join")).status, 200);
        assert.equal((await o.next("channelMessage", (m) => m.code === 3)).senderId, carol.userId);
        assert.equal((await groupOp(srv, owner, groupId, "promote", [bob.userId])).status, 200);
        assert.equal((await o.next("channelMessage", (m) => m.code === 7)).senderId, bob.userId);
        assert.equal((await groupOp(srv, owner, groupId, "demote", [bob.userId])).status, 200);
        assert.equal((await o.next("channelMessage", (m) => m.code === 9)).senderId, bob.userId);
        assert.equal((await groupOp(srv, carol, groupId, "leave")).status, 200);
        assert.equal((await o.next("channelMessage", (m) => m.code === 5)).senderId, carol.userId);
        assert.equal((await groupOp(srv, owner, groupId, "ban", [bob.userId])).status, 200);
        assert.equal((await o.next("channelMessage", (m) => m.code === 8)).senderId, bob.userId);

        const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=100&forward=true`, {
          token: owner.token,
        });
        assert.equal(history.status, 200);
        const codes = (history.body.messages as { code: number }[]).map((m) => m.code);
        assert.deepEqual(codes, [4, 3, 7, 9, 5, 8]);
        await o.close();
      });

      test("a kicked member is removed from the channel and can no longer join or read history", async () => {
        const owner = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const groupId = await createGroup(srv, owner);
        await groupOp(srv, owner, groupId, "add", [bob.userId]);
        const o = await openSocket(srv.url, owner, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await b.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await o.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === bob.userId));
        const before = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: bob.token });
        assert.equal(before.status, 200);

        assert.equal((await groupOp(srv, owner, groupId, "kick", [bob.userId])).status, 200);
        const left = await o.next("channelPresenceEvent", (e) => e.leaves.length > 0);
        assert.equal(left.leaves[0]?.userId, bob.userId);
        const kicked = await o.next("channelMessage", (m) => m.code === 6);
        assert.equal(kicked.senderId, bob.userId);

        const send = await b.request("channelMessageSend", { channelId: ch.id, content: '{"x":1}' });
        assert.equal(send.kind, "error");
        const rejoin = await b.request("channelJoin", { target: groupId, type: 3 });
        assert.deepEqual(rejoin.body, {
          code: 3,
          message: "Group not found: Invalid channel target",
          context: { herald_code: "permission_denied" },
        });
        const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: bob.token });
        assert.equal(history.status, 400, "HTTP 400 with code 3, as stock answers");
        assert.deepEqual(history.body, {
          code: 3,
          message: "Group not found.",
          herald_code: "permission_denied",
        });
        await o.close();
        await b.close();
      });
    });
  }

  test("banned users are listed to the group's admins only", async () => {
    const owner = await authenticate(srv.url);
    const member = await authenticate(srv.url);
    const stranger = await authenticate(srv.url);
    const banned = await authenticate(srv.url);
    const groupId = await createGroup(srv, owner);
    assert.equal((await groupOp(srv, member, groupId, "join")).status, 200);
    assert.equal((await groupOp(srv, banned, groupId, "join")).status, 200);
    assert.equal((await groupOp(srv, owner, groupId, "ban", [banned.userId])).status, 200);
    const list = async (viewer: TestUser, query: string) => {
      const res = await rest(srv.url, "GET", `/v2/group/${groupId}/user${query}`, { token: viewer.token });
      assert.equal(res.status, 200);
      return ((res.body.group_users as { user: { id: string } }[] | undefined) ?? []).map((g) => g.user.id);
    };
    assert.deepEqual(await list(owner, "?state=4"), [banned.userId]);
    assert.deepEqual(await list(member, "?state=4"), []);
    assert.deepEqual(await list(stranger, "?state=4"), []);
    assert.ok(!(await list(stranger, "")).includes(banned.userId));
  });

  test("group routes list members with roles and a user's groups", async () => {
    const owner = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const groupId = await createGroup(srv, owner, false);
    assert.equal((await groupOp(srv, bob, groupId, "join")).status, 200);
    let members = await rest(srv.url, "GET", `/v2/group/${groupId}/user`, { token: owner.token });
    const states = (members.body.group_users as { user: { id: string }; state: number }[]).map((g) => [
      g.user.id,
      g.state,
    ]);
    assert.deepEqual(states, [
      [owner.userId, 0],
      [bob.userId, 3],
    ]);
    assert.equal((await groupOp(srv, owner, groupId, "add", [bob.userId])).status, 200);
    members = await rest(srv.url, "GET", `/v2/group/${groupId}/user?state=2`, { token: owner.token });
    assert.equal((members.body.group_users as unknown[]).length, 1);
    const mine = await rest(srv.url, "GET", `/v2/user/${bob.userId}/group`, { token: bob.token });
    assert.equal((mine.body.user_groups as { group: { id: string } }[])[0]?.group.id, groupId);
    // Stock's numbers and words for a caller who may not; herald's meaning beside them.
    const denied = await groupOp(srv, bob, groupId, "kick", [owner.userId]);
    assert.equal(denied.status, 404);
    assert.deepEqual(denied.body, {
      code: 5,
      message: "Group not found or permission denied.",
      herald_code: "permission_denied",
    });
    const dup = await rest(srv.url, "POST", "/v2/group", { token: owner.token, body: { name: "" } });
    assert.equal(dup.status, 400);
  });

  test("groups are listed by a name pattern (name%), a page at a time", async () => {
    const owner = await authenticate(srv.url);
    const prefix = uniqueName("club");
    for (const suffix of ["a", "b", "c"]) {
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: `${prefix}-${suffix}` },
      });
      assert.equal(res.status, 200);
    }
    const first = await rest(srv.url, "GET", `/v2/group?name=${prefix}%25&limit=2`, { token: owner.token });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      (first.body.groups as { name: string }[]).map((g) => g.name),
      [`${prefix}-a`, `${prefix}-b`],
    );
    const second = await rest(
      srv.url,
      "GET",
      `/v2/group?name=${prefix}%25&limit=2&cursor=${first.body.cursor}`,
      {
        token: owner.token,
      },
    );
    assert.deepEqual(
      (second.body.groups as { name: string }[]).map((g) => g.name),
      [`${prefix}-c`],
    );
    assert.equal(second.body.cursor, undefined);
  });
});
