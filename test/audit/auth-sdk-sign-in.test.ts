// The SDK's sign-in calls send what stock Nakama takes: an empty email with a username signs in by
// username and password, on herald's server in both modes as on stock.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`SDK sign-in as stock takes it (${mode.name} server)`, () => {
    test("authenticateEmail with an empty email and a username signs in by username and password", async (t) => {
      const { client } = await serverWithClient(t, mode.options);
      const username = uniqueName("mail");
      const created = await client.authenticateEmail({
        email: `${uniqueName()}@example.com`,
        password: "password1",
        username,
      });
      const again = await client.authenticateEmail({ email: "", password: "password1", username });
      assert.equal(again.userId, created.userId);
      assert.equal(again.created, false);
      await assert.rejects(
        client.authenticateEmail({ email: "", password: "password1" }),
        (err) => HeraldError.is(err) && err.code === "bad_input",
      );
      await assert.rejects(
        client.authenticateEmail({ email: "", password: "password1", username: "" }),
        (err) => HeraldError.is(err) && err.code === "bad_input",
      );
    });
  });
}
