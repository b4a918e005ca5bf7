// Query parameters given more than once, as grpc-gateway (stock Nakama's HTTP front) reads them: a
// single-value field given twice is refused with 400 "too many values for field", never read as
// the first or the last; a list field adds the values of every key that names it, and an empty
// value (`?ids=`) is a value like any other, refused by the service in stock's words.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`repeated query parameters (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("a single-value parameter given twice is refused with 400 and both values named", async () => {
      const ada = await authenticate(srv.url);
      const cases: [string, string][] = [
        ["/v2/channel/2...room?limit=1&limit=100", 'too many values for field "limit": 1, 100'],
        ["/v2/channel/2...room?limit=5&forward=true&forward=false", 'too many values for field "forward"'],
        ["/v2/channel/2...room?limit=5&limit=5", 'too many values for field "limit": 5, 5'],
        ["/v2/notification?limit=1&limit=2", 'too many values for field "limit"'],
        ["/v2/friend?limit=1&state=0&state=1", 'too many values for field "state"'],
        [`/v2/user/${ada.userId}/group?limit=1&limit=2`, 'too many values for field "limit"'],
      ];
      for (const [path, message] of cases) {
        const res = await rest(srv.url, "GET", path, { token: ada.token });
        assert.equal(res.status, 400, path);
        assert.equal(res.body.code, 3, path);
        assert.ok(String(res.body.message).includes(message), `${path}: ${String(res.body.message)}`);
      }
      // Once each is fine.
      const once = await rest(srv.url, "GET", "/v2/channel/2...room?limit=1&forward=true", {
        token: ada.token,
      });
      assert.equal(once.status, 200);
    });

    test("one single-value field under both spellings is refused too, not read as either", async () => {
      const ada = await authenticate(srv.url);
      const res = await rest(
        srv.url,
        "GET",
        "/v2/notification?limit=1&cacheable_cursor=a&cacheableCursor=b",
        {
          token: ada.token,
        },
      );
      assert.equal(res.status, 400);
      assert.match(String(res.body.message), /too many values for field "cacheable_cursor"/);
    });

    test("a list field under both spellings takes the values of both keys", async () => {
      const owner = await authenticate(srv.url);
      const bea = await authenticate(srv.url);
      const cai = await authenticate(srv.url);
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("g"), open: false },
      });
      assert.equal(group.status, 200);
      const add = await rest(
        srv.url,
        "POST",
        `/v2/group/${String(group.body.id)}/add?user_ids=${bea.userId}&userIds=${cai.userId}`,
        { token: owner.token },
      );
      assert.equal(add.status, 200);
      const members = await rest(srv.url, "GET", `/v2/group/${String(group.body.id)}/user?limit=100`, {
        token: owner.token,
      });
      const ids = (members.body.group_users as { user: { id: string } }[]).map((u) => u.user.id).sort();
      assert.deepEqual(ids, [owner.userId, bea.userId, cai.userId].sort());
    });

    test("an empty value of a list field is a value, refused in the service's words, not dropped", async () => {
      const ada = await authenticate(srv.url);
      const bea = await authenticate(srv.url);
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g"), open: false },
      });
      assert.equal(group.status, 200);
      const cases: [string, string, string][] = [
        ["GET", "/v2/user?ids=", "ID '' is not a valid system ID."],
        ["GET", `/v2/user?ids=${bea.userId}&ids=`, "ID '' is not a valid system ID."],
        ["POST", "/v2/friend?usernames=", "Username must not be empty."],
        ["POST", "/v2/friend/block?ids=", "Invalid user ID ''."],
        ["DELETE", `/v2/friend?ids=${bea.userId}&ids=`, "Invalid user ID ''."],
        ["POST", `/v2/group/${String(group.body.id)}/add?user_ids=`, "User ID must be a valid ID."],
      ];
      for (const [method, path, message] of cases) {
        const res = await rest(srv.url, method, path, { token: ada.token });
        assert.equal(res.status, 400, `${method} ${path}`);
        assert.equal(res.body.code, 3, `${method} ${path}`);
        assert.equal(res.body.message, message, `${method} ${path}`);
      }
      // Nothing was done on the way: bea is neither a friend nor a member.
      const friends = await rest(srv.url, "GET", "/v2/friend?limit=100", { token: ada.token });
      assert.deepEqual(friends.body.friends ?? [], []);
      const members = await rest(srv.url, "GET", `/v2/group/${String(group.body.id)}/user?limit=100`, {
        token: ada.token,
      });
      assert.deepEqual(
        (members.body.group_users as { user: { id: string } }[]).map((u) => u.user.id),
        [ada.userId],
      );
      // A parameter given with no value at all (`?usernames`) reads the same as `?usernames=`.
      const bare = await rest(srv.url, "POST", "/v2/friend?usernames", { token: ada.token });
      assert.equal(bare.status, 400);
      assert.equal(bare.body.message, "Username must not be empty.");
    });
  });
}
