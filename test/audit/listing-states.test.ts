// Request checks stock Nakama makes that herald skipped: a member listing's state filter must be
// 0 to 4 (a group's members, a user's groups) and a friend listing's 0 to 3, where herald answered
// an out-of-range state with an empty list; a demotion names at least one user; a group update
// changes at least one field, where herald answered both with success and did nothing.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`listing states and empty requests (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function refused(
      res: { status: number; body: Record<string, unknown> },
      message: string,
      what: string,
    ) {
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.deepEqual([res.body.code, res.body.message], [3, message], what);
    }

    test("a state filter out of range is refused in stock's words, in range it lists", async () => {
      const ada = await authenticate(srv.url);
      const created = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g") },
      });
      const groupId = created.body.id as string;
      const get = (path: string) => rest(srv.url, "GET", path, { token: ada.token });
      for (const state of [-1, 5, 9]) {
        await refused(
          await get(`/v2/group/${groupId}/user?state=${state}`),
          "Invalid state - state must be between 0 and 4.",
          `group users ${state}`,
        );
        await refused(
          await get(`/v2/user/${ada.userId}/group?state=${state}`),
          "Invalid state - state must be between 0 and 4.",
          `user groups ${state}`,
        );
      }
      for (const state of [-1, 4]) {
        await refused(
          await get(`/v2/friend?state=${state}`),
          "Invalid state - state must be between 0 and 3.",
          `friends ${state}`,
        );
      }
      const owners = await get(`/v2/group/${groupId}/user?state=0`);
      assert.deepEqual(
        (owners.body.group_users as { user: { id: string } }[]).map((g) => g.user.id),
        [ada.userId],
      );
      const mine = await get(`/v2/user/${ada.userId}/group?state=0`);
      assert.equal((mine.body.user_groups as unknown[]).length, 1);
      assert.equal((await get(`/v2/group/${groupId}/user?state=4`)).status, 200);
      assert.equal((await get("/v2/friend?state=3")).status, 200);
    });

    test("a demotion of nobody and a group update of nothing are refused", async () => {
      const ada = await authenticate(srv.url);
      const created = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g") },
      });
      const groupId = created.body.id as string;
      await refused(
        await rest(srv.url, "POST", `/v2/group/${groupId}/demote`, { token: ada.token }),
        "User IDs must be set.",
        "demote",
      );
      await refused(
        await rest(srv.url, "PUT", `/v2/group/${groupId}`, { token: ada.token, body: {} }),
        "Specify at least one field to update.",
        "update",
      );
      // The other member operations take an empty list as a no-op, as on stock.
      for (const action of ["add", "kick", "ban", "promote"]) {
        const res = await rest(srv.url, "POST", `/v2/group/${groupId}/${action}`, { token: ada.token });
        assert.equal(res.status, 200, action);
      }
      const changed = await rest(srv.url, "PUT", `/v2/group/${groupId}`, {
        token: ada.token,
        body: { open: false },
      });
      assert.equal(changed.status, 200);
    });
  });
}
