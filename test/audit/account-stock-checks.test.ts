// PUT /v2/account and GET /v2/user as stock Nakama 3.26 answers them (server/api_account.go,
// core_account.go, api_user.go, core_user.go): a username change is 1-128 bytes, may hold spaces
// but no control characters; a request changing nothing is refused; profile limits count
// characters, as stock's columns do; user ids are read in every form stock's UUID parser takes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`account and users as stock answers them (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function update(token: string, body: unknown): Promise<[number, number | undefined, unknown]> {
      const res = await rest(srv.url, "PUT", "/v2/account", { token, body });
      return [res.status, res.body.code as number | undefined, res.body.message];
    }

    async function usernameOf(token: string): Promise<string> {
      const account = await rest(srv.url, "GET", "/v2/account", { token });
      return (account.body.user as { username: string }).username;
    }

    test("a username change: empty or over 128 bytes, then control characters, refused in stock's words; spaces taken", async () => {
      const ada = await authenticate(srv.url);
      const long = [400, 3, "Username invalid, must be 1-128 bytes."];
      const control = [400, 3, "Username invalid, no spaces or control characters allowed."];
      assert.deepEqual(await update(ada.token, { username: "" }), long);
      assert.deepEqual(await update(ada.token, { username: "é".repeat(65) }), long);
      assert.deepEqual(await update(ada.token, { username: "a\u0000b" }), control);
      assert.deepEqual(await update(ada.token, { username: "a\tb" }), control);
      assert.equal(await usernameOf(ada.token), ada.username, "nothing changed");
      const spaced = `ada ${uniqueName()}`;
      assert.deepEqual(await update(ada.token, { username: spaced }), [200, undefined, undefined]);
      assert.equal(await usernameOf(ada.token), spaced);
      const bob = await authenticate(srv.url);
      assert.deepEqual(await update(bob.token, { username: spaced }), [
        409,
        6,
        "Username is already in use.",
      ]);
    });

    test("a request that changes no field is refused; an empty field clears it", async () => {
      const ada = await authenticate(srv.url);
      assert.deepEqual(await update(ada.token, {}), [400, 3, "No fields to update."]);
      assert.deepEqual(await update(ada.token, { location: "Paris", timezone: "CET" }), [
        200,
        undefined,
        undefined,
      ]);
      assert.deepEqual(await update(ada.token, { location: "" }), [200, undefined, undefined]);
      const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
      const user = account.body.user as Record<string, unknown>;
      assert.equal(user.location, undefined);
      assert.equal(user.timezone, "CET");
    });

    test("profile limits count characters, not UTF-16 units", async () => {
      const ada = await authenticate(srv.url);
      const emoji = "😀".repeat(255);
      assert.deepEqual(await update(ada.token, { display_name: emoji }), [200, undefined, undefined]);
      const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
      assert.equal((account.body.user as { display_name: string }).display_name, emoji);
      const [status] = await update(ada.token, { display_name: "😀".repeat(256) });
      assert.equal(status, 400);
    });

    test("users by id in any form stock's parser takes (upper case, braces, no hyphens), once each", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const bare = ada.userId.replaceAll("-", "");
      const query = [ada.userId.toUpperCase(), `{${ada.userId}}`, bare, `{${bare}}`, bob.userId]
        .map((id) => `ids=${encodeURIComponent(id)}`)
        .join("&");
      const res = await rest(srv.url, "GET", `/v2/user?${query}&usernames=${bob.username}`, {
        token: ada.token,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const ids = (res.body.users as { id: string }[]).map((u) => u.id).sort();
      assert.deepEqual(ids, [ada.userId, bob.userId].sort());
      for (const bad of [`${ada.userId}0`, ada.userId.replace("-", ""), "not-a-uuid"]) {
        const refused = await rest(srv.url, "GET", `/v2/user?ids=${encodeURIComponent(bad)}`, {
          token: ada.token,
        });
        assert.deepEqual(
          [refused.status, refused.body.code, refused.body.message],
          [400, 3, `ID '${bad}' is not a valid system ID.`],
        );
      }
      const none = await rest(srv.url, "GET", "/v2/user?facebook_ids=nobody", { token: ada.token });
      assert.equal(none.status, 200);
      assert.equal(none.body.users, undefined);
    });
  });
}
