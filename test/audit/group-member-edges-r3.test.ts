// Two member operations as stock Nakama 3.26 answers them, in both server modes: a group's member
// listing for a UUID of no group is an empty list (herald answered 404 "Group not found."), after
// the same checks of the limit, state and cursor as for a group; and a promotion skips a join
// request (herald made it a member, bound by the group's size, and wrote a promotion): a join
// request is accepted by adding the user.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import {
  authenticate,
  readUntil,
  rest,
  serverForSuite,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`group member edges, round 3 (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const get = (user: TestUser, path: string) => rest(srv.url, "GET", path, { token: user.token });

    function post(user: TestUser, path: string, userIds: string[] = []) {
      const qs = userIds.map((id) => `user_ids=${id}`).join("&");
      return rest(srv.url, "POST", `/v2/group/${path}${qs ? `?${qs}` : ""}`, { token: user.token });
    }

    async function ok(user: TestUser, path: string, userIds: string[] = []) {
      const res = await post(user, path, userIds);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }

    async function createGroup(owner: TestUser, fields: Record<string, unknown>): Promise<string> {
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("edge"), ...fields },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    }

    async function stateOf(owner: TestUser, groupId: string, userId: string): Promise<number | undefined> {
      const res = await get(owner, `/v2/group/${groupId}/user?limit=100`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const row = (res.body.group_users as { user: { id: string }; state?: number }[]).find(
        (g) => g.user.id === userId,
      );
      return row === undefined ? undefined : (row.state ?? 0);
    }

    /**
     * The group's channel events as [code, sender id], read once `stored` of them are there (or
     * after a while): a membership change answers before its event message is stored.
     */
    async function eventCodes(owner: TestUser, groupId: string, stored: number): Promise<[number, string][]> {
      return readUntil(
        async () => {
          const res = await get(owner, `/v2/channel/3.${groupId}..?limit=100&forward=true`);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return ((res.body.messages ?? []) as { code?: number; sender_id: string }[])
            .filter((m) => (m.code ?? 0) >= 3)
            .map((m): [number, string] => [m.code ?? 0, m.sender_id]);
        },
        (events) => events.length >= stored,
      );
    }

    test("the members of a UUID that names no group are an empty list", async () => {
      const ada = await authenticate(srv.url);
      const nowhere = randomUUID();
      for (const id of [nowhere, nowhere.toUpperCase(), `{${nowhere}}`]) {
        for (const query of ["limit=10", "limit=10&state=2", "limit=10&state=4", ""]) {
          const res = await get(ada, `/v2/group/${encodeURIComponent(id)}/user${query ? `?${query}` : ""}`);
          assert.equal(res.status, 200, `${id}?${query}: ${JSON.stringify(res.body)}`);
          assert.deepEqual(res.body.group_users ?? [], [], query);
          assert.equal(res.body.cursor ?? "", "", query);
        }
      }

      // A deleted group lists as empty too.
      const gid = await createGroup(ada, { open: true });
      const deleted = await rest(srv.url, "DELETE", `/v2/group/${gid}`, { token: ada.token });
      assert.equal(deleted.status, 200);
      const after = await get(ada, `/v2/group/${gid}/user?limit=10`);
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.deepEqual(after.body.group_users ?? [], []);
    });

    test("the members of no group are checked as a group's are: id, limit, state, cursor", async () => {
      const ada = await authenticate(srv.url);
      const nowhere = randomUUID();
      for (const [query, message] of [
        ["limit=0", "Invalid limit - limit must be between 1 and 100."],
        ["limit=101&state=9", "Invalid limit - limit must be between 1 and 100."],
        ["limit=10&state=5", "Invalid state - state must be between 0 and 4."],
      ] as const) {
        const res = await get(ada, `/v2/group/${nowhere}/user?${query}`);
        assert.deepEqual([res.status, res.body.code, res.body.message], [400, 3, message], query);
      }
      const cursor = await get(ada, `/v2/group/${nowhere}/user?limit=10&cursor=not-a-cursor`);
      assert.deepEqual([cursor.status, cursor.body.code], [400, 3]);
      const notUuid = await get(ada, "/v2/group/not-a-group/user?limit=0");
      assert.deepEqual([notUuid.status, notUuid.body.message], [400, "Group ID must be a valid ID."]);
    });

    test("promoting a join request skips it, full group or not; adding the user accepts it", async () => {
      const owner = await authenticate(srv.url);
      const [member, asker] = [await authenticate(srv.url), await authenticate(srv.url)];
      const gid = await createGroup(owner, { open: false, max_count: 2 });
      await ok(asker, `${gid}/join`);
      await ok(owner, `${gid}/add`, [member.userId]);

      // The group is full (2 of 2): the promotion still answers 200 and changes nothing.
      await ok(owner, `${gid}/promote`, [asker.userId]);
      assert.equal(await stateOf(owner, gid, asker.userId), 3, "still a join request");

      // With room again, still nothing: a promotion does not accept a join request.
      await ok(owner, `${gid}/kick`, [member.userId]);
      await ok(owner, `${gid}/promote`, [asker.userId, member.userId]);
      assert.equal(await stateOf(owner, gid, asker.userId), 3, "still a join request");
      assert.deepEqual(await eventCodes(owner, gid, 2), [
        [4, member.userId],
        [6, member.userId],
      ]);

      // Adding the user accepts the request: a member, written as an add (4).
      await ok(owner, `${gid}/add`, [asker.userId]);
      assert.equal(await stateOf(owner, gid, asker.userId), 2);
      assert.deepEqual((await eventCodes(owner, gid, 3)).slice(-1), [[4, asker.userId]]);
      const [listed] = (await get(owner, `/v2/user/${owner.userId}/group?limit=10`)).body.user_groups as {
        group: { edge_count?: number };
      }[];
      assert.equal(listed?.group.edge_count, 2);

      // A member is still promoted, by one rank.
      await ok(owner, `${gid}/promote`, [asker.userId]);
      assert.equal(await stateOf(owner, gid, asker.userId), 1);
    });
  });
}
