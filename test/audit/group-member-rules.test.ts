// Group administration at its edges, in both server modes: a caller who may not act, a malformed
// id, a missing group and the last superadmin get stock Nakama's numbers and words (herald's
// meaning beside them as `herald_code`, in herald's mode only); and kick, ban, promote and demote
// skip, as stock does, the caller's own id and anyone the caller does not outrank, rather than
// refuse the request.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError, type Session } from "../../src/index.js";
import { rest, serverForSuite, type TestUser, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const MISSING_GROUP = "00000000-0000-4000-8000-000000000000";

for (const mode of serverModes) {
  describe(`group member rules (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    const herald = mode.name === "herald";

    async function signIn(name: string): Promise<{ session: Session; user: TestUser }> {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: uniqueName(name),
      });
      const user = {
        userId: session.userId,
        username: session.username,
        token: session.token,
        refreshToken: session.refreshToken,
      };
      return { session, user };
    }

    function op(
      actor: TestUser,
      path: string,
      userIds: string[] = [],
      method: "POST" | "PUT" | "DELETE" = "POST",
    ) {
      const qs = userIds.map((id) => `user_ids=${id}`).join("&");
      return rest(srv.url, method, `/v2/group/${path}${qs ? `?${qs}` : ""}`, { token: actor.token });
    }

    /** The body stock sends, with herald's precise code beside it in herald's mode. */
    function refusal(code: number, message: string, precise: string): Record<string, unknown> {
      return herald ? { code, message, herald_code: precise } : { code, message };
    }

    async function states(client: Client, session: Session, groupId: string): Promise<Map<string, number>> {
      const list = await client.listGroupUsers(session, groupId, { limit: 100 });
      return new Map(list.groupUsers.map((g) => [g.user?.id ?? "", g.state ?? -1]));
    }

    test("a caller who may not change a group gets stock's code and words", async () => {
      const owner = await signIn("owner");
      const admin = await signIn("admin");
      const member = await signIn("member");
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const group = await client.createGroup(owner.session, { name: uniqueName("g"), open: true });
      await client.joinGroup(admin.session, group.id);
      await client.joinGroup(member.session, group.id);
      await client.promoteGroupUsers(owner.session, group.id, [admin.user.userId]);

      for (const action of ["kick", "ban", "promote", "demote", "add"]) {
        const res = await op(member.user, `${group.id}/${action}`, [owner.user.userId]);
        assert.equal(res.status, 404, action);
        assert.deepEqual(
          res.body,
          refusal(5, "Group not found or permission denied.", "permission_denied"),
          action,
        );
      }
      const missing = await op(owner.user, `${MISSING_GROUP}/kick`, [member.user.userId]);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, refusal(5, "Group not found or permission denied.", "not_found"));

      const update = await rest(srv.url, "PUT", `/v2/group/${group.id}`, {
        token: member.user.token,
        body: { description: "x" },
      });
      assert.equal(update.status, 404);
      assert.deepEqual(
        update.body,
        refusal(5, "Group not found or you're not allowed to update.", "permission_denied"),
      );

      const del = await op(admin.user, group.id, [], "DELETE");
      assert.equal(del.status, 400, "only a superadmin deletes; stock answers 3");
      assert.deepEqual(
        del.body,
        refusal(3, "Group not found or you're not allowed to delete.", "permission_denied"),
      );

      const other = await client.createGroup(owner.session, { name: uniqueName("g2") });
      const taken = await rest(srv.url, "PUT", `/v2/group/${group.id}`, {
        token: owner.user.token,
        body: { name: other.name },
      });
      assert.equal(taken.status, 400, "stock answers a taken name on update with 3");
      assert.deepEqual(taken.body, refusal(3, "Group name is in use.", "already_exists"));

      // The SDK reads the precise meaning where it travels, stock's number elsewhere.
      const sdk = await client
        .kickGroupUsers(member.session, group.id, [owner.user.userId])
        .catch((e: unknown) => e);
      assert.ok(HeraldError.is(sdk, herald ? "permission_denied" : "not_found"), String(sdk));
    });

    test("malformed ids are bad input with stock's words; unknown users are skipped except when adding", async () => {
      const owner = await signIn("owner");
      const member = await signIn("member");
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const group = await client.createGroup(owner.session, { name: uniqueName("g"), open: true });
      await client.joinGroup(member.session, group.id);

      for (const [method, path] of [
        ["POST", "not-a-group/join"],
        ["POST", "not-a-group/leave"],
        ["POST", `not-a-group/kick?user_ids=${member.user.userId}`],
        ["DELETE", "not-a-group"],
      ] as const) {
        const res = await rest(srv.url, method, `/v2/group/${path}`, { token: owner.user.token });
        assert.equal(res.status, 400, path);
        assert.deepEqual(res.body, refusal(3, "Group ID must be a valid ID.", "bad_input"), path);
      }
      const badUser = await op(owner.user, `${group.id}/kick`, ["not-a-user"]);
      assert.equal(badUser.status, 400);
      assert.deepEqual(badUser.body, refusal(3, "User ID must be a valid ID.", "bad_input"));

      const nobody = "00000000-0000-4000-8000-000000000001";
      const addNobody = await op(owner.user, `${group.id}/add`, [nobody]);
      assert.equal(addNobody.status, 400);
      assert.deepEqual(addNobody.body, refusal(3, "One or more users not found.", "bad_input"));
      for (const action of ["kick", "ban", "promote", "demote"]) {
        const res = await op(owner.user, `${group.id}/${action}`, [nobody, member.user.userId]);
        assert.equal(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
      }
      const after = await states(client, owner.session, group.id);
      assert.equal(after.has(member.user.userId), false, "banned after the kick, listed with no state 0-3");
    });

    test("leaving a group one is not in, or one that does not exist, succeeds; the last superadmin is refused in stock's words", async () => {
      const owner = await signIn("owner");
      const stranger = await signIn("stranger");
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const group = await client.createGroup(owner.session, { name: uniqueName("g"), open: true });
      await client.leaveGroup(stranger.session, group.id);
      await client.leaveGroup(stranger.session, MISSING_GROUP);
      await client.joinGroup(stranger.session, group.id);
      const last = await op(owner.user, `${group.id}/leave`);
      assert.equal(last.status, 400);
      assert.deepEqual(
        last.body,
        refusal(3, "Cannot leave group when you are the last superadmin.", "bad_input"),
      );
    });

    test("kick, ban, promote and demote skip the caller's own id and anyone the caller does not outrank", async () => {
      const owner = await signIn("owner");
      const admin = await signIn("admin");
      const admin2 = await signIn("admin2");
      const member = await signIn("member");
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const group = await client.createGroup(owner.session, { name: uniqueName("g"), open: true });
      for (const u of [admin, admin2, member]) await client.joinGroup(u.session, group.id);
      await client.promoteGroupUsers(owner.session, group.id, [admin.user.userId, admin2.user.userId]);
      const before = await states(client, owner.session, group.id);
      assert.deepEqual(
        [owner, admin, admin2, member].map((u) => before.get(u.user.userId)),
        [0, 1, 1, 2],
      );

      // An admin may not touch the superadmin or another admin, nor kick or ban themself.
      for (const [action, target] of [
        ["kick", owner],
        ["ban", owner],
        ["demote", owner],
        ["kick", admin2],
        ["ban", admin2],
        ["promote", admin2],
        ["kick", admin],
        ["ban", admin],
        ["promote", admin],
        ["demote", admin],
      ] as const) {
        const res = await op(admin.user, `${group.id}/${action}`, [target.user.userId]);
        assert.equal(res.status, 200, `${action} ${target.user.username}: ${JSON.stringify(res.body)}`);
      }
      const after = await states(client, owner.session, group.id);
      assert.deepEqual(
        [owner, admin, admin2, member].map((u) => after.get(u.user.userId)),
        [0, 1, 1, 2],
        "nothing changed",
      );

      // A user who is not in the group is not banned ahead of joining.
      const stranger = await signIn("stranger");
      assert.equal((await op(owner.user, `${group.id}/ban`, [stranger.user.userId])).status, 200);
      await client.joinGroup(stranger.session, group.id);
      assert.equal((await states(client, owner.session, group.id)).get(stranger.user.userId), 2);

      // The same requests still act on the users the caller outranks, in the same call.
      assert.equal(
        (await op(admin.user, `${group.id}/kick`, [owner.user.userId, member.user.userId])).status,
        200,
      );
      const kicked = await states(client, owner.session, group.id);
      assert.equal(kicked.has(member.user.userId), false);
      assert.equal(kicked.get(owner.user.userId), 0);
    });
  });
}
