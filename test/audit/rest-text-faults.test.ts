// REST requests whose text is not what it seems: bytes that are not UTF-8 (in the body or behind a
// query escape), a bad % escape, a key given twice in one JSON object, a \u escape naming half of a
// surrogate pair. Each used to be read as something the client never sent (U+FFFD stored in a
// name, the last of two keys, a literal "%"); stock's HTTP front refuses them, and so does herald:
// 400, code 3 (500, code 13 for a query string that is not UTF-8, in stock mode as on stock), and
// nothing stored.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestServer, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

async function post(srv: TestServer, token: string, path: string, body: string | Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${srv.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : new Blob([body]),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const mode of serverModes) {
  describe(`REST text faults (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function assertNoGroupNamed(token: string, stem: string): Promise<void> {
      const listed = await rest(srv.url, "GET", `/v2/group?limit=100&name=${stem}%25`, { token });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.groups, undefined, `no group starting with ${stem} was created`);
    }

    test("a body with bytes that are not UTF-8 is refused, not stored with U+FFFD", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("g");
      const body = Buffer.concat([
        Buffer.from(`{"name":"${stem}`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const res = await post(srv, ada.token, "/v2/group", body);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 3);
      assert.match(String(res.body.message), /not valid UTF-8/);
      await assertNoGroupNamed(ada.token, stem);
    });

    test("a JSON object with a key given twice is refused, not read as the last", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("g");
      for (const body of [
        `{"name":"${stem}a","name":"${stem}b"}`,
        `{"name":"${stem}a","description":"x","description":"y"}`,
      ]) {
        const res = await post(srv, ada.token, "/v2/group", body);
        assert.equal(res.status, 400, body);
        assert.equal(res.body.code, 3, body);
        assert.match(String(res.body.message), /duplicate field "(name|description)"/, body);
      }
      // The same key in different objects, or as a value, is no duplicate.
      const vars = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
        body: `{"id":"device-${uniqueName()}","vars":{"id":"id","vars":"x"}}`,
      });
      assert.equal(vars.status, 200);
      const dupVar = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
        body: `{"id":"device-${uniqueName()}","vars":{"k":"1","k":"2"}}`,
      });
      assert.equal(dupVar.status, 400);
      await assertNoGroupNamed(ada.token, stem);
    });

    test("a \\u escape naming half of a surrogate pair is refused; a whole pair is read", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("g");
      for (const escaped of ["\\ud800", "\\udc00", "\\ud800x", "\\ud800\\u0041", "\\udc00\\ud800"]) {
        const res = await post(srv, ada.token, "/v2/group", `{"name":"${stem}${escaped}"}`);
        assert.equal(res.status, 400, escaped);
        assert.match(String(res.body.message), /surrogate/, escaped);
      }
      await assertNoGroupNamed(ada.token, stem);
      const whole = await post(srv, ada.token, "/v2/group", `{"name":"${stem}\\ud83d\\ude00"}`);
      assert.equal(whole.status, 200);
      assert.equal(whole.body.name, `${stem}\u{1F600}`);
      // An escaped backslash before "ud800" is text, not an escape.
      const text = await post(srv, ada.token, "/v2/group", `{"name":"${stem}\\\\ud800"}`);
      assert.equal(text.status, 200);
      assert.equal(text.body.name, `${stem}\\ud800`);
    });

    test("a query escape that is not %XX, or that does not spell UTF-8, is refused", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("u");
      const signIn = (query: string) =>
        fetch(`${srv.url}/v2/account/authenticate/device?create=true&${query}`, {
          method: "POST",
          headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
          body: `{"id":"device-${uniqueName()}"}`,
        });
      // Stock passes a string that is not UTF-8 on to its gRPC client, which cannot encode it: 500,
      // code 13 (see stock-rest-requests.test.ts); herald refuses it as bad input.
      const notUtf8 =
        mode.name === "nakama" ? ([500, 13, /invalid UTF-8/] as const) : ([400, 3, /not UTF-8/] as const);
      for (const [query, status, code, words] of [
        [`username=${stem}%FF`, ...notUtf8],
        [`username=${stem}%C3`, ...notUtf8],
        [`username=${stem}%zz`, 400, 3, /invalid URL escape/],
        [`username=${stem}%`, 400, 3, /invalid URL escape/],
      ] as const) {
        const res = await signIn(query);
        assert.equal(res.status, status, query);
        const body = (await res.json()) as { code: number; message: string };
        assert.equal(body.code, code, query);
        assert.match(body.message, words, query);
      }
      const users = await rest(srv.url, "GET", `/v2/user?usernames=${stem}%EF%BF%BD`, { token: ada.token });
      assert.equal(users.body.users, undefined, "no user was created with U+FFFD in the name");
      // Escaped UTF-8, U+FFFD itself included, is read as sent.
      const ok = await signIn(`username=${stem}%C3%A9`);
      assert.equal(ok.status, 200);
      const listed = await rest(srv.url, "GET", "/v2/group?limit=1&name=caf%C3%A9%25", { token: ada.token });
      assert.equal(listed.status, 200);
    });
  });
}
