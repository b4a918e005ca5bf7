// Joining and adding at their edges, as stock Nakama's JoinGroup and AddGroupUsers answer them, in
// both server modes: a full group refuses every join first; a user who already has a place in the
// group (any rank, a join request, a ban) joins with success and nothing changed (herald refused a
// banned user with "User is banned from the group."); an add skips banned users instead of lifting
// the ban (a kick lifts it, as on stock; herald's kick skipped them), takes all of its users or
// none, and tells the user the group's id; a join request withdrawn by leaving is written as a
// leave (code 5), as stock writes it; and a member operation checks its user ids, and answers no
// user ids with success, before the caller's rights.

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

const SUPERADMIN = 0;
const MEMBER = 2;
const JOIN_REQUEST = 3;
const BANNED = 4;

for (const mode of serverModes) {
  describe(`group join edges (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    const herald = mode.name === "herald";

    function post(user: TestUser, path: string, userIds: string[] = []) {
      const qs = userIds.map((id) => `user_ids=${id}`).join("&");
      return rest(srv.url, "POST", `/v2/group/${path}${qs ? `?${qs}` : ""}`, { token: user.token });
    }

    async function ok(user: TestUser, path: string, userIds: string[] = []): Promise<void> {
      const res = await post(user, path, userIds);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    }

    async function refused(user: TestUser, path: string, userIds: string[], code: number, message: string) {
      const res = await post(user, path, userIds);
      assert.deepEqual(
        [res.status, res.body.code, res.body.message],
        [code === 5 ? 404 : 400, code, message],
        `${path}: ${JSON.stringify(res.body)}`,
      );
    }

    async function createGroup(owner: TestUser, body: Record<string, unknown>): Promise<string> {
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("g"), ...body },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    }

    /** Every user's state in the group (banned ones included), as its superadmin lists them. */
    async function states(owner: TestUser, groupId: string): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const state of [0, 1, 2, 3, 4]) {
        const res = await rest(srv.url, "GET", `/v2/group/${groupId}/user?limit=100&state=${state}`, {
          token: owner.token,
        });
        for (const gu of (res.body.group_users ?? []) as { user: { id: string }; state?: number }[]) {
          out.set(gu.user.id, gu.state ?? 0);
        }
      }
      return out;
    }

    /**
     * The codes of the group's channel messages, read once `stored` of them are there (or after
     * a while): a membership change answers before its event message is stored.
     */
    async function eventCodes(reader: TestUser, groupId: string, stored: number): Promise<number[]> {
      return readUntil(
        async () => {
          const res = await rest(srv.url, "GET", `/v2/channel/3.${groupId}..?limit=100&forward=true`, {
            token: reader.token,
          });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return ((res.body.messages ?? []) as { code?: number }[]).map((m) => m.code ?? 0);
        },
        (codes) => codes.length >= stored,
      );
    }

    async function notifications(user: TestUser) {
      const res = await rest(srv.url, "GET", "/v2/notification?limit=100", { token: user.token });
      return (res.body.notifications ?? []) as { subject: string; content: string; code: number }[];
    }

    test("a banned user's join succeeds and changes nothing", async () => {
      const [owner, bea] = [await authenticate(srv.url), await authenticate(srv.url)];
      for (const open of [true, false]) {
        const groupId = await createGroup(owner, { open });
        await ok(owner, `${groupId}/add`, [bea.userId]);
        await ok(owner, `${groupId}/ban`, [bea.userId]);
        // The add's and the ban's.
        const before = await eventCodes(owner, groupId, 2);
        const notified = (await notifications(owner)).length;
        await ok(bea, `${groupId}/join`);
        assert.equal((await states(owner, groupId)).get(bea.userId), BANNED);
        assert.deepEqual(await eventCodes(owner, groupId, before.length), before, "no join written");
        assert.equal((await notifications(owner)).length, notified, "no join request sent");
      }
    });

    test("a full group refuses every join, from a user already in it too", async () => {
      const [owner, bea, cai] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupId = await createGroup(owner, { open: true, max_count: 2 });
      await ok(bea, `${groupId}/join`);
      await refused(cai, `${groupId}/join`, [], 3, "Group is full.");
      await refused(bea, `${groupId}/join`, [], 3, "Group is full.");
      await refused(owner, `${groupId}/join`, [], 3, "Group is full.");
      const closed = await createGroup(owner, { open: false, max_count: 1 });
      await refused(cai, `${closed}/join`, [], 3, "Group is full.");
      assert.equal((await states(owner, closed)).has(cai.userId), false, "no join request");
    });

    test("joining a group one is in already succeeds and changes nothing: member, superadmin, join request", async () => {
      const [owner, bea, cai] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const open = await createGroup(owner, { open: true });
      await ok(bea, `${open}/join`);
      const events = await eventCodes(owner, open, 1);
      await ok(bea, `${open}/join`);
      await ok(owner, `${open}/join`);
      assert.deepEqual(await eventCodes(owner, open, events.length), events, "no second join written");
      const openStates = await states(owner, open);
      assert.deepEqual([openStates.get(owner.userId), openStates.get(bea.userId)], [SUPERADMIN, MEMBER]);

      const closed = await createGroup(owner, { open: false });
      await ok(cai, `${closed}/join`);
      const asked = await notifications(owner);
      await ok(cai, `${closed}/join`);
      assert.equal((await states(owner, closed)).get(cai.userId), JOIN_REQUEST);
      assert.equal((await notifications(owner)).length, asked.length, "the admins are asked once");
      // Withdrawing the request is a leave, written to the channel as stock writes it.
      const before = await eventCodes(owner, closed, 0);
      await ok(cai, `${closed}/leave`);
      assert.equal((await states(owner, closed)).has(cai.userId), false);
      assert.deepEqual(await eventCodes(owner, closed, before.length + 1), [...before, 5]);
    });

    test("a join request on a closed group, then an add by an admin, as stock words them", async () => {
      const [owner, cai] = [await authenticate(srv.url), await authenticate(srv.url)];
      const name = uniqueName("closed");
      const groupId = await createGroup(owner, { name, open: false });
      await ok(cai, `${groupId}/join`);
      assert.equal((await states(owner, groupId)).get(cai.userId), JOIN_REQUEST);
      const request = (await notifications(owner)).find((n) => n.code === -5);
      assert.equal(request?.subject, `User ${cai.username} wants to join your group`);
      assert.deepEqual(JSON.parse(request?.content ?? "{}"), { group_id: groupId, username: cai.username });
      // A join request does not read the group's history.
      const history = await rest(srv.url, "GET", `/v2/channel/3.${groupId}..?limit=10`, { token: cai.token });
      assert.deepEqual([history.status, history.body.message], [400, "Group not found."]);

      await ok(owner, `${groupId}/add`, [cai.userId]);
      assert.equal((await states(owner, groupId)).get(cai.userId), MEMBER);
      assert.deepEqual(await eventCodes(cai, groupId, 1), [4]);
      const added = (await notifications(cai)).find((n) => n.code === -4);
      assert.equal(added?.subject, `You've been added to group ${name}`);
      assert.deepEqual(JSON.parse(added?.content ?? "{}"), { group_id: groupId, name });
    });

    test("an add skips a banned user, a kick lifts the ban, and an add takes all of its users or none", async () => {
      const [owner, bea, cai, dan] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupId = await createGroup(owner, { open: true, max_count: 2 });
      await ok(bea, `${groupId}/join`);
      await ok(owner, `${groupId}/ban`, [bea.userId]);
      await ok(owner, `${groupId}/add`, [bea.userId]);
      assert.equal((await states(owner, groupId)).get(bea.userId), BANNED, "the ban stays");

      // Kicking is how a ban is lifted, as on stock: silently, and the user may join again.
      // The join's and the ban's.
      const events = await eventCodes(owner, groupId, 2);
      await ok(owner, `${groupId}/kick`, [bea.userId]);
      assert.equal((await states(owner, groupId)).has(bea.userId), false, "the ban is lifted");
      assert.deepEqual(await eventCodes(owner, groupId, events.length), events, "no kick written");
      await ok(bea, `${groupId}/join`);
      assert.equal((await states(owner, groupId)).get(bea.userId), MEMBER);
      await ok(owner, `${groupId}/kick`, [bea.userId]);

      await refused(owner, `${groupId}/add`, [cai.userId, dan.userId], 3, "Group is full.");
      const after = await states(owner, groupId);
      assert.deepEqual([after.has(cai.userId), after.has(dan.userId)], [false, false], "neither added");
      await ok(owner, `${groupId}/add`, [cai.userId, cai.userId]);
      assert.equal((await states(owner, groupId)).get(cai.userId), MEMBER);
    });

    test("a member operation checks its user ids, and answers none with success, before the caller's rights", async () => {
      const [owner, stranger] = [await authenticate(srv.url), await authenticate(srv.url)];
      const groupId = await createGroup(owner, { open: true });
      for (const action of ["add", "kick", "ban", "promote"]) {
        await ok(stranger, `${groupId}/${action}`);
        for (const id of ["not-a-user", "00000000-0000-0000-0000-000000000000"]) {
          await refused(stranger, `${groupId}/${action}`, [id], 3, "User ID must be a valid ID.");
        }
        await refused(
          stranger,
          `${groupId}/${action}`,
          [owner.userId],
          5,
          "Group not found or permission denied.",
        );
      }
      await refused(stranger, `${groupId}/demote`, ["not-a-user"], 3, "User ID must be a valid ID.");
      if (herald) {
        const res = await post(stranger, `${groupId}/kick`, [owner.userId]);
        assert.equal(res.body.herald_code, "permission_denied");
      }
    });

    test("the last superadmin of a group with members may not leave; with a second one, either may", async () => {
      const [owner, bea, cy] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupId = await createGroup(owner, { open: true });
      await ok(bea, `${groupId}/join`);
      await ok(cy, `${groupId}/join`);
      await refused(owner, `${groupId}/leave`, [], 3, "Cannot leave group when you are the last superadmin.");
      await ok(owner, `${groupId}/promote`, [bea.userId]);
      await ok(owner, `${groupId}/promote`, [bea.userId]);
      assert.equal((await states(owner, groupId)).get(bea.userId), SUPERADMIN);
      await ok(owner, `${groupId}/leave`);
      await refused(bea, `${groupId}/leave`, [], 3, "Cannot leave group when you are the last superadmin.");
    });
  });
}
