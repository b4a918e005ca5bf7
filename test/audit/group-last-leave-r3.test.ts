// The last member leaving a group deletes it, as stock Nakama does since 3.25 ("Leaving a group is
// now treated as a deletion when done by the last member"), in both server modes: join requests
// and bans do not count as members, and the group's channel closes with it. herald refused the
// leave with "Cannot leave group when you are the last superadmin."; that refusal stays for a
// last superadmin whose group still has members.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  openSocket,
  rest,
  serverForSuite,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`the last member leaving a group (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    function post(user: TestUser, path: string, userIds: string[] = []) {
      const qs = userIds.map((id) => `user_ids=${id}`).join("&");
      return rest(srv.url, "POST", `/v2/group/${path}${qs ? `?${qs}` : ""}`, { token: user.token });
    }

    async function ok(user: TestUser, path: string, userIds: string[] = []) {
      const res = await post(user, path, userIds);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }

    async function createGroup(owner: TestUser, open: boolean): Promise<string> {
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("last"), open },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    }

    async function groupsOf(user: TestUser): Promise<string[]> {
      const res = await rest(srv.url, "GET", `/v2/user/${user.userId}/group?limit=100`, {
        token: user.token,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return ((res.body.user_groups ?? []) as { group: { id: string } }[]).map((g) => g.group.id);
    }

    test("the only member leaving deletes the group, join requests and bans left behind", async () => {
      const owner = await authenticate(srv.url);
      const [asker, banned] = [await authenticate(srv.url), await authenticate(srv.url)];
      const gid = await createGroup(owner, false);
      await ok(asker, `${gid}/join`);
      await ok(banned, `${gid}/join`);
      await ok(owner, `${gid}/ban`, [banned.userId]);
      const s = await openSocket(srv.url, owner);
      await s.call("channelJoin", { target: gid, type: 3 }, "channel");

      await ok(owner, `${gid}/leave`);

      const join = await post(asker, `${gid}/join`);
      assert.deepEqual([join.status, join.body.message], [404, "Group not found."]);
      assert.deepEqual(await groupsOf(owner), []);
      assert.deepEqual(await groupsOf(asker), []);
      const members = await rest(srv.url, "GET", `/v2/group/${gid}/user?limit=100&state=3`, {
        token: owner.token,
      });
      assert.deepEqual(members.body.group_users ?? [], []);
      const send = await s.request("channelMessageSend", { channelId: `3.${gid}..`, content: "{}" });
      assert.equal(send.kind, "error", "the deleted group's channel is closed");
      await s.close();
    });

    test("the last superadmin of a group with a member is refused, and nothing changes", async () => {
      const owner = await authenticate(srv.url);
      const member = await authenticate(srv.url);
      const gid = await createGroup(owner, true);
      await ok(member, `${gid}/join`);
      const res = await post(owner, `${gid}/leave`);
      assert.deepEqual(
        [res.status, res.body.code, res.body.message],
        [400, 3, "Cannot leave group when you are the last superadmin."],
      );
      assert.deepEqual(await groupsOf(owner), [gid]);

      // Once the member has gone, the owner is the last member and leaving deletes the group.
      await ok(member, `${gid}/leave`);
      await ok(owner, `${gid}/leave`);
      const join = await post(member, `${gid}/join`);
      assert.deepEqual([join.status, join.body.message], [404, "Group not found."]);
    });
  });
}
