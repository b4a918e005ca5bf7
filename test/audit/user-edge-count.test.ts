// A user's `edge_count` counts every friend edge the user has, as stock Nakama counts it: friends,
// invites sent and received, and blocks. herald counted accepted friends only, so a user with
// pending invites showed 0.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`a user's edge count (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("invites sent and received and blocks count, and a deleted edge stops counting", async () => {
      const [ada, bob, carol] = await Promise.all([
        authenticate(srv.url),
        authenticate(srv.url),
        authenticate(srv.url),
      ]);
      const counts = async (): Promise<number[]> => {
        const ids = [ada, bob, carol].map((u) => `ids=${u.userId}`).join("&");
        const { body } = await rest(srv.url, "GET", `/v2/user?${ids}`, { token: ada.token });
        const users = body.users as { id: string; edge_count?: number }[];
        return [ada, bob, carol].map((u) => users.find((x) => x.id === u.userId)?.edge_count ?? 0);
      };
      const friends = (token: string, verb: "POST" | "DELETE", path: string, id: string) =>
        rest(srv.url, verb, `/v2/friend${path}?ids=${id}`, { token });

      assert.equal((await friends(ada.token, "POST", "", bob.userId)).status, 200);
      assert.deepEqual(await counts(), [1, 1, 0], "an invite: one edge each way");
      assert.equal((await friends(ada.token, "POST", "/block", carol.userId)).status, 200);
      assert.deepEqual(await counts(), [2, 1, 0], "a block is the blocker's edge");
      assert.equal((await friends(bob.token, "POST", "", ada.userId)).status, 200);
      assert.deepEqual(await counts(), [2, 1, 0], "an accepted invite is still one edge each way");
      assert.equal((await friends(ada.token, "DELETE", "", bob.userId)).status, 200);
      assert.deepEqual(await counts(), [1, 0, 0], "a deleted friend stops counting on both sides");
    });
  });
}
