// A group's stored member count under racing joins and adds, and group-listing cursors crafted
// with values storage cannot hold, in both server modes (and on PostgreSQL with
// HERALD_TEST_DB=postgres, where both were answered wrongly: every racing join went in, and the
// cursors failed with the database's own error and HTTP 500).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError } from "../../src/index.js";
import { StockWords } from "../../src/server/stock-words.js";
import { rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";
import { groupPages } from "./group-pages.js";

/** A group-listing cursor as herald's server writes them, holding `position`. */
const cursor = (listing: string, position: unknown) =>
  Buffer.from(JSON.stringify(["groups", listing, position])).toString("base64url");

for (const mode of serverModes) {
  describe(`group member counts and listing cursors (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    const client = () => new Client({ port: srv.port, serverKey: srv.serverKey });
    const signIn = (c: Client, name: string) =>
      c.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });

    test("joins racing into an open group take it to its max_count and no further", async () => {
      const c = client();
      const owner = await signIn(c, "owner");
      const group = await c.createGroup(owner, { name: uniqueName("small"), open: true, maxCount: 3 });
      const joiners = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(c, `j${i}`)));
      const joins = await Promise.allSettled(joiners.map((u) => c.joinGroup(u, group.id)));
      for (const r of joins) {
        if (r.status === "rejected") {
          assert.ok(HeraldError.is(r.reason) && r.reason.message.includes("Group is full"), String(r.reason));
        }
      }
      const { groupUsers } = await c.listGroupUsers(owner, group.id, { limit: 100 });
      const members = groupUsers.filter((m) => (m.state ?? 9) <= 2).length;
      assert.equal(members, 3, "the owner and two joiners");
      assert.equal(joins.filter((r) => r.status === "fulfilled").length, 2);
      const listed = (await groupPages(c, owner, {}, 100)).find((g) => g.id === group.id);
      assert.equal(listed?.edgeCount, 3, "the stored count is the members'");
    });

    test("adds racing into a group take it to its max_count and no further", async () => {
      const c = client();
      const owner = await signIn(c, "owner");
      const group = await c.createGroup(owner, { name: uniqueName("small"), open: false, maxCount: 3 });
      const users = await Promise.all(Array.from({ length: 8 }, (_, i) => signIn(c, `a${i}`)));
      await Promise.allSettled(users.map((u) => c.addGroupUsers(owner, group.id, [u.userId])));
      const { groupUsers } = await c.listGroupUsers(owner, group.id, { limit: 100 });
      assert.equal(groupUsers.filter((m) => (m.state ?? 9) <= 2).length, 3);
      const listed = (await groupPages(c, owner, {}, 100)).find((g) => g.id === group.id);
      assert.equal(listed?.edgeCount, 3);
    });

    test(
      "a listing cursor holding a count or text storage cannot hold is malformed, not a server error",
      bundledOnly(mode, "herald's own cursor format"),
      async () => {
        const c = client();
        const owner = await signIn(c, "owner");
        await c.createGroup(owner, { name: uniqueName("g"), open: true });
        const cases: [string, string][] = [
          // No filter: update_time, edge_count, id.
          ["", cursor("||", [1, 2 ** 40, "x"])],
          ["", cursor("||", [1, -1, "x"])],
          ["", cursor("||", [1, 1, "a\u0000b"])],
          // A language: edge_count, id.
          ["&lang_tag=en", cursor("en||", [0, "a\u0000b"])],
          // Open with a size: lang_tag, id.
          ["&members=5&open=true", cursor("|5|true", ["a\u0000", "x"])],
          // A name: the last name listed.
          ["&name=g%25", cursor("g%", "g\u0000")],
        ];
        for (const [query, crafted] of cases) {
          const res = await rest(srv.url, "GET", `/v2/group?limit=1${query}&cursor=${crafted}`, {
            token: owner.token,
          });
          assert.equal(res.status, 400, `${query} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.message, StockWords.malformedCursor);
        }
      },
    );
  });
}
