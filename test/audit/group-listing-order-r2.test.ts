// A group's members and a user's groups as stock Nakama lists them, in both server modes: by
// state (superadmins first, join requests last) and then in the order the users came, a role
// change keeping a user's place; the request checked as stock checks it, the limit before the
// state and both before the cursor; and a user id that is not a UUID refused in stock's words.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestUser, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`group listings' order and checks (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const call = (u: TestUser, method: string, path: string, body?: unknown) =>
      rest(srv.url, method, path, body === undefined ? { token: u.token } : { token: u.token, body });

    async function createGroup(owner: TestUser, open: boolean): Promise<string> {
      const res = await call(owner, "POST", "/v2/group", { name: uniqueName("club"), open });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    }

    test("a group's members are listed by state, then in the order they came", async () => {
      const owner = await authenticate(srv.url);
      const [m1, m2, m3, asker] = await Promise.all([1, 2, 3, 4].map(() => authenticate(srv.url)));
      assert.ok(m1 && m2 && m3 && asker);
      const gid = await createGroup(owner, false);
      const added = await call(
        owner,
        "POST",
        `/v2/group/${gid}/add?user_ids=${m1.userId}&user_ids=${m2.userId}&user_ids=${m3.userId}`,
      );
      assert.equal(added.status, 200);
      assert.equal((await call(asker, "POST", `/v2/group/${gid}/join`)).status, 200);
      // The last member to come is made an admin: listed before the members, after the superadmin.
      assert.equal((await call(owner, "POST", `/v2/group/${gid}/promote?user_ids=${m3.userId}`)).status, 200);

      const listed = await call(owner, "GET", `/v2/group/${gid}/user?limit=100`);
      assert.equal(listed.status, 200);
      const rows = (listed.body.group_users as { user: { id: string }; state?: number }[]).map(
        (g) => [g.user.id, g.state ?? 0] as const,
      );
      assert.deepEqual(rows, [
        [owner.userId, 0],
        [m3.userId, 1],
        [m1.userId, 2],
        [m2.userId, 2],
        [asker.userId, 3],
      ]);

      // Page by page: the same order, no repeat, no gap.
      const seen: string[] = [];
      let cursor = "";
      for (let page = 0; page < 5; page += 1) {
        const q = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await call(owner, "GET", `/v2/group/${gid}/user?${q}`);
        assert.equal(res.status, 200);
        seen.push(...(res.body.group_users as { user: { id: string } }[]).map((g) => g.user.id));
        cursor = (res.body.cursor as string | undefined) ?? "";
        if (cursor === "") break;
      }
      assert.deepEqual(
        seen,
        rows.map(([id]) => id),
      );
    });

    test("a user's groups are listed by the user's state in each, then in the order joined", async () => {
      const ada = await authenticate(srv.url);
      const other = await authenticate(srv.url);
      const first = await createGroup(other, true);
      const closed = await createGroup(other, false);
      const own = await createGroup(ada, true);
      const last = await createGroup(other, true);
      assert.equal((await call(ada, "POST", `/v2/group/${first}/join`)).status, 200);
      assert.equal((await call(ada, "POST", `/v2/group/${closed}/join`)).status, 200);
      assert.equal((await call(ada, "POST", `/v2/group/${last}/join`)).status, 200);
      assert.equal(
        (await call(other, "POST", `/v2/group/${last}/promote?user_ids=${ada.userId}`)).status,
        200,
      );

      const res = await call(ada, "GET", `/v2/user/${ada.userId}/group?limit=100`);
      assert.equal(res.status, 200);
      const rows = (res.body.user_groups as { group: { id: string }; state?: number }[]).map(
        (g) => [g.group.id, g.state ?? 0] as const,
      );
      assert.deepEqual(rows, [
        [own, 0],
        [last, 1],
        [first, 2],
        [closed, 3],
      ]);
    });

    test("the limit is checked before the state, both before the cursor; a user id in stock's words", async () => {
      const ada = await authenticate(srv.url);
      const gid = await createGroup(ada, true);
      const refused = async (path: string, message: string) => {
        const res = await call(ada, "GET", path);
        assert.deepEqual([res.status, res.body.code, res.body.message], [400, 3, message], path);
      };
      const limitWords = "Invalid limit - limit must be between 1 and 100.";
      const stateWords = "Invalid state - state must be between 0 and 4.";
      for (const base of [`/v2/group/${gid}/user`, `/v2/user/${ada.userId}/group`]) {
        await refused(`${base}?limit=0&state=9`, limitWords);
        await refused(`${base}?limit=101&state=5&cursor=bad`, limitWords);
        await refused(`${base}?state=5&cursor=bad`, stateWords);
      }
      // Stock's words for a user id that is not a UUID name the group id.
      await refused("/v2/user/not-a-uuid/group?limit=10", "Group ID must be a valid ID.");
    });
  });
}
