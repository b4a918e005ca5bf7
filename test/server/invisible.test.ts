import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { waitFor } from "../../src/testing/wait-for.js";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  startServer,
  uniqueName,
} from "../helpers/server.js";

interface UserJson {
  id: string;
  online?: boolean;
  last_active?: string;
  status?: string;
}

describe("invisible users", () => {
  const srv = serverForSuite();

  const userAsSeenBy = async (viewer: { token: string }, userId: string): Promise<UserJson | undefined> =>
    (
      (await rest(srv.url, "GET", `/v2/user?ids=${userId}`, { token: viewer.token })).body.users as UserJson[]
    )[0];
  const setInvisible = async (user: { token: string }, invisible: boolean) =>
    assert.equal(
      (await rest(srv.url, "PUT", "/v2/account", { token: user.token, body: { invisible } })).status,
      200,
    );

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("followers see an invisible user leave and not come back until visible, while the user sees their own state", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        await a.callEmpty("statusUpdate", { status: "here" });
        await a.next("statusPresenceEvent");
        await b.call("statusFollow", { userIds: [ada.userId] }, "status");

        await setInvisible(ada, true);
        const left = await b.next("statusPresenceEvent");
        assert.deepEqual(left.joins, []);
        assert.equal(left.leaves[0]?.status, "here");
        assert.equal((await userAsSeenBy(bob, ada.userId))?.online, undefined);
        assert.equal((await userAsSeenBy(ada, ada.userId))?.online, true, "the user sees their true state");

        await a.callEmpty("statusUpdate", { status: "secret" });
        const own = await a.next("statusPresenceEvent");
        assert.equal(own.joins[0]?.status, "secret");
        await b.assertNoPush("statusPresenceEvent");
        const carol = await authenticate(srv.url);
        const c = await openSocket(srv.url, carol, codec);
        assert.deepEqual((await c.call("statusFollow", { userIds: [ada.userId] }, "status")).presences, []);

        await setInvisible(ada, false);
        const back = await b.next("statusPresenceEvent");
        assert.equal(back.joins[0]?.status, "secret");
        assert.equal((await c.next("statusPresenceEvent")).joins[0]?.userId, ada.userId);
        assert.equal((await userAsSeenBy(bob, ada.userId))?.online, true);
        for (const s of [a, b, c]) await s.close();
      });

      test("invisible set at connect persists across a reconnect until turned off", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const hiddenUrl = await openSocket(srv.url, ada, codec, { invisible: true });
        const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
        assert.equal(account.body.invisible, true);
        await hiddenUrl.close();
        const a = await openSocket(srv.url, ada, codec, { status: true });
        assert.equal(
          (await userAsSeenBy(bob, ada.userId))?.online,
          undefined,
          "still invisible after reconnecting",
        );
        const b = await openSocket(srv.url, bob, codec);
        assert.deepEqual((await b.call("statusFollow", { userIds: [ada.userId] }, "status")).presences, []);
        await setInvisible(ada, false);
        assert.equal((await b.next("statusPresenceEvent")).joins[0]?.userId, ada.userId);
        await a.close();
        await b.close();
      });

      test("an invisible user's channel presence is hidden", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const b = await openSocket(srv.url, bob, codec);
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.next("channelPresenceEvent");
        await setInvisible(ada, true);
        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.assertNoPush("channelPresenceEvent");
        const carol = await authenticate(srv.url);
        const c = await openSocket(srv.url, carol, codec);
        const seen = await c.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          seen.presences.map((p) => p.userId),
          [bob.userId],
        );
        // Still able to chat.
        await a.call("channelMessageSend", { channelId: ch.id, content: '{"t":1}' }, "channelMessageAck");
        assert.equal((await b.next("channelMessage")).senderId, ada.userId);
        await setInvisible(ada, false);
        const shown = await b.next("channelPresenceEvent", (e) =>
          e.joins.some((p) => p.userId === ada.userId),
        );
        assert.equal(shown.joins.length, 1);
        await setInvisible(ada, true);
        const hidden = await b.next("channelPresenceEvent", (e) =>
          e.leaves.some((p) => p.userId === ada.userId),
        );
        assert.equal(hidden.leaves.length, 1);
        for (const s of [a, b, c]) await s.close();
        await setInvisible(ada, false);
      });
    });
  }

  test("others see last_active stop moving while the user is invisible", async () => {
    const fast = await startServer({ lastActiveRefreshMs: 10 });
    try {
      const ada = await authenticate(fast.url);
      const bob = await authenticate(fast.url);
      const get = async (viewer: { token: string }) =>
        (
          (await rest(fast.url, "GET", `/v2/user?ids=${ada.userId}`, { token: viewer.token })).body
            .users as UserJson[]
        )[0]?.last_active;
      assert.equal(
        (await rest(fast.url, "PUT", "/v2/account", { token: ada.token, body: { invisible: true } })).status,
        200,
      );
      const a = await openSocket(fast.url, ada);
      // A connect stores last_active without holding up the socket's opening: on PostgreSQL or a
      // loaded machine it lands a moment after. Others' view is taken once it has.
      const own = await waitFor(() => get(ada), {
        what: "the connect's last_active stored",
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const frozen = await get(bob);
      // The user's own last_active moves on while others' view stays put.
      for (let tries = 0; ; tries++) {
        const now = await get(ada);
        if (now !== undefined && Date.parse(now) > Date.parse(own)) break;
        assert.ok(tries < 1000, "the user's own last_active never moved");
        await a.call("ping", {}, "pong");
      }
      assert.equal(await get(bob), frozen);
      await a.close();
    } finally {
      await fast.close();
    }
  });

  test("a server without the user_presence extension behaves like a stock one", async () => {
    const plain = await startServer({ extensions: ["client_msg_id", "exact_cursors"] });
    try {
      const caps = await rest(plain.url, "GET", "/v2/herald/capabilities");
      assert.deepEqual(caps.body.extensions, ["client_msg_id", "exact_cursors"]);
      const ada = await authenticate(plain.url);
      const a = await openSocket(plain.url, ada);
      await a.callEmpty("statusUpdate", { status: "hi" });
      const users = await rest(plain.url, "GET", `/v2/user?ids=${ada.userId}`, { token: ada.token });
      const user = (users.body.users as UserJson[])[0];
      assert.equal(user?.online, true);
      assert.equal(user?.last_active, undefined);
      assert.equal(user?.status, undefined);
      const put = await rest(plain.url, "PUT", "/v2/account", {
        token: ada.token,
        body: { invisible: true },
      });
      assert.equal(put.status, 400);
      const account = await rest(plain.url, "GET", "/v2/account", { token: ada.token });
      assert.equal(account.body.invisible, undefined);
      await a.close();
    } finally {
      await plain.close();
    }
  });
});
