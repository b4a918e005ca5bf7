// Group routes read group and user ids in every spelling stock Nakama's UUID parser reads (upper
// case, braces, 32 hex digits, `urn:uuid:`), in both server modes: each operation acts under any
// spelling exactly as under the canonical one, and answers and stores the canonical form. herald
// read only the canonical spelling there (any other was "Group ID must be a valid ID." or "User ID
// must be a valid ID.").

import assert from "node:assert/strict";
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

const upper = (id: string) => id.toUpperCase();
const braces = (id: string) => `{${id}}`;
const hex32 = (id: string) => id.replaceAll("-", "");
const urn = (id: string) => `urn:uuid:${id}`;

/** The spellings every operation is tried with: the two the audit names, and stock's others. */
const spellings = [
  { name: "upper case", spell: upper },
  { name: "braces", spell: braces },
  { name: "32 hex digits", spell: (id: string) => upper(hex32(id)) },
  { name: "urn:uuid:", spell: urn },
] as const;

for (const mode of serverModes) {
  describe(`group ids in any spelling (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    function post(user: TestUser, groupId: string, action: string, userIds: string[] = []) {
      const qs = userIds.map((id) => `user_ids=${encodeURIComponent(id)}`).join("&");
      const path = `/v2/group/${encodeURIComponent(groupId)}/${action}${qs ? `?${qs}` : ""}`;
      return rest(srv.url, "POST", path, { token: user.token });
    }

    async function ok(user: TestUser, groupId: string, action: string, userIds: string[] = []) {
      const res = await post(user, groupId, action, userIds);
      assert.equal(res.status, 200, `${action} ${groupId}: ${JSON.stringify(res.body)}`);
    }

    async function createGroup(owner: TestUser, open: boolean): Promise<string> {
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("spell"), open },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    }

    /** The group's members (bans included) by canonical user id, listed under `groupId`'s spelling. */
    async function states(owner: TestUser, groupId: string): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const state of [0, 1, 2, 3, 4]) {
        const res = await rest(
          srv.url,
          "GET",
          `/v2/group/${encodeURIComponent(groupId)}/user?limit=100&state=${state}`,
          { token: owner.token },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        for (const gu of (res.body.group_users ?? []) as { user: { id: string } }[])
          out.set(gu.user.id, state);
      }
      return out;
    }

    /**
     * The group's channel events (codes 3 to 9) as [code, sender id], read once `stored` of them
     * are there (or after a while): a membership change answers before its event message is stored.
     */
    async function events(owner: TestUser, groupId: string, stored: number): Promise<[number, string][]> {
      return readUntil(
        async () => {
          const res = await rest(srv.url, "GET", `/v2/channel/3.${groupId}..?limit=100&forward=true`, {
            token: owner.token,
          });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return ((res.body.messages ?? []) as { code?: number; sender_id: string }[])
            .filter((m) => (m.code ?? 0) >= 3)
            .map((m): [number, string] => [m.code ?? 0, m.sender_id]);
        },
        (found) => found.length >= stored,
      );
    }

    for (const { name, spell } of spellings) {
      test(`add, promote, demote, kick and ban act under the ${name} spelling as under the canonical one`, async () => {
        const owner = await authenticate(srv.url);
        const [a, b, c] = [
          await authenticate(srv.url),
          await authenticate(srv.url),
          await authenticate(srv.url),
        ];
        const gid = await createGroup(owner, false);
        const g = spell(gid);

        await ok(owner, g, "add", [spell(a.userId), spell(b.userId), spell(c.userId)]);
        await ok(owner, g, "promote", [spell(a.userId)]);
        await ok(owner, g, "promote", [spell(b.userId)]);
        await ok(owner, g, "demote", [spell(b.userId)]);
        await ok(owner, g, "kick", [spell(c.userId)]);
        await ok(owner, g, "ban", [spell(b.userId)]);

        // Stored and listed canonically, under any spelling of the group.
        const expected = new Map([
          [owner.userId, 0],
          [a.userId, 1],
          [b.userId, 4],
        ]);
        assert.deepEqual(await states(owner, g), expected);
        assert.deepEqual(await states(owner, gid), expected);
        assert.deepEqual(await events(owner, gid, 8), [
          [4, a.userId],
          [4, b.userId],
          [4, c.userId],
          [7, a.userId],
          [7, b.userId],
          [9, b.userId],
          [6, c.userId],
          [8, b.userId],
        ]);

        // The added users were told the group's canonical id.
        const note = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: a.token });
        const added = (note.body.notifications as { code: number; content: string }[]).find(
          (n) => n.code === -4,
        );
        assert.equal((JSON.parse(added?.content ?? "{}") as { group_id?: string }).group_id, gid);

        // A user's groups under any spelling of the user's id.
        const mine = await rest(
          srv.url,
          "GET",
          `/v2/user/${encodeURIComponent(spell(a.userId))}/group?limit=10`,
          {
            token: a.token,
          },
        );
        assert.equal(mine.status, 200, JSON.stringify(mine.body));
        assert.deepEqual(
          (mine.body.user_groups as { group: { id: string }; state?: number }[]).map((ug) => [
            ug.group.id,
            ug.state,
          ]),
          [[gid, 1]],
        );
      });

      test(`join, leave, update and delete act under the ${name} spelling as under the canonical one`, async () => {
        const owner = await authenticate(srv.url);
        const [joiner, asker] = [await authenticate(srv.url), await authenticate(srv.url)];
        const open = await createGroup(owner, true);
        const closed = await createGroup(owner, false);

        await ok(joiner, spell(open), "join");
        await ok(asker, spell(closed), "join");
        assert.equal((await states(owner, open)).get(joiner.userId), 2);
        assert.equal((await states(owner, closed)).get(asker.userId), 3);
        // A second join under another spelling finds the place already taken: nothing changes.
        await ok(joiner, upper(braces(open)), "join");
        await ok(joiner, spell(open), "leave");
        assert.equal((await states(owner, open)).has(joiner.userId), false);
        assert.deepEqual(await events(owner, open, 2), [
          [3, joiner.userId],
          [5, joiner.userId],
        ]);

        const renamed = uniqueName("renamed");
        const updated = await rest(srv.url, "PUT", `/v2/group/${encodeURIComponent(spell(open))}`, {
          token: owner.token,
          body: { name: renamed },
        });
        assert.equal(updated.status, 200, JSON.stringify(updated.body));
        const listed = await rest(srv.url, "GET", `/v2/group?name=${renamed}&limit=10`, {
          token: owner.token,
        });
        assert.deepEqual(
          (listed.body.groups as { id: string }[]).map((x) => x.id),
          [open],
        );

        const deleted = await rest(srv.url, "DELETE", `/v2/group/${encodeURIComponent(spell(open))}`, {
          token: owner.token,
        });
        assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
        const gone = await post(joiner, open, "join");
        assert.deepEqual([gone.status, gone.body.message], [404, "Group not found."]);
      });
    }

    test("a spelling stock does not read is still refused in stock's words", async () => {
      const owner = await authenticate(srv.url);
      const other = await authenticate(srv.url);
      const gid = await createGroup(owner, true);
      for (const bad of [`{${gid}`, `${gid}}`, `urn:uuid:{${gid}}`, `${gid}0`, hex32(gid).slice(1)]) {
        const group = await post(owner, bad, "add", [other.userId]);
        assert.deepEqual([group.status, group.body.message], [400, "Group ID must be a valid ID."], bad);
        const user = await post(owner, gid, "add", [bad.replace(gid, other.userId)]);
        assert.deepEqual([user.status, user.body.message], [400, "User ID must be a valid ID."], bad);
      }
      assert.equal((await states(owner, gid)).has(other.userId), false, "nothing added on the way");
    });
  });
}
