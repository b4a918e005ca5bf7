import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, openSocket, rest, serverForSuite, uniqueName } from "../helpers/server.js";

describe("REST routes", () => {
  const srv = serverForSuite();

  test("an admin updates a group, a member cannot, and deleting it removes its channel", async () => {
    const owner = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const created = await rest(srv.url, "POST", "/v2/group", {
      token: owner.token,
      body: { name: uniqueName("g"), description: "before", open: true, max_count: 10 },
    });
    const groupId = created.body.id as string;
    assert.equal(created.body.max_count, 10);
    assert.equal(created.body.edge_count, 1);
    assert.equal(
      (await rest(srv.url, "POST", `/v2/group/${groupId}/join`, { token: bob.token })).status,
      200,
    );
    const renamed = uniqueName("renamed");
    const upd = await rest(srv.url, "PUT", `/v2/group/${groupId}`, {
      token: owner.token,
      body: { name: renamed, description: "after", open: false },
    });
    assert.equal(upd.status, 200);
    const denied = await rest(srv.url, "PUT", `/v2/group/${groupId}`, {
      token: bob.token,
      body: { description: "x" },
    });
    // Stock's numbers and words for a caller who may not; herald's meaning beside them.
    assert.equal(denied.status, 404);
    assert.deepEqual(denied.body, {
      code: 5,
      message: "Group not found or you're not allowed to update.",
      herald_code: "permission_denied",
    });
    const listed = await rest(srv.url, "GET", `/v2/user/${owner.userId}/group`, { token: owner.token });
    const group = (listed.body.user_groups as { group: Record<string, unknown>; state: number }[])[0];
    assert.equal(group?.group.name, renamed);
    assert.equal(group?.group.description, "after");
    assert.equal(group?.group.open, false);
    assert.equal(group?.group.edge_count, 2);
    assert.equal(group?.state, 0);

    const b = await openSocket(srv.url, bob);
    await b.call("channelJoin", { target: groupId, type: 3 }, "channel");
    const notDeleted = await rest(srv.url, "DELETE", `/v2/group/${groupId}`, { token: bob.token });
    assert.equal(notDeleted.status, 400);
    assert.equal(notDeleted.body.herald_code, "permission_denied");
    assert.equal((await rest(srv.url, "DELETE", `/v2/group/${groupId}`, { token: owner.token })).status, 200);
    const send = await b.request("channelMessageSend", { channelId: `3.${groupId}..`, content: "{}" });
    assert.equal(send.kind, "error", "a deleted group's channel is gone");
    // As stock, a deleted group has no members: an empty list, not an error.
    const gone = await rest(srv.url, "GET", `/v2/group/${groupId}/user`, { token: owner.token });
    assert.equal(gone.status, 200);
    assert.deepEqual(gone.body.group_users ?? [], []);
    const joinGone = await rest(srv.url, "POST", `/v2/group/${groupId}/join`, { token: owner.token });
    assert.equal(joinGone.status, 404);
    await b.close();
  });

  test("notifications list from a cacheable cursor returns only newer ones", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const a = await openSocket(srv.url, ada);
    await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
    const first = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
    assert.equal((first.body.notifications as unknown[]).length, 1);
    const cursor = first.body.cacheable_cursor as string;
    assert.ok(cursor);
    const none = await rest(srv.url, "GET", `/v2/notification?limit=10&cacheable_cursor=${cursor}`, {
      token: bob.token,
    });
    assert.equal(none.body.notifications, undefined);
    // A second invitation from someone else (the same user's is pending already).
    const carl = await openSocket(srv.url, await authenticate(srv.url));
    await carl.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
    await carl.close();
    const newer = await rest(srv.url, "GET", `/v2/notification?limit=10&cacheable_cursor=${cursor}`, {
      token: bob.token,
    });
    assert.equal((newer.body.notifications as unknown[]).length, 1);
    await a.close();
  });

  test("friends are listed by state and a page at a time", async () => {
    const ada = await authenticate(srv.url);
    const others = await Promise.all([1, 2, 3].map(() => authenticate(srv.url)));
    for (const o of others) {
      assert.equal(
        (await rest(srv.url, "POST", `/v2/friend?ids=${o.userId}`, { token: ada.token })).status,
        200,
      );
    }
    const blocked = await authenticate(srv.url);
    await rest(srv.url, "POST", `/v2/friend/block?usernames=${blocked.username}`, { token: ada.token });
    const invites = await rest(srv.url, "GET", "/v2/friend?state=1", { token: ada.token });
    assert.equal((invites.body.friends as unknown[]).length, 3);
    const blocks = await rest(srv.url, "GET", "/v2/friend?state=3", { token: ada.token });
    assert.deepEqual(
      (blocks.body.friends as { user: { id: string } }[]).map((f) => f.user.id),
      [blocked.userId],
    );
    const page1 = await rest(srv.url, "GET", "/v2/friend?limit=2", { token: ada.token });
    assert.equal((page1.body.friends as unknown[]).length, 2);
    const page2 = await rest(srv.url, "GET", `/v2/friend?limit=2&cursor=${page1.body.cursor}`, {
      token: ada.token,
    });
    assert.equal((page2.body.friends as unknown[]).length, 2);
    assert.equal(page2.body.cursor, undefined);
    const self = await rest(srv.url, "POST", `/v2/friend?ids=${ada.userId}`, { token: ada.token });
    assert.equal(self.status, 400);
  });
});
