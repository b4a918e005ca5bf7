// Pagination cursors a client tampered with (or made up): every listing refuses them with stock's
// words rather than answering some page, and a real cursor still pages through everything once.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, cursorWords, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`tampered pagination cursors (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("every listing refuses a cursor it did not hand out with 400 and stock's words", async () => {
      const ada = await authenticate(srv.url);
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("club") },
      });
      assert.equal(group.status, 200);
      const lists = [
        "/v2/group?limit=10&cursor=",
        "/v2/notification?limit=10&cacheable_cursor=",
        "/v2/friend?limit=10&cursor=",
        `/v2/group/${group.body.id as string}/user?limit=10&cursor=`,
        `/v2/user/${ada.userId}/group?limit=10&cursor=`,
      ];
      // History has stock's own words for a cursor it cannot use.
      const history = "/v2/channel/2...room?limit=10&cursor=";
      for (const list of lists) {
        for (const cursor of ["not a cursor!", "%25%25%25", "A"]) {
          const res = await rest(srv.url, "GET", `${list}${encodeURIComponent(cursor)}`, {
            token: ada.token,
          });
          assert.equal(res.status, 400, `${list}${cursor}`);
          assert.deepEqual([res.body.code, res.body.message], [3, cursorWords(list)], `${list}${cursor}`);
        }
      }
      for (const cursor of ["not a cursor!", "%25%25%25", "A"]) {
        const res = await rest(srv.url, "GET", `${history}${encodeURIComponent(cursor)}`, {
          token: ada.token,
        });
        assert.deepEqual(
          [res.status, res.body.code, res.body.message],
          [400, 3, "Cursor is invalid or expired."],
        );
      }
    });

    test("a group listing's own cursor still pages through every match once", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("page");
      const names = [`${stem}a`, `${stem}b`, `${stem}c`];
      for (const name of names) {
        assert.equal(
          (await rest(srv.url, "POST", "/v2/group", { token: ada.token, body: { name } })).status,
          200,
        );
      }
      const seen: string[] = [];
      let cursor = "";
      do {
        const q = `/v2/group?limit=2&name=${stem}%25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await rest(srv.url, "GET", q, { token: ada.token });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        seen.push(...(res.body.groups as { name: string }[]).map((g) => g.name));
        cursor = (res.body.cursor as string | undefined) ?? "";
      } while (cursor);
      assert.deepEqual(seen.sort(), names);
    });
  });
}
