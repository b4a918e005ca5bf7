// How stock Nakama's HTTP gateway reads a REST request, which stock mode follows (the sources are
// named in docs/server.md, "Stock Nakama mode"): its JSON reader skips body fields it does not know
// (protojson with DiscardUnknown); it reads the whole request before its gRPC server checks the
// credentials; it parses the query only for routes that take query parameters, refusing a bad `%`
// escape or a `;` with 400; and a string parameter whose escapes do not spell UTF-8 reaches its
// gRPC client, which cannot encode it: 500, code 13. herald's own mode refuses each of these with
// 400, after checking the credentials.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const NOT_UTF8 = "grpc: error while marshaling: string field contains invalid UTF-8";

for (const mode of serverModes) {
  const stock = mode.name === "nakama";
  describe(`REST requests as stock's gateway reads them (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test(
      stock
        ? "unknown body fields are skipped, at any depth, and the known ones applied"
        : "an unknown body field is refused with 400 naming it, and nothing is applied",
      async () => {
        const ada = await authenticate(srv.url);
        const name = uniqueName("g");
        const created = await rest(srv.url, "POST", "/v2/group", {
          token: ada.token,
          body: { name, description: "d", no_such_field: { deep: [1, { x: null }] } },
        });
        const listed = await rest(srv.url, "GET", `/v2/group?limit=10&name=${name}`, { token: ada.token });
        if (stock) {
          assert.equal(created.status, 200, JSON.stringify(created.body));
          assert.equal(created.body.name, name);
          assert.equal(created.body.description, "d");
          assert.equal((listed.body.groups as unknown[]).length, 1);
        } else {
          assert.equal(created.status, 400);
          assert.equal(created.body.code, 3);
          assert.match(String(created.body.message), /unknown field "no_such_field"/);
          assert.equal(listed.body.groups, undefined);
        }
        // A nested message (the sign-in body's account) and an extension field stock lacks.
        const signIn = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
          basic: srv.serverKey,
          body: { id: `device-${uniqueName()}`, unknown: "x" },
        });
        assert.equal(signIn.status, stock ? 200 : 400);
        const update = await rest(srv.url, "PUT", "/v2/account", {
          token: ada.token,
          body: { display_name: "Ada", invisible: true, unknown: 1 },
        });
        assert.equal(update.status, stock ? 200 : 400);
        const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
        const user = account.body.user as Record<string, unknown>;
        assert.equal(user.display_name, stock ? "Ada" : undefined);
        if (stock) assert.equal("invisible" in account.body || "invisible" in user, false);
      },
    );

    test("one field under both spellings is a field given twice; a map's keys are its own; an unknown field given twice is skipped only by stock", async () => {
      const ada = await authenticate(srv.url);
      const name = uniqueName("g");
      const twice = await fetch(`${srv.url}/v2/group`, {
        method: "POST",
        headers: { authorization: `Bearer ${ada.token}` },
        body: `{"name":"${name}","lang_tag":"en","langTag":"fr"}`,
      });
      assert.equal(twice.status, 400);
      assert.match(((await twice.json()) as { message: string }).message, /duplicate field "langTag"/);
      const basic = { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` };
      const nested = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
        method: "POST",
        headers: basic,
        body: `{"id":"device-${uniqueName()}","vars":{"a_b":"1","aB":"2"}}`,
      });
      assert.equal(nested.status, 200, "map keys a_b and aB are two keys");
      const unknownTwice = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
        method: "POST",
        headers: basic,
        body: `{"id":"device-${uniqueName()}","zz":1,"zz":{"zz":2}}`,
      });
      assert.equal(unknownTwice.status, stock ? 200 : 400);
      const dupMapKey = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
        method: "POST",
        headers: basic,
        body: `{"id":"device-${uniqueName()}","vars":{"k":"1","k":"2"}}`,
      });
      assert.equal(dupMapKey.status, 400, "a map key given twice is refused, as protojson refuses it");
    });

    test(
      stock
        ? "a malformed request without credentials gets its 400 first, as stock reads before it authenticates"
        : "a malformed request without credentials gets 401 first",
      async () => {
        const group = await rest(srv.url, "POST", "/v2/group", { body: { name: "a", unknown: 1 } });
        const noToken = await fetch(`${srv.url}/v2/group`, {
          method: "POST",
          body: '{"name":"a","name":"b"}',
        });
        if (stock) {
          // The unknown field is skipped; the credentials are then missing.
          assert.equal(group.status, 401);
          assert.equal(noToken.status, 400);
          assert.match(((await noToken.json()) as { message: string }).message, /duplicate field "name"/);
        } else {
          assert.equal(group.status, 401);
          assert.equal(noToken.status, 401);
        }
        const query = await rest(srv.url, "GET", "/v2/channel/2...lobby?limit=%zz");
        assert.equal(query.status, stock ? 400 : 401);
      },
    );

    test(
      stock
        ? "query: a bad escape or a ';' is refused with Go's words; escapes that are not UTF-8 in a string parameter get 500, code 13"
        : "query: every bad escape, UTF-8 or not, is refused with 400",
      async () => {
        const ada = await authenticate(srv.url);
        const history = (query: string) =>
          rest(srv.url, "GET", `/v2/channel/2...${uniqueName("r")}?${query}`, { token: ada.token });
        const cases: [string, number, number, RegExp | string][] = stock
          ? [
              ["limit=10&cursor=%zz", 400, 3, 'invalid URL escape "%zz"'],
              ["limit=10&cursor=abc%", 400, 3, 'invalid URL escape "%"'],
              ["limit=10&%zz=1", 400, 3, 'invalid URL escape "%zz"'],
              ["limit=10;forward=true", 400, 3, "invalid semicolon separator in query"],
              ["cursor=%zz&limit=1;2", 400, 3, "invalid semicolon separator in query"],
              ["limit=10&cursor=%FF", 500, 13, NOT_UTF8],
              ["limit=10&cursor=%C3", 500, 13, NOT_UTF8],
              // Not a string: the number does not read, a bad argument (400) as any other.
              ["limit=%FF", 400, 3, /limit/],
            ]
          : [
              ["limit=10&cursor=%zz", 400, 3, /invalid URL escape/],
              ["limit=10&cursor=%FF", 400, 3, /not UTF-8/],
              ["limit=10&zz=%FF", 400, 3, /not UTF-8/],
            ];
        for (const [query, status, code, words] of cases) {
          const res = await history(query);
          assert.equal(res.status, status, query);
          assert.equal(res.body.code, code, query);
          if (typeof words === "string") assert.equal(res.body.message, words, query);
          else assert.match(String(res.body.message), words, query);
          assert.equal("herald_code" in res.body, !stock, query);
        }
        // A parameter the route does not take is never read, whatever its escapes.
        if (stock) assert.equal((await history("limit=10&unknown=%FF")).status, 200);
        // A route that takes no query parameters never reads the query at all.
        const account = await rest(srv.url, "GET", "/v2/account?x=%zz;y", { token: ada.token });
        assert.equal(account.status, stock ? 200 : 400);
        const users = await rest(srv.url, "GET", "/v2/user?usernames=%FF", { token: ada.token });
        assert.equal(users.status, stock ? 500 : 400);
        // A path parameter whose escapes are not UTF-8 goes the same way on stock.
        const path = await rest(srv.url, "GET", "/v2/channel/2...%FF?limit=1", { token: ada.token });
        assert.deepEqual(
          [path.status, path.body.code, path.body.message],
          stock ? [500, 13, NOT_UTF8] : [400, 3, "Malformed path parameter channel_id"],
        );
      },
    );
  });
}
