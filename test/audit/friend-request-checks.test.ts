// Friend requests checked as stock Nakama checks them: naming oneself is refused in the words of
// the operation ("Cannot add self as friend.", "Cannot block self.", "Cannot delete self."),
// and adding or blocking only usernames that do not exist is refused with "No valid ID or
// username was provided." (herald answered it with success).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`friend request checks (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function expectRefusal(method: "POST" | "DELETE", path: string, token: string, message: string) {
      const res = await rest(srv.url, method, path, { token });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual([res.body.code, res.body.message], [3, message], `${method} ${path}`);
    }

    test("naming oneself is refused in the words of each operation", async () => {
      const ada = await authenticate(srv.url);
      for (const by of [`ids=${ada.userId}`, `usernames=${ada.username}`]) {
        await expectRefusal("POST", `/v2/friend?${by}`, ada.token, "Cannot add self as friend.");
        await expectRefusal("POST", `/v2/friend/block?${by}`, ada.token, "Cannot block self.");
        await expectRefusal("DELETE", `/v2/friend?${by}`, ada.token, "Cannot delete self.");
      }
    });

    test("only unknown usernames are refused by add and block, not by delete", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const nobody = uniqueName("nobody");
      await expectRefusal(
        "POST",
        `/v2/friend?usernames=${nobody}`,
        ada.token,
        "No valid ID or username was provided.",
      );
      await expectRefusal(
        "POST",
        `/v2/friend/block?usernames=${nobody}`,
        ada.token,
        "No valid ID or username was provided.",
      );
      assert.equal(
        (await rest(srv.url, "DELETE", `/v2/friend?usernames=${nobody}`, { token: ada.token })).status,
        200,
      );
      // An unknown name beside a known one is skipped, and nothing at all is a no-op.
      assert.equal(
        (
          await rest(srv.url, "POST", `/v2/friend?usernames=${nobody}&usernames=${bob.username}`, {
            token: ada.token,
          })
        ).status,
        200,
      );
      assert.equal((await rest(srv.url, "POST", "/v2/friend", { token: ada.token })).status, 200);
      const listed = await rest(srv.url, "GET", "/v2/friend", { token: ada.token });
      assert.deepEqual(
        (listed.body.friends as { user: { id: string }; state: number }[]).map((f) => [f.user.id, f.state]),
        [[bob.userId, 1]],
      );
    });
  });
}
