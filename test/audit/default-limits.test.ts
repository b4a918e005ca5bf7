// A listing without a limit: stock Nakama lists one group (GET /v2/group) and one notification
// (GET /v2/notification), as it lists one history message; herald listed up to 100 of each, so a
// stock client saw different pages on each server. herald's SDK sends its own default of 100
// for all three, so its users see the same pages on both.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client } from "../../src/index.js";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`default listing limits (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("without a limit one group and one notification are listed, with a cursor to the rest", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const stem = uniqueName("club");
      for (const suffix of ["a", "b", "c"]) {
        const made = await rest(srv.url, "POST", "/v2/group", {
          token: ada.token,
          body: { name: `${stem}${suffix}` },
        });
        assert.equal(made.status, 200);
      }
      const groups = await rest(srv.url, "GET", `/v2/group?name=${stem}%25`, { token: ada.token });
      assert.equal(groups.status, 200);
      assert.equal((groups.body.groups as unknown[]).length, 1);
      assert.ok(groups.body.cursor, "a cursor to the next group");

      // Two notifications for Bob: Ada's friend request, and being added to her group.
      assert.equal(
        (await rest(srv.url, "POST", `/v2/friend?ids=${bob.userId}`, { token: ada.token })).status,
        200,
      );
      const group = (groups.body.groups as { id: string }[])[0];
      assert.ok(group);
      assert.equal(
        (
          await rest(srv.url, "POST", `/v2/group/${group.id}/add?user_ids=${bob.userId}`, {
            token: ada.token,
          })
        ).status,
        200,
      );
      const notes = await rest(srv.url, "GET", "/v2/notification", { token: bob.token });
      assert.equal(notes.status, 200);
      assert.equal((notes.body.notifications as unknown[]).length, 1);
    });

    test("the SDK sends a limit of 100 when none is given", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const ada = await client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: uniqueName("u"),
      });
      const stem = uniqueName("club");
      for (const suffix of ["a", "b", "c"]) await client.createGroup(ada, { name: `${stem}${suffix}` });
      const listed = await client.listGroups(ada, { name: `${stem}%` });
      assert.equal(listed.groups.length, 3);
      assert.equal(listed.cursor, "");
    });
  });
}
