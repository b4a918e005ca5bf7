import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, codecs, openSocket, rest, serverForSuite } from "../helpers/server.js";

describe("direct chat", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("joining a direct chat invites the other user with a stored code -1 notification", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        const [one, two] = [ada.userId, bob.userId].sort();
        assert.equal(ch.id, `4.${one}.${two}.`);
        assert.equal(ch.userIdOne, one);
        assert.equal(ch.userIdTwo, two);
        const pushed = await b.next("notifications");
        const n = pushed.notifications[0];
        assert.equal(n?.code, -1);
        assert.equal(n?.subject, `${ada.username} wants to chat`);
        assert.deepEqual(JSON.parse(n?.content ?? ""), { username: ada.username });
        assert.equal(n?.senderId, ada.userId);
        assert.equal(n?.persistent, true);
        const listed = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
        const stored = listed.body.notifications as { id: string; code: number }[];
        assert.equal(stored.length, 1);
        assert.equal(stored[0]?.code, -1);

        await b.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"text":"hey"}' },
          "channelMessageAck",
        );
        const got = await b.next("channelMessage");
        assert.equal(got.userIdOne, one);
        assert.deepEqual(JSON.parse(got.content), { text: "hey" });

        const del = await rest(srv.url, "DELETE", `/v2/notification?ids=${stored[0]?.id}`, {
          token: bob.token,
        });
        assert.equal(del.status, 200);
        const after = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
        assert.equal(after.body.notifications, undefined);
        await a.close();
        await b.close();
      });

      test("the invitation is stored before the join is answered: a listing right after the reply holds it", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        const listed = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: bob.token });
        const stored = listed.body.notifications as { code: number; senderId?: string; sender_id?: string }[];
        assert.deepEqual(
          stored.map((n) => [n.code, n.senderId ?? n.sender_id]),
          [[-1, ada.userId]],
        );
      });

      test("join/leave loops leave one pending invitation; a new one comes once it was deleted", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        for (let i = 0; i < 5; i++) {
          const ch = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
          await a.callEmpty("channelLeave", { channelId: ch.id });
        }
        const listed = await rest(srv.url, "GET", "/v2/notification?limit=100", { token: bob.token });
        const stored = listed.body.notifications as { id: string; code: number }[];
        assert.deepEqual(
          stored.map((n) => n.code),
          [-1],
        );
        await rest(srv.url, "DELETE", `/v2/notification?ids=${stored[0]?.id}`, { token: bob.token });
        await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        const again = await rest(srv.url, "GET", "/v2/notification?limit=100", { token: bob.token });
        assert.equal((again.body.notifications as unknown[]).length, 1);
        await a.close();
      });

      test("a user who blocked the other cannot be reached and only the two users read the history", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const eve = await authenticate(srv.url);
        const blocked = await rest(srv.url, "POST", `/v2/friend/block?ids=${eve.userId}`, {
          token: bob.token,
        });
        assert.equal(blocked.status, 200);
        const e = await openSocket(srv.url, eve, codec);
        const refused = await e.request("channelJoin", { target: bob.userId, type: 2 });
        assert.equal(refused.kind, "error");
        // Stock's code and words; the precise code says "not found", as for a missing user, so a
        // block cannot be told apart from a missing user.
        assert.deepEqual(refused.body, {
          code: 3,
          message: "User ID not found: Invalid channel target",
          context: { herald_code: "not_found" },
        });
        const missing = await e.request("channelJoin", {
          target: "00000000-0000-4000-8000-000000000000",
          type: 2,
        });
        assert.deepEqual(missing.body, {
          code: 3,
          message: "User ID not found: Invalid channel target",
          context: { herald_code: "not_found" },
        });

        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        await a.call("channelMessageSend", { channelId: ch.id, content: '{"n":1}' }, "channelMessageAck");
        const bobReads = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: bob.token });
        assert.equal(bobReads.status, 200);
        assert.equal((bobReads.body.messages as unknown[]).length, 1);
        const eveReads = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: eve.token });
        assert.equal(eveReads.status, 400, "HTTP 400 with code 3, as stock answers");
        assert.deepEqual(eveReads.body, {
          code: 3,
          message: "Channel not found.",
          herald_code: "permission_denied",
        });
        await a.close();
        await e.close();
      });

      test("a block during a direct chat ends delivery both ways at once", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const ch = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        await b.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        await a.call("channelMessageSend", { channelId: ch.id, content: '{"n":1}' }, "channelMessageAck");
        await b.next("channelMessage");

        const blocked = await rest(srv.url, "POST", `/v2/friend/block?ids=${ada.userId}`, {
          token: bob.token,
        });
        assert.equal(blocked.status, 200);
        const fromAda = await a.request("channelMessageSend", { channelId: ch.id, content: '{"n":2}' });
        assert.equal(fromAda.kind, "error", "the blocked user's next message is refused");
        const fromBob = await b.request("channelMessageSend", { channelId: ch.id, content: '{"n":3}' });
        assert.equal(fromBob.kind, "error", "and so is the blocker's, until they join again");
        await b.assertNoPush("channelMessage", (m: { content: string }) => m.content !== '{"n":1}');
        await a.assertNoPush("channelMessage", (m: { content: string }) => m.content !== '{"n":1}');
        const rejoin = await a.request("channelJoin", { target: bob.userId, type: 2 });
        assert.equal(rejoin.kind, "error", "the blocked user cannot join again");
        await a.close();
        await b.close();
      });

      test("a direct chat with yourself is allowed", async () => {
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        assert.equal(ch.id, `4.${ada.userId}.${ada.userId}.`);
        await a.call("channelMessageSend", { channelId: ch.id, content: "{}" }, "channelMessageAck");
        await a.assertNoPush("notifications");
        await a.close();
      });
    });
  }
});

describe("friends", () => {
  const srv = serverForSuite();

  test("an invite and its acceptance make both users friends, with notifications", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    assert.equal(
      (await rest(srv.url, "POST", `/v2/friend?ids=${bob.userId}`, { token: ada.token })).status,
      200,
    );
    let list = await rest(srv.url, "GET", "/v2/friend", { token: bob.token });
    assert.equal((list.body.friends as { state: number }[])[0]?.state, 2);
    assert.equal(
      (await rest(srv.url, "POST", `/v2/friend?usernames=${ada.username}`, { token: bob.token })).status,
      200,
    );
    list = await rest(srv.url, "GET", "/v2/friend", { token: ada.token });
    const friend = (list.body.friends as { state?: number; user: { id: string } }[])[0];
    assert.equal(friend?.user.id, bob.userId);
    assert.equal(friend?.state, 0);
    const notes = await rest(srv.url, "GET", "/v2/notification?limit=10", { token: ada.token });
    assert.deepEqual(
      (notes.body.notifications as { code: number }[]).map((n) => n.code),
      [-3],
    );
    assert.equal(
      (await rest(srv.url, "DELETE", `/v2/friend?ids=${bob.userId}`, { token: ada.token })).status,
      200,
    );
    list = await rest(srv.url, "GET", "/v2/friend", { token: bob.token });
    assert.equal(list.body.friends, undefined);
  });
});
