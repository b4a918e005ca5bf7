// Session refresh and logout as stock Nakama 3.26 answers them (server/api_session.go,
// core_session.go): a missing refresh token is bad input, not unauthenticated; a refresh hands back
// a new refresh token carrying the new vars; logout refuses a token that is not a valid one of the
// caller's, of the right kind, in stock's words.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, startServer, uniqueName } from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";

function claimsOf(token: unknown): {
  uid: string;
  tid: string;
  exp: number;
  iat: number;
  vrs?: Record<string, string>;
} {
  return JSON.parse(Buffer.from(String(token).split(".")[1] ?? "", "base64url").toString("utf8"));
}

for (const mode of serverModes) {
  describe(`session refresh and logout as stock answers them (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function refresh(body: unknown) {
      return rest(srv.url, "POST", "/v2/account/session/refresh", { basic: srv.serverKey, body });
    }

    test("refresh: no token is bad input; a malformed or session token is unauthenticated", async () => {
      const ada = await authenticate(srv.url);
      for (const body of [{}, { token: "" }]) {
        const res = await refresh(body);
        assert.deepEqual(
          [res.status, res.body.code, res.body.message],
          [400, 3, "Refresh token is required."],
        );
      }
      for (const token of ["not.a.token", ada.token]) {
        const res = await refresh({ token });
        assert.deepEqual(
          [res.status, res.body.code, res.body.message],
          [401, 16, "Refresh token invalid or expired."],
        );
      }
    });

    test(
      "refresh: a valid refresh token of a user this server does not have is not found",
      bundledOnly(mode, "two servers sharing a token secret"),
      async () => {
        const options = { ...mode.options, tokenSecret: "shared-secret-for-this-test" };
        const [one, two] = await Promise.all([startServer(options), startServer(options)]);
        try {
          const ada = await authenticate(one.url);
          const res = await rest(two.url, "POST", "/v2/account/session/refresh", {
            basic: two.serverKey,
            body: { token: ada.refreshToken },
          });
          assert.deepEqual(
            [res.status, res.body.code, res.body.message],
            [404, 5, "User account not found."],
          );
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      },
    );

    test("refresh: vars given replace the old ones, in both new tokens; vars left out keep them", async () => {
      const ada = await authenticate(srv.url);
      const first = await refresh({ token: ada.refreshToken, vars: { level: "3" } });
      assert.equal(first.status, 200);
      assert.deepEqual(claimsOf(first.body.token).vrs, { level: "3" });
      assert.deepEqual(claimsOf(first.body.refresh_token).vrs, { level: "3" });
      assert.equal(claimsOf(first.body.refresh_token).tid, claimsOf(ada.refreshToken).tid);
      const second = await refresh({ token: first.body.refresh_token });
      assert.equal(second.status, 200);
      assert.deepEqual(claimsOf(second.body.token).vrs, { level: "3" });
    });

    test("logout: a token that is malformed, of the wrong kind, or another user's is refused, and nothing is revoked", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const cases: [Record<string, string>, string][] = [
        [{ token: "not.a.token" }, "Session token invalid."],
        [{ token: bob.token }, "Session token invalid."],
        [{ token: ada.refreshToken }, "Session token invalid."],
        [{ refresh_token: "not.a.token" }, "Refresh token invalid."],
        [{ refresh_token: bob.refreshToken }, "Refresh token invalid."],
        [{ refresh_token: ada.token }, "Refresh token invalid."],
        [{ token: "bad", refresh_token: "bad" }, "Session token invalid."],
      ];
      for (const [body, message] of cases) {
        const res = await rest(srv.url, "POST", "/v2/session/logout", { token: ada.token, body });
        assert.deepEqual(
          [res.status, res.body.code, res.body.message],
          [400, 3, message],
          JSON.stringify(body),
        );
      }
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: ada.token })).status, 200);
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: bob.token })).status, 200);
      assert.equal((await refresh({ token: bob.refreshToken })).status, 200);
      assert.equal((await refresh({ token: ada.refreshToken })).status, 200);
    });

    test("logout with the caller's own tokens revokes them", async () => {
      const ada = await authenticate(srv.url);
      const out = await rest(srv.url, "POST", "/v2/session/logout", {
        token: ada.token,
        body: { token: ada.token, refresh_token: ada.refreshToken },
      });
      assert.equal(out.status, 200);
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: ada.token })).status, 401);
      assert.equal((await refresh({ token: ada.refreshToken })).status, 401);
    });

    test("logout naming no token revokes every session of the caller issued before that second, and no one else's", async () => {
      const deviceId = `device-${uniqueName()}`;
      const phone = await authenticate(srv.url, { deviceId });
      const laptop = await authenticate(srv.url, { deviceId });
      const bob = await authenticate(srv.url);
      // Stock cuts at whole seconds: wait for the second after both sign-ins (an exact check).
      const issuedAt = Math.max(claimsOf(phone.token).iat, claimsOf(laptop.token).iat);
      while (Date.now() / 1000 < issuedAt + 1) await new Promise((r) => setTimeout(r, 50));
      const out = await rest(srv.url, "POST", "/v2/session/logout", { token: phone.token, body: {} });
      assert.equal(out.status, 200);
      for (const token of [phone.token, laptop.token]) {
        assert.equal((await rest(srv.url, "GET", "/v2/account", { token })).status, 401);
      }
      for (const token of [phone.refreshToken, laptop.refreshToken]) {
        assert.equal((await refresh({ token })).status, 401);
      }
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: bob.token })).status, 200);
      // Signing in again right after works.
      const back = await authenticate(srv.url, { deviceId });
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: back.token })).status, 200);
      assert.equal((await refresh({ token: back.refreshToken })).status, 200);
    });
  });
}
