// Sign-in refusals as stock Nakama 3.26 makes them (server/api_authenticate.go and
// core_authenticate.go): which checks, in which order, with which words and codes. Lengths are in
// UTF-8 bytes; a username may hold spaces but no control characters; the username is checked
// before the account is looked up, so a bad one is refused even for a user who exists; an empty
// email with a username signs in by username and password.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

type Refusal = [status: number, code: number, message: string];

function claimsOf(token: unknown): { uid: string; usn: string; vrs?: Record<string, string> } {
  return JSON.parse(Buffer.from(String(token).split(".")[1] ?? "", "base64url").toString("utf8"));
}

for (const mode of serverModes) {
  describe(`sign-in checks as stock makes them (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function signIn(kind: string, query: string, body: unknown): Promise<Refusal | "ok"> {
      const res = await rest(srv.url, "POST", `/v2/account/authenticate/${kind}${query}`, {
        basic: srv.serverKey,
        ...(body === undefined ? {} : { body }),
      });
      if (res.status === 200) return "ok";
      return [res.status, res.body.code as number, res.body.message as string];
    }

    test("device and custom ids: missing, with spaces or control characters, and out of range in bytes", async () => {
      const bad = (message: string): Refusal => [400, 3, message];
      assert.deepEqual(await signIn("device", "", {}), bad("Device ID is required."));
      assert.deepEqual(await signIn("device", "", { id: "" }), bad("Device ID is required."));
      assert.deepEqual(
        await signIn("device", "", { id: "has a space in it" }),
        bad("Device ID invalid, no spaces or control characters allowed."),
      );
      assert.deepEqual(
        await signIn("device", "", { id: "tab\there-long" }),
        bad("Device ID invalid, no spaces or control characters allowed."),
      );
      assert.deepEqual(
        await signIn("device", "", { id: "short" }),
        bad("Device ID invalid, must be 10-128 bytes."),
      );
      // Five two-byte letters are ten bytes: long enough for stock.
      assert.equal(await signIn("device", "", { id: `ééééé${uniqueName()}`.slice(0, 5) }), "ok");
      assert.deepEqual(
        await signIn("device", "", { id: "é".repeat(65) }),
        bad("Device ID invalid, must be 10-128 bytes."),
      );
      assert.deepEqual(await signIn("custom", "", {}), bad("Custom ID is required."));
      assert.deepEqual(
        await signIn("custom", "", { id: "a\u0000bcdefg" }),
        bad("Custom ID invalid, no spaces or control characters allowed."),
      );
      assert.deepEqual(
        await signIn("custom", "", { id: "abc" }),
        bad("Custom ID invalid, must be 6-128 bytes."),
      );
      assert.equal(await signIn("custom", "", { id: `ééé${uniqueName()}`.slice(0, 3) }), "ok");
    });

    test("usernames: spaces allowed, control characters and over 128 bytes refused, even for a user who exists", async () => {
      const spaced = `ada ${uniqueName()}`;
      const created = await rest(
        srv.url,
        "POST",
        `/v2/account/authenticate/device?username=${encodeURIComponent(spaced)}`,
        { basic: srv.serverKey, body: { id: `device-${uniqueName()}` } },
      );
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(claimsOf(created.body.token).usn, spaced);

      const existing = `device-${uniqueName()}`;
      await authenticate(srv.url, { deviceId: existing });
      const control: Refusal = [400, 3, "Username invalid, no spaces or control characters allowed."];
      const long: Refusal = [400, 3, "Username invalid, must be 1-128 bytes."];
      for (const id of [`device-${uniqueName()}`, existing]) {
        assert.deepEqual(await signIn("device", `?username=${encodeURIComponent("a\tb")}`, { id }), control);
        assert.deepEqual(
          await signIn("device", `?username=${encodeURIComponent("a\u007fb")}`, { id }),
          control,
        );
        assert.deepEqual(await signIn("device", `?username=${"é".repeat(65)}`, { id }), long);
        // Stock's pattern also refuses `[` or a space right before `]`, a quirk of how it is written.
        for (const name of ["a[]b", "a ]b"])
          assert.deepEqual(await signIn("device", `?username=${encodeURIComponent(name)}`, { id }), control);
      }
      // The same checks with create=false, before the account is found missing.
      assert.deepEqual(
        await signIn("custom", `?create=false&username=${encodeURIComponent("a\nb")}`, {
          id: `c-${uniqueName()}`,
        }),
        control,
      );
      assert.deepEqual(await signIn("custom", "?create=false&username=fine", { id: `c-${uniqueName()}` }), [
        404,
        5,
        "User account not found.",
      ]);
    });

    test("an existing account ignores the username asked for; a new one asking for a taken name is refused", async () => {
      const ada = await authenticate(srv.url, { deviceId: `device-${uniqueName()}` });
      const other = uniqueName("other");
      const again = await rest(srv.url, "POST", `/v2/account/authenticate/custom?username=${other}`, {
        basic: srv.serverKey,
        body: { id: `custom-${uniqueName()}` },
      });
      assert.equal(again.status, 200);
      assert.deepEqual(
        await signIn("device", `?username=${ada.username}`, { id: `device-${uniqueName()}` }),
        [409, 6, "Username is already in use."],
      );
    });

    test("email: each check in stock's order and words, lengths in bytes", async () => {
      const bad = (message: string): Refusal => [400, 3, message];
      assert.deepEqual(await signIn("email", "", {}), bad("Password must be at least 8 characters long."));
      assert.deepEqual(
        await signIn("email", "", { email: "a b@example.com", password: "password1" }),
        bad("Invalid email address, no spaces or control characters allowed."),
      );
      assert.deepEqual(
        await signIn("email", "", { email: "nobody-at-example.com", password: "password1" }),
        bad("Invalid email address format."),
      );
      assert.deepEqual(
        await signIn("email", "", { email: "someone@localhost", password: "password1" }),
        bad("Invalid email address format."),
      );
      assert.deepEqual(
        await signIn("email", "", { email: "a@b.co", password: "password1" }),
        bad("Invalid email address, must be 10-255 bytes."),
      );
      assert.deepEqual(
        await signIn("email", "", { email: `${"a".repeat(250)}@b.com`, password: "password1" }),
        bad("Invalid email address, must be 10-255 bytes."),
      );
      assert.deepEqual(
        await signIn("email", "", { email: `${uniqueName()}@example.com`, password: "short" }),
        bad("Password must be at least 8 characters long."),
      );
      // Four two-byte letters are eight bytes: long enough for stock.
      assert.equal(
        await signIn("email", "", { email: `${uniqueName()}@example.com`, password: "éééé" }),
        "ok",
      );
      // Stock's pattern takes a second @ in the address.
      assert.equal(
        await signIn("email", "", { email: `${uniqueName()}@x@example.com`, password: "password1" }),
        "ok",
      );
      assert.deepEqual(
        await signIn("email", `?username=${encodeURIComponent("a\u0001b")}`, {
          email: `${uniqueName()}@example.com`,
          password: "password1",
        }),
        bad("Username invalid, no spaces or control characters allowed."),
      );
      assert.deepEqual(
        await signIn("email", "?create=false", {
          email: `${uniqueName()}@example.com`,
          password: "password1",
        }),
        [404, 5, "User account not found."],
      );
    });

    test("an empty email with a username signs in by username and password, never creating", async () => {
      const username = uniqueName("mail");
      const email = `${uniqueName()}@Example.com`;
      const created = await rest(srv.url, "POST", `/v2/account/authenticate/email?username=${username}`, {
        basic: srv.serverKey,
        body: { email, password: "password1" },
      });
      assert.equal(created.status, 200);
      const byName = await rest(srv.url, "POST", `/v2/account/authenticate/email?username=${username}`, {
        basic: srv.serverKey,
        body: { email: "", password: "password1", vars: { k: "v" } },
      });
      assert.equal(byName.status, 200, JSON.stringify(byName.body));
      assert.equal(byName.body.created, undefined);
      assert.equal(claimsOf(byName.body.token).uid, claimsOf(created.body.token).uid);
      assert.equal(claimsOf(byName.body.token).usn, username);
      assert.deepEqual(claimsOf(byName.body.token).vrs, { k: "v" });
      assert.deepEqual(await signIn("email", `?username=${username}`, { password: "password2" }), [
        401,
        16,
        "Invalid credentials.",
      ]);
      assert.deepEqual(await signIn("email", `?username=${uniqueName("none")}`, { password: "password1" }), [
        404,
        5,
        "User account not found.",
      ]);
      // A user without a password (signed up by device) cannot sign in this way.
      const ada = await authenticate(srv.url);
      assert.deepEqual(await signIn("email", `?username=${ada.username}`, { password: "password1" }), [
        401,
        16,
        "Invalid credentials.",
      ]);
      assert.deepEqual(await signIn("email", "", { password: "password1" }), [
        400,
        3,
        "Username is required when email address is not supplied.",
      ]);
      assert.deepEqual(await signIn("email", `?username=${username}`, { password: "short" }), [
        400,
        3,
        "Password must be at least 8 characters long.",
      ]);
      // The address is stored lower-case and found in any case.
      assert.equal(await signIn("email", "", { email: email.toUpperCase(), password: "password1" }), "ok");
    });

    test("the server key: missing is 'required'; another scheme, bad base64, no colon or a wrong key is 'invalid'", async () => {
      async function withHeader(value: string | undefined): Promise<Refusal | "ok"> {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (value !== undefined) headers.authorization = value;
        const res = await fetch(`${srv.url}/v2/account/authenticate/device`, {
          method: "POST",
          headers,
          body: JSON.stringify({ id: `device-${uniqueName()}` }),
        });
        const body = (await res.json()) as { code?: number; message?: string };
        return res.status === 200 ? "ok" : [res.status, body.code ?? 0, body.message ?? ""];
      }
      const b64 = (text: string) => Buffer.from(text).toString("base64");
      const invalid: Refusal = [401, 16, "Server key invalid"];
      assert.deepEqual(await withHeader(undefined), [401, 16, "Server key required"]);
      assert.equal(await withHeader(`Basic ${b64(`${srv.serverKey}:`)}`), "ok");
      assert.equal(await withHeader(`Basic ${b64(`${srv.serverKey}:anything`)}`), "ok");
      assert.deepEqual(await withHeader(`Bearer ${b64(`${srv.serverKey}:`)}`), invalid);
      assert.deepEqual(await withHeader(`basic ${b64(`${srv.serverKey}:`)}`), invalid);
      assert.deepEqual(await withHeader("Basic !!!not-base64"), invalid);
      assert.deepEqual(await withHeader(`Basic ${b64(`${srv.serverKey}:`).replace(/=+$/, "")}`), invalid);
      assert.deepEqual(await withHeader(`Basic ${b64(srv.serverKey)}`), invalid);
      assert.deepEqual(await withHeader(`Basic ${b64("otherkey:")}`), invalid);
    });

    test("the session header: missing is 'Auth token required'; another scheme or a bad token is 'Auth token invalid'", async () => {
      const ada = await authenticate(srv.url);
      async function account(value: string | undefined): Promise<[number, unknown, unknown]> {
        const res = await fetch(
          `${srv.url}/v2/account`,
          value === undefined ? {} : { headers: { authorization: value } },
        );
        const body = (await res.json()) as { code?: number; message?: string };
        return [res.status, body.code, body.message];
      }
      assert.equal((await account(`Bearer ${ada.token}`))[0], 200);
      assert.deepEqual(await account(undefined), [401, 16, "Auth token required"]);
      const invalid = [401, 16, "Auth token invalid"];
      assert.deepEqual(await account(`bearer ${ada.token}`), invalid);
      assert.deepEqual(
        await account(`Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}`),
        invalid,
      );
      assert.deepEqual(await account("Bearer not.a.token"), invalid);
    });
  });
}
