import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { waitFor } from "../../src/testing/wait-for.js";
import {
  authenticate,
  captureLog,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  uniqueName,
} from "../helpers/server.js";

describe("status and channel presence details", () => {
  const log = captureLog();
  const srv = serverForSuite({ logger: log.logger });

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("two sessions of one user keep different statuses and follows end with the session", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const phone = await openSocket(srv.url, ada, codec);
        const laptop = await openSocket(srv.url, ada, codec);
        await phone.callEmpty("statusUpdate", { status: "on the phone" });
        await laptop.callEmpty("statusUpdate", { status: "at the desk" });
        const b = await openSocket(srv.url, bob, codec);
        const follow = await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(follow.presences.map((p) => p.status).sort(), ["at the desk", "on the phone"]);
        assert.equal(new Set(follow.presences.map((p) => p.sessionId)).size, 2);

        await phone.close();
        const gone = await b.next("statusPresenceEvent");
        assert.equal(gone.leaves[0]?.status, "on the phone");
        const users = await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token });
        assert.equal((users.body.users as { online?: boolean }[])[0]?.online, true);

        // The follower's follows end with its session: a new session of bob hears nothing.
        await b.close();
        const b2 = await openSocket(srv.url, bob, codec);
        await laptop.callEmpty("statusUpdate", { status: "away" });
        await b2.assertNoPush("statusPresenceEvent");
        await laptop.close();
        await b2.close();
      });

      test("unfollowing stops status events", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        await b.callEmpty("statusUnfollow", { userIds: [ada.userId] });
        await a.callEmpty("statusUpdate", { status: "hi" });
        await b.assertNoPush("statusPresenceEvent");
        await a.close();
        await b.close();
      });

      test("following by username returns the user's visible presences", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec, { status: true });
        const b = await openSocket(srv.url, bob, codec);
        const follow = await b.call("statusFollow", { usernames: [ada.username] }, "status");
        assert.equal(follow.presences[0]?.userId, ada.userId);
        assert.equal(follow.presences[0]?.status, "");
        await a.close();
        await b.close();
      });

      test("hidden members are neither listed nor announced but still receive messages", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const ghost = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const g = await openSocket(srv.url, ghost, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await a.next("channelPresenceEvent");
        const hidden = await g.call("channelJoin", { target: room, type: 1, hidden: true }, "channel");
        assert.deepEqual(
          hidden.presences.map((p) => p.userId),
          [ada.userId],
        );
        await a.assertNoPush("channelPresenceEvent");
        const bob = await authenticate(srv.url);
        const b = await openSocket(srv.url, bob, codec);
        const seen = await b.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          seen.presences.map((p) => p.userId),
          [ada.userId],
        );
        await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"to":"all"}' },
          "channelMessageAck",
        );
        assert.deepEqual(JSON.parse((await g.next("channelMessage")).content), { to: "all" });
        await g.close();
        // The server leaves a closed socket's channels after the close handshake (once the close's
        // last_active is stored): a leave announced then would come after a check made at once.
        await waitFor(
          () => log.events.some((e) => e.event === "session_close" && e.fields.userId === ghost.userId),
          { what: "the ghost's session ended", timeoutMs: 10_000 },
        );
        await a.assertNoPush("channelPresenceEvent", (e: { leaves: unknown[] }) => e.leaves.length > 0);
        await a.close();
        await b.close();
      });

      test("joining a channel again lists the joiner too and announces nothing", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await a.next("channelPresenceEvent");
        const again = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          again.presences.map((p) => p.userId),
          [ada.userId],
        );
        await a.assertNoPush("channelPresenceEvent");
        await a.close();
      });

      test("every member sees a channel's messages in the order they are stored", async () => {
        const room = uniqueName("room");
        const users = await Promise.all([1, 2, 3].map(() => authenticate(srv.url)));
        const socks = await Promise.all(users.map((u) => openSocket(srv.url, u, codec)));
        let channelId = "";
        for (const s of socks)
          channelId = (await s.call("channelJoin", { target: room, type: 1 }, "channel")).id;
        await Promise.all(
          socks.flatMap((s, k) =>
            Array.from({ length: 10 }, (_, i) =>
              s.call(
                "channelMessageSend",
                { channelId, content: JSON.stringify({ k, i }) },
                "channelMessageAck",
              ),
            ),
          ),
        );
        const history = await rest(srv.url, "GET", `/v2/channel/${channelId}?limit=100&forward=true`, {
          token: users[0]?.token ?? "",
        });
        const stored = (history.body.messages as { message_id: string }[]).map((m) => m.message_id);
        assert.equal(stored.length, 30);
        for (const s of socks) {
          const got = s.received
            .filter((e) => e.kind === "channelMessage")
            .map((e) => (e.body as { messageId: string }).messageId);
          assert.deepEqual(got, stored);
        }
        for (const s of socks) await s.close();
      });

      test("a repeated client message id is stored once and answered with the original ack", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        const body = { channelId: ch.id, content: '{"n":1}', clientMsgId: "c-1" };
        const first = await a.call("channelMessageSend", body, "channelMessageAck");
        assert.equal(first.clientMsgId, "c-1");
        const pushed = await a.next("channelMessage");
        assert.equal(pushed.clientMsgId, "c-1");
        const second = await a.call("channelMessageSend", body, "channelMessageAck");
        assert.equal(second.messageId, first.messageId);
        assert.equal(second.clientMsgId, "c-1");
        await a.assertNoPush("channelMessage");
        const history = await rest(srv.url, "GET", `/v2/channel/${ch.id}?limit=10`, { token: ada.token });
        assert.equal((history.body.messages as unknown[]).length, 1);
        await a.close();
      });
    });
  }
});
