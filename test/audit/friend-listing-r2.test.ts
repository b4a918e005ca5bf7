// The friend listing and friend requests as stock Nakama answers them, in both server modes: a
// listing is ordered by state (friends, invites sent, invites received, blocked) and then oldest
// first, the cursor reads on from there, and a listing without a limit gives up to 1,000; a request's ids are checked one by one, the caller's
// own id before its form, and the nil id is not a user id.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestUser } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const NIL = "00000000-0000-0000-0000-000000000000";

interface Listed {
  user: { id: string };
  state?: number;
}

for (const mode of serverModes) {
  describe(`friend listing and requests (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const post = (u: TestUser, path: string) => rest(srv.url, "POST", path, { token: u.token });
    const list = async (u: TestUser, query: string) => {
      const res = await rest(srv.url, "GET", `/v2/friend${query}`, { token: u.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return {
        ids: ((res.body.friends ?? []) as Listed[]).map((f) => [f.user.id, f.state ?? 0] as const),
        cursor: (res.body.cursor as string | undefined) ?? "",
      };
    };

    test("friends are listed by state, then oldest first", async () => {
      const ada = await authenticate(srv.url);
      const [b, c, d, e, f] = await Promise.all([1, 2, 3, 4, 5].map(() => authenticate(srv.url)));
      assert.ok(b && c && d && e && f);
      // In this order: invites to B and C, an invite from D, a block of E, an invite to F.
      assert.equal((await post(ada, `/v2/friend?ids=${b.userId}`)).status, 200);
      assert.equal((await post(ada, `/v2/friend?ids=${c.userId}`)).status, 200);
      assert.equal((await post(d, `/v2/friend?ids=${ada.userId}`)).status, 200);
      assert.equal((await post(ada, `/v2/friend/block?ids=${e.userId}`)).status, 200);
      assert.equal((await post(ada, `/v2/friend?ids=${f.userId}`)).status, 200);
      // B accepts, then C: both become friends.
      assert.equal((await post(b, `/v2/friend?ids=${ada.userId}`)).status, 200);
      assert.equal((await post(c, `/v2/friend?ids=${ada.userId}`)).status, 200);

      const all = await list(ada, "?limit=100");
      assert.deepEqual(all.ids, [
        [b.userId, 0],
        [c.userId, 0],
        [f.userId, 1],
        [d.userId, 2],
        [e.userId, 3],
      ]);
      assert.equal(all.cursor, "");

      // Page by page, the same order, with no repeat and no gap.
      const seen: string[] = [];
      let cursor = "";
      for (let page = 0; page < 5; page += 1) {
        const got = await list(ada, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        seen.push(...got.ids.map(([id]) => id));
        cursor = got.cursor;
        if (cursor === "") break;
      }
      assert.deepEqual(
        seen,
        all.ids.map(([id]) => id),
      );
    });

    test("a listing without a limit gives up to 1,000 friends", async () => {
      const ada = await authenticate(srv.url);
      const others = await Promise.all(Array.from({ length: 101 }, () => authenticate(srv.url)));
      assert.equal(
        (await post(ada, `/v2/friend?${others.map((o) => `ids=${o.userId}`).join("&")}`)).status,
        200,
      );
      const got = await list(ada, "");
      assert.equal(got.ids.length, 101);
      assert.equal(got.cursor, "");
    });

    test("each id is checked in turn, the caller's own before its form; the nil id is refused", async () => {
      const ada = await authenticate(srv.url);
      const refused = async (path: string, message: string) => {
        const res = await post(ada, path);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.code, 3, path);
        assert.equal(res.body.message, message, path);
      };
      await refused(`/v2/friend?ids=${ada.userId}&ids=nope`, "Cannot add self as friend.");
      await refused(`/v2/friend?ids=nope&ids=${ada.userId}`, "Invalid user ID 'nope'.");
      await refused(`/v2/friend?ids=${ada.userId}&usernames=`, "Cannot add self as friend.");
      await refused(`/v2/friend/block?ids=${ada.userId}&usernames=`, "Cannot block self.");
      await refused(`/v2/friend?ids=${NIL}`, `Invalid user ID '${NIL}'.`);
      await refused(`/v2/friend/block?ids=${NIL}`, `Invalid user ID '${NIL}'.`);
      const del = await rest(srv.url, "DELETE", `/v2/friend?ids=${NIL}`, { token: ada.token });
      assert.deepEqual([del.status, del.body.message], [400, `Invalid user ID '${NIL}'.`]);
    });
  });
}
