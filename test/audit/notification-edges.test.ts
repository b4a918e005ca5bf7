// Notification listing and deleting at their edges, as stock Nakama answers them, in both server
// modes: the limit's bounds and default, a cursor it cannot read; and a delete of no ids, someone
// else's, the same id twice, an id in another UUID form (stock reads them as UUIDs: herald compared
// the text, so an upper-case id deleted nothing), and one that is not a UUID, which fails the whole
// delete as on stock (herald answered 200 and deleted the others).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestUser } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`notification edges (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    const herald = mode.name === "herald";

    /** A user holding one friend-request notification from each of `n` other users. */
    async function notified(n: number): Promise<TestUser> {
      const user = await authenticate(srv.url);
      for (let i = 0; i < n; i++) {
        const sender = await authenticate(srv.url);
        const res = await rest(srv.url, "POST", `/v2/friend?ids=${user.userId}`, { token: sender.token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      return user;
    }

    async function ids(user: TestUser): Promise<string[]> {
      const res = await rest(srv.url, "GET", "/v2/notification?limit=100", { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return ((res.body.notifications ?? []) as { id: string }[]).map((n) => n.id);
    }

    function del(user: TestUser, list: string[]) {
      const qs = list.map((id) => `ids=${encodeURIComponent(id)}`).join("&");
      return rest(srv.url, "DELETE", `/v2/notification${qs ? `?${qs}` : ""}`, { token: user.token });
    }

    test("the limit defaults to one and must be 1 to 100; a cursor it cannot read is refused", async () => {
      const ada = await notified(2);
      const one = await rest(srv.url, "GET", "/v2/notification", { token: ada.token });
      assert.equal((one.body.notifications as unknown[]).length, 1);
      for (const limit of ["0", "101", "-1"]) {
        const res = await rest(srv.url, "GET", `/v2/notification?limit=${limit}`, { token: ada.token });
        assert.deepEqual(
          [res.status, res.body.code, res.body.message],
          [400, 3, "Invalid limit - limit must be between 1 and 100."],
          limit,
        );
      }
      const bad = await rest(srv.url, "GET", "/v2/notification?limit=10&cacheable_cursor=%21%21", {
        token: ada.token,
      });
      assert.deepEqual([bad.status, bad.body.code, bad.body.message], [400, 3, "Malformed cursor was used."]);
      // An empty listing still hands out a cursor to list newer ones from, as stock's does.
      const nobody = await authenticate(srv.url);
      const empty = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: nobody.token });
      assert.equal(empty.body.notifications, undefined);
      assert.ok(empty.body.cacheable_cursor);
    });

    test("a delete of no ids, someone else's, the same id twice, or another UUID form", async () => {
      const [ada, bea] = [await notified(3), await notified(1)];
      const [first, second, third] = await ids(ada);
      const [beas] = await ids(bea);
      assert.ok(first && second && third && beas);
      assert.equal((await del(ada, [])).status, 200);
      assert.equal((await del(ada, [beas])).status, 200);
      assert.deepEqual(await ids(bea), [beas], "someone else's notification stays");
      assert.equal((await del(ada, [first, first])).status, 200);
      assert.deepEqual(await ids(ada), [second, third]);
      assert.equal((await del(ada, [second.toUpperCase(), `{${third.replaceAll("-", "")}}`])).status, 200);
      assert.deepEqual(await ids(ada), [], "ids are read as UUIDs, in any case and form");
    });

    test("an id that is not a UUID fails the whole delete in stock's words, and nothing is deleted", async () => {
      const ada = await notified(2);
      const before = await ids(ada);
      for (const bad of ["not-an-id", ""]) {
        const res = await del(ada, [...before, bad]);
        assert.equal(res.status, 500, JSON.stringify(res.body));
        assert.deepEqual(
          res.body,
          herald
            ? { code: 13, message: "Error while deleting notifications.", herald_code: "bad_input" }
            : { code: 13, message: "Error while deleting notifications." },
        );
        assert.deepEqual(await ids(ada), before);
      }
    });
  });
}
