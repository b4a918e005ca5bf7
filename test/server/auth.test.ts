import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  rest,
  serverForSuite,
  socketUrl,
  startServer,
  uniqueName,
  upgradeStatus,
} from "../helpers/server.js";

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe("authentication", () => {
  const srv = serverForSuite();

  test("device, custom and email sign-in create a user once and sign the same user in again", async () => {
    const deviceId = `device-${uniqueName()}`;
    const first = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
      basic: "defaultkey",
      body: { id: deviceId, vars: { team: "red" } },
    });
    assert.equal(first.body.created, true);
    const again = await rest(srv.url, "POST", "/v2/account/authenticate/device", {
      basic: "defaultkey",
      body: { id: deviceId },
    });
    assert.equal(again.body.created, undefined);
    assert.equal(claimsOf(first.body.token as string).uid, claimsOf(again.body.token as string).uid);
    const claims = claimsOf(first.body.token as string);
    for (const claim of ["uid", "usn", "vrs", "exp", "iat", "tid"]) assert.ok(claim in claims, claim);
    assert.deepEqual(claims.vrs, { team: "red" });

    const customId = `custom-${uniqueName()}`;
    const custom = await rest(srv.url, "POST", "/v2/account/authenticate/custom?username=customer", {
      basic: "defaultkey",
      body: { id: customId },
    });
    assert.equal(custom.status, 200);
    assert.equal(claimsOf(custom.body.token as string).usn, "customer");

    const email = `${uniqueName()}@example.com`;
    const created = await rest(srv.url, "POST", "/v2/account/authenticate/email", {
      basic: "defaultkey",
      body: { email, password: "correct horse" },
    });
    assert.equal(created.body.created, true);
    const wrong = await rest(srv.url, "POST", "/v2/account/authenticate/email", {
      basic: "defaultkey",
      body: { email, password: "wrong password" },
    });
    assert.deepEqual([wrong.status, wrong.body.code], [401, 16]);
    const right = await rest(srv.url, "POST", "/v2/account/authenticate/email", {
      basic: "defaultkey",
      body: { email, password: "correct horse" },
    });
    assert.equal(right.status, 200);
    const account = await rest(srv.url, "GET", "/v2/account", { token: right.body.token as string });
    assert.equal(account.body.email, email);
  });

  test("a refresh token yields a new session token, and logout revokes both for REST and WebSocket", async () => {
    const ada = await authenticate(srv.url);
    const refreshed = await rest(srv.url, "POST", "/v2/account/session/refresh", {
      basic: "defaultkey",
      body: { token: ada.refreshToken },
    });
    assert.equal(refreshed.status, 200);
    const token = refreshed.body.token as string;
    assert.equal(claimsOf(token).uid, ada.userId);
    assert.equal((await rest(srv.url, "GET", "/v2/account", { token })).status, 200);
    const asSession = await rest(srv.url, "GET", "/v2/account", { token: ada.refreshToken });
    assert.equal(asSession.status, 401, "a refresh token is not a session token");

    const out = await rest(srv.url, "POST", "/v2/session/logout", {
      token,
      body: { token, refresh_token: ada.refreshToken },
    });
    assert.equal(out.status, 200);
    assert.equal((await rest(srv.url, "GET", "/v2/account", { token })).status, 401);
    assert.equal((await rest(srv.url, "GET", "/v2/account", { token: ada.token })).status, 401);
    assert.equal(await upgradeStatus(socketUrl(srv.url, token)), 401);
    const again = await rest(srv.url, "POST", "/v2/account/session/refresh", {
      basic: "defaultkey",
      body: { token: ada.refreshToken },
    });
    assert.equal(again.status, 401);
  });

  test("an expired session token is refused", async () => {
    const short = await startServer({ tokenExpirySec: 1 });
    try {
      const ada = await authenticate(short.url);
      const exp = claimsOf(ada.token).exp as number;
      // Wait for the clock to pass the expiry second; the check is exact, not a timing assertion.
      while (Date.now() / 1000 < exp) await new Promise((r) => setTimeout(r, 50));
      assert.equal((await rest(short.url, "GET", "/v2/account", { token: ada.token })).status, 401);
      assert.equal(await upgradeStatus(socketUrl(short.url, ada.token)), 401);
    } finally {
      await short.close();
    }
  });

  test("the account can be read and updated, and users are found by id and username", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const newName = uniqueName("ada");
    const put = await rest(srv.url, "PUT", "/v2/account", {
      token: ada.token,
      body: { username: newName, display_name: "Ada L" },
    });
    assert.equal(put.status, 200);
    const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
    const user = account.body.user as Record<string, unknown>;
    assert.equal(user.username, newName);
    assert.equal(user.display_name, "Ada L");
    assert.equal((account.body.devices as unknown[]).length, 1);
    const taken = await rest(srv.url, "PUT", "/v2/account", {
      token: bob.token,
      body: { username: newName },
    });
    assert.equal(taken.status, 409);
    const users = await rest(srv.url, "GET", `/v2/user?ids=${bob.userId}&usernames=${newName}`, {
      token: bob.token,
    });
    assert.deepEqual(
      (users.body.users as { id: string }[]).map((u) => u.id).sort(),
      [ada.userId, bob.userId].sort(),
    );
    const caps = await rest(srv.url, "GET", "/v2/herald/capabilities");
    assert.equal(caps.body.server, "herald");
    assert.deepEqual(caps.body.extensions, ["client_msg_id", "exact_cursors", "join_mark", "user_presence"]);
  });
  test("session vars are bounded so that every session signed in can be used; larger ones are refused", async () => {
    // 8,000 bytes of vars as JSON: within the bound, and its token still fits a request's headers.
    const fits = { blob: "v".repeat(8000 - '{"blob":""}'.length) };
    const deviceId = `device-${uniqueName()}`;
    const ok = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
      basic: "defaultkey",
      body: { id: deviceId, vars: fits },
    });
    assert.equal(ok.status, 200);
    const token = ok.body.token as string;
    assert.equal((claimsOf(token).vrs as Record<string, string>).blob, fits.blob);
    assert.equal((await rest(srv.url, "GET", "/v2/account", { token })).status, 200);
    assert.equal(await upgradeStatus(socketUrl(srv.url, token)), 101);
    const refreshed = await rest(srv.url, "POST", "/v2/account/session/refresh", {
      basic: "defaultkey",
      body: { token: ok.body.refresh_token, vars: fits },
    });
    assert.equal(refreshed.status, 200);
    assert.equal(
      (await rest(srv.url, "GET", "/v2/account", { token: refreshed.body.token as string })).status,
      200,
    );

    // 100 KB of vars signed in and gave a token every request was refused with (431).
    const tooBig = { blob: "v".repeat(100_000) };
    const refusals = [
      ["/v2/account/authenticate/device?create=true", { id: `device-${uniqueName()}`, vars: tooBig }],
      ["/v2/account/authenticate/custom?create=true", { id: `custom-${uniqueName()}`, vars: tooBig }],
      [
        "/v2/account/authenticate/email?create=true",
        { email: `${uniqueName()}@example.com`, password: "password1", vars: tooBig },
      ],
      ["/v2/account/session/refresh", { token: ok.body.refresh_token, vars: tooBig }],
    ] as const;
    for (const [route, body] of refusals) {
      const refused = await rest(srv.url, "POST", route, { basic: "defaultkey", body });
      assert.equal(refused.status, 400, route);
      assert.equal(refused.body.code, 3, route);
      assert.match(String(refused.body.message), /vars too large: 100011 bytes as JSON, at most 8192/, route);
    }
    // Refused before anything was created: the device signs in as new afterwards.
    const [, device] = refusals[0];
    const after = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
      basic: "defaultkey",
      body: { id: device.id },
    });
    assert.equal(after.body.created, true);
  });
});
