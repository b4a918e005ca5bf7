import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, codecs, openSocket, rest, serverForSuite } from "../helpers/server.js";

describe("status", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("a follower receives the new status in joins and the old one in leaves", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const adaSock = await openSocket(srv.url, ada, codec);
        const bobSock = await openSocket(srv.url, bob, codec);
        const status = await bobSock.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(status.presences, []);
        await adaSock.callEmpty("statusUpdate", { status: "hello" });
        const first = await bobSock.next("statusPresenceEvent");
        assert.equal(first.joins.length, 1);
        assert.equal(first.joins[0]?.userId, ada.userId);
        assert.equal(first.joins[0]?.username, ada.username);
        assert.equal(first.joins[0]?.status, "hello");
        assert.deepEqual(first.leaves, []);
        await adaSock.callEmpty("statusUpdate", { status: "busy" });
        const second = await bobSock.next("statusPresenceEvent");
        assert.equal(second.joins[0]?.status, "busy");
        assert.equal(second.leaves[0]?.status, "hello");
        assert.equal(second.leaves[0]?.sessionId, second.joins[0]?.sessionId);
        await adaSock.close();
        await bobSock.close();
      });

      test("a follower receives only a leave when the user appears offline", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const adaSock = await openSocket(srv.url, ada, codec);
        const bobSock = await openSocket(srv.url, bob, codec);
        await adaSock.callEmpty("statusUpdate", { status: "here" });
        const follow = await bobSock.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.equal(follow.presences.length, 1);
        assert.equal(follow.presences[0]?.status, "here");
        await adaSock.callEmpty("statusUpdate", {});
        const event = await bobSock.next("statusPresenceEvent");
        assert.deepEqual(event.joins, []);
        assert.equal(event.leaves[0]?.status, "here");
        const users = await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token });
        assert.equal((users.body.users as { online?: boolean }[])[0]?.online, undefined);
        await adaSock.close();
        await bobSock.close();
      });

      test("a session connecting with status=true appears online with an empty status and sees its own join", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const bobSock = await openSocket(srv.url, bob, codec);
        await bobSock.call("statusFollow", { userIds: [ada.userId] }, "status");
        const adaSock = await openSocket(srv.url, ada, codec, { status: true });
        const own = await adaSock.next("statusPresenceEvent");
        assert.equal(own.joins[0]?.userId, ada.userId);
        assert.equal(own.joins[0]?.status, "");
        const seen = await bobSock.next("statusPresenceEvent");
        assert.equal(seen.joins[0]?.status, "");
        const users = await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token });
        assert.equal((users.body.users as { online?: boolean }[])[0]?.online, true);
        await adaSock.close();
        const left = await bobSock.next("statusPresenceEvent");
        assert.equal(left.leaves[0]?.userId, ada.userId);
        await bobSock.close();
      });
    });
  }
});
