// Creating a group as stock Nakama does, in both server modes: the name is kept exactly as given
// (spaces and case included, so " Club" and "club" are other groups than "Club"); the size is
// checked before the name's place; and the new group, with its creator as its only superadmin,
// carries stock's defaults and writes nothing to its channel.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`creating a group (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("the name is kept as given: spaces and case make other names", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("Club");
      for (const name of [stem, ` ${stem} `, stem.toLowerCase()]) {
        const res = await rest(srv.url, "POST", "/v2/group", { token: ada.token, body: { name } });
        assert.equal(res.status, 200, `${JSON.stringify(name)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.name, name);
      }
      const again = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: ` ${stem} ` },
      });
      assert.deepEqual(
        [again.status, again.body.code, again.body.message],
        [409, 6, "Group name is in use."],
      );
    });

    test("a size below 1 is refused before the name's place is looked at", async () => {
      const ada = await authenticate(srv.url);
      const name = uniqueName("club");
      assert.equal(
        (await rest(srv.url, "POST", "/v2/group", { token: ada.token, body: { name } })).status,
        200,
      );
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name, max_count: -1 },
      });
      assert.deepEqual(
        [res.status, res.body.code, res.body.message],
        [400, 3, "Group max count must be >= 1 when set."],
      );
    });

    test("a new group has stock's defaults, its creator as superadmin, and an empty channel", async () => {
      const ada = await authenticate(srv.url);
      const res = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("club") },
      });
      assert.equal(res.status, 200);
      const { id, creator_id, lang_tag, max_count, edge_count, open } = res.body;
      assert.deepEqual(
        [creator_id, lang_tag, max_count, edge_count, open],
        [ada.userId, "en", 100, 1, false],
      );
      const members = await rest(srv.url, "GET", `/v2/group/${id as string}/user?limit=10`, {
        token: ada.token,
      });
      assert.deepEqual(
        (members.body.group_users as { user: { id: string }; state?: number }[]).map((g) => [
          g.user.id,
          g.state ?? 0,
        ]),
        [[ada.userId, 0]],
      );
      const history = await rest(srv.url, "GET", `/v2/channel/3.${id as string}..?limit=10`, {
        token: ada.token,
      });
      assert.equal(history.status, 200);
      assert.deepEqual(history.body.messages ?? [], []);
    });
  });
}
