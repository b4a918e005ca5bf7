// The last member leaving deletes the group (stock 3.25 on), and joins may race with it: a join
// that lands first keeps the group (the leave is then refused, as the last superadmin's of a group
// with members), one that comes after the deletion is refused with "Group not found.". Before,
// the leave decided from a count read earlier, deleting a group someone had just joined, and a
// join after the deletion failed with a storage error (HTTP 500). Runs on PostgreSQL too
// (HERALD_TEST_DB=postgres), where the nodes of a cluster race for real.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { groupPages } from "./group-pages.js";

for (const mode of serverModes) {
  describe(`the last member leaving while others join (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("no join succeeds into a group that is then gone, and none fails as a server error", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const signIn = (name: string) =>
        client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
      const joiners = await Promise.all(Array.from({ length: 4 }, (_, i) => signIn(`j${i}`)));
      for (let round = 0; round < 8; round++) {
        const owner = await signIn("owner");
        const group = await client.createGroup(owner, { name: uniqueName("last"), open: true });
        const [leave, ...joins] = await Promise.allSettled([
          client.leaveGroup(owner, group.id),
          ...joiners.map((j) => client.joinGroup(j, group.id)),
        ]);
        for (const r of [leave, ...joins]) {
          if (r?.status === "rejected") {
            assert.ok(HeraldError.is(r.reason), String(r.reason));
            assert.notEqual(r.reason.code, "server_error", r.reason.message);
          }
        }
        const exists = (await groupPages(client, joiners[0] ?? owner, {}, 100)).some(
          (g) => g.id === group.id,
        );
        const joined = joins.filter((r) => r.status === "fulfilled").length;
        if (exists) {
          assert.equal(
            leave?.status,
            "rejected",
            `round ${round}: the group stayed, so the leave was refused`,
          );
          const { groupUsers } = await client.listGroupUsers(owner, group.id, { limit: 100 });
          assert.equal(groupUsers.filter((m) => (m.state ?? 9) <= 2).length, 1 + joined);
        } else {
          assert.equal(leave?.status, "fulfilled");
          assert.equal(joined, 0, `round ${round}: a join succeeded into a group that is gone`);
        }
      }
    });
  });
}
