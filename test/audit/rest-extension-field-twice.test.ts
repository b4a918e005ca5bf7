// A herald extension field given twice in a REST body. Stock Nakama's gateway reads bodies with
// protojson and DiscardUnknown: a field it does not know is skipped with its value, before (and
// without) the duplicate check, which counts known fields only. So in `compat: "nakama"` mode, where
// herald's extension fields are fields stock does not know, giving one twice is no fault, as on
// stock; herald's own mode knows them and refuses a field given twice.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  const stock = mode.name === "nakama";
  describe(`an extension field given twice in a REST body (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function putAccount(token: string, body: string) {
      const res = await fetch(`${srv.url}/v2/account`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    async function account(token: string) {
      const res = await rest(srv.url, "GET", "/v2/account", { token });
      assert.equal(res.status, 200);
      return res.body;
    }

    test(
      stock
        ? "is skipped as stock skips it: the rest of the body is applied"
        : "is refused as a duplicate, and nothing is changed",
      async () => {
        const ada = await authenticate(srv.url);
        const name = uniqueName("Ada");
        const res = await putAccount(
          ada.token,
          `{"display_name":"${name}","invisible":true,"invisible":false}`,
        );
        const user = (await account(ada.token)).user as Record<string, unknown>;
        if (stock) {
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(user.display_name, name);
        } else {
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.equal(res.body.code, 3);
          assert.match(String(res.body.message), /duplicate field "invisible"/);
          assert.equal(user.display_name, undefined);
        }
      },
    );

    test("an extension field's value holding a key twice is skipped by stock, refused by herald", async () => {
      const ada = await authenticate(srv.url);
      const name = uniqueName("Ada");
      const res = await putAccount(ada.token, `{"display_name":"${name}","invisible":{"a":1,"a":2}}`);
      // herald refuses the value anyway (an object is no bool); stock never looks into it.
      assert.equal(res.status, stock ? 200 : 400, JSON.stringify(res.body));
      const user = (await account(ada.token)).user as Record<string, unknown>;
      assert.equal(user.display_name, stock ? name : undefined);
    });

    test("a known field given twice is refused in both modes", async () => {
      const ada = await authenticate(srv.url);
      const res = await putAccount(ada.token, '{"display_name":"a","invisible":true,"displayName":"b"}');
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(String(res.body.message), /duplicate field "displayName"/);
      assert.equal(((await account(ada.token)).user as Record<string, unknown>).display_name, undefined);
    });

    test("an extension field's value that is not valid JSON text is refused in both modes", async () => {
      const ada = await authenticate(srv.url);
      // protojson's tokenizer reads a skipped value too: half of a surrogate pair is refused.
      const res = await putAccount(ada.token, '{"display_name":"a","invisible":"\\ud800"}');
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 3);
    });
  });
}
