// A cursor belongs to the listing that handed it out: another group's members, another user's
// groups, friends or notifications, another filter, or another kind of listing refuse it in stock's
// words for that listing rather than answer some page of their own: "Cursor is invalid." for
// friends, a group's members and a user's groups, "Malformed cursor was used." for notifications
// and the group listing.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  cursorWords,
  openSocket,
  rest,
  serverForSuite,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`foreign cursors (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function get(user: TestUser, path: string) {
      return rest(srv.url, "GET", path, { token: user.token });
    }

    async function assertMalformed(user: TestUser, path: string): Promise<void> {
      const res = await get(user, path);
      assert.equal(res.status, 400, path);
      assert.deepEqual([res.body.code, res.body.message], [3, cursorWords(path)], path);
    }

    async function groupWith(owner: TestUser, members: TestUser[]): Promise<string> {
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("g"), open: true },
      });
      assert.equal(group.status, 200);
      const id = group.body.id as string;
      for (const m of members)
        assert.equal((await rest(srv.url, "POST", `/v2/group/${id}/join`, { token: m.token })).status, 200);
      return id;
    }

    test("a group-users cursor works on its own group and filter only", async () => {
      const [ada, bea, cai] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const groupA = await groupWith(ada, [bea, cai]);
      const groupB = await groupWith(bea, [ada, cai]);
      const first = await get(ada, `/v2/group/${groupA}/user?limit=1`);
      const cursor = encodeURIComponent(first.body.cursor as string);
      assert.ok(cursor, "a first page of one has a cursor");
      // Its own listing pages on.
      const next = await get(ada, `/v2/group/${groupA}/user?limit=1&cursor=${cursor}`);
      assert.equal(next.status, 200);
      assert.equal((next.body.group_users as unknown[]).length, 1);
      await assertMalformed(ada, `/v2/group/${groupB}/user?limit=1&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/group/${groupA}/user?limit=1&state=2&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/user/${ada.userId}/group?limit=1&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/friend?limit=1&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/notification?limit=1&cacheable_cursor=${cursor}`);
      await assertMalformed(ada, `/v2/group?limit=1&cursor=${cursor}`);
      // History cursors have stock's own words for this.
      const history = await get(ada, `/v2/channel/2...room?limit=1&cursor=${cursor}`);
      assert.deepEqual([history.status, history.body.message], [400, "Cursor is invalid or expired."]);
    });

    test("a user-groups cursor works for its own user only", async () => {
      const [ada, bea] = [await authenticate(srv.url), await authenticate(srv.url)];
      await groupWith(ada, [bea]);
      await groupWith(ada, [bea]);
      await groupWith(bea, []);
      await groupWith(bea, []);
      const first = await get(ada, `/v2/user/${ada.userId}/group?limit=1`);
      const cursor = encodeURIComponent(first.body.cursor as string);
      assert.ok(cursor);
      assert.equal((await get(ada, `/v2/user/${ada.userId}/group?limit=1&cursor=${cursor}`)).status, 200);
      await assertMalformed(ada, `/v2/user/${bea.userId}/group?limit=1&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/user/${ada.userId}/group?limit=1&state=0&cursor=${cursor}`);
    });

    test("friend and notification cursors work for the user they were handed to only", async () => {
      const [ada, bea, cai] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      assert.equal(
        (await rest(srv.url, "POST", `/v2/friend?ids=${bea.userId}&ids=${cai.userId}`, { token: ada.token }))
          .status,
        200,
      );
      const friends = await get(ada, "/v2/friend?limit=1");
      const friendCursor = encodeURIComponent(friends.body.cursor as string);
      assert.ok(friendCursor);
      assert.equal((await get(ada, `/v2/friend?limit=1&cursor=${friendCursor}`)).status, 200);
      await assertMalformed(bea, `/v2/friend?limit=1&cursor=${friendCursor}`);
      await assertMalformed(ada, `/v2/friend?limit=1&state=1&cursor=${friendCursor}`);

      // The friend request notified bea; joining a direct chat notifies her again.
      const s = await openSocket(srv.url, ada);
      await s.call("channelJoin", { target: bea.userId, type: 2 }, "channel");
      await s.close();
      const listed = await get(bea, "/v2/notification?limit=10");
      assert.equal((listed.body.notifications as unknown[]).length, 2);
      const notificationCursor = encodeURIComponent(listed.body.cacheable_cursor as string);
      const again = await get(bea, `/v2/notification?limit=10&cacheable_cursor=${notificationCursor}`);
      assert.equal(again.status, 200);
      assert.equal(again.body.notifications, undefined, "nothing newer");
      await assertMalformed(ada, `/v2/notification?limit=10&cacheable_cursor=${notificationCursor}`);
      await assertMalformed(bea, `/v2/friend?limit=1&cursor=${notificationCursor}`);
      // A bare-number cacheable cursor of earlier releases, kept by an app between sessions, still lists.
      const legacy = Buffer.from("0").toString("base64url");
      const fromLegacy = await get(bea, `/v2/notification?limit=10&cacheable_cursor=${legacy}`);
      assert.equal((fromLegacy.body.notifications as unknown[]).length, 2);
      await assertMalformed(bea, `/v2/friend?limit=1&cursor=${legacy}`);
    });

    test("a group-listing cursor works with its own name filter only", async () => {
      const ada = await authenticate(srv.url);
      const stem = uniqueName("n");
      for (let i = 0; i < 3; i++) {
        await rest(srv.url, "POST", "/v2/group", {
          token: ada.token,
          body: { name: `${stem}${i}`, open: true },
        });
      }
      const first = await get(ada, `/v2/group?limit=1&name=${stem}%25`);
      const cursor = encodeURIComponent(first.body.cursor as string);
      assert.ok(cursor);
      assert.equal((await get(ada, `/v2/group?limit=1&name=${stem}%25&cursor=${cursor}`)).status, 200);
      await assertMalformed(ada, `/v2/group?limit=1&name=${stem}0%25&cursor=${cursor}`);
      await assertMalformed(ada, `/v2/user/${ada.userId}/group?limit=1&cursor=${cursor}`);
    });
  });
}
