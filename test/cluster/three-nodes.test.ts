// Every seed scenario with its participants on DIFFERENT nodes of a three-node cluster (one Redis,
// one database), pinned explicitly, in JSON and in protobuf.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../src/testing/wait-for.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";
import { redisSkipReason } from "../helpers/redis.js";
import {
  authenticate,
  codecs,
  openSocket,
  type RawSocket,
  rest,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";

const skip = redisSkipReason();

/**
 * Waits until a send of `socket` to `channelId` is refused: what one node did (a block, a kick)
 * reaches the node holding the socket after one publish.
 */
async function untilSendRefused(socket: RawSocket, channelId: string): Promise<void> {
  await waitFor(
    async () => (await socket.request("channelMessageSend", { channelId, content: "{}" })).kind === "error",
    { timeoutMs: 15_000, intervalMs: 20, what: "the send refused" },
  );
}

describe("three nodes behave as one server", { skip }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ nodes: 3 });
  });
  after(() => cluster?.close());
  const node = (i: number) => cluster.nodes[i]?.url as string;

  for (const codec of codecs) {
    describe(`over ${codec.format}`, () => {
      test("status: a follower on node 2 sees the presences and changes of a user on node 1", async () => {
        const ada = await authenticate(node(0));
        const bob = await authenticate(node(1));
        const a = await openSocket(node(0), ada, codec, { status: true });
        await a.callEmpty("statusUpdate", { status: "first" });
        const b = await openSocket(node(1), bob, codec);
        const followed = await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(
          followed.presences.map((p) => [p.userId, p.status]),
          [[ada.userId, "first"]],
        );
        await a.callEmpty("statusUpdate", { status: "second" });
        const change = await b.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "second"));
        assert.equal(change.leaves[0]?.status, "first");
        // Online and status in REST user views, read on a third node.
        const carol = await authenticate(node(2));
        const users = await rest(node(2), "GET", `/v2/user?ids=${ada.userId}`, { token: carol.token });
        const viewed = (users.body.users as Record<string, unknown>[])[0];
        assert.equal(viewed?.online, true);
        assert.equal(viewed?.status, "second");
        await a.close();
        const gone = await b.next("statusPresenceEvent", (e) => e.leaves.length > 0);
        assert.equal(gone.leaves[0]?.userId, ada.userId);
        const later = await rest(node(2), "GET", `/v2/user?ids=${ada.userId}`, { token: carol.token });
        const offline = (later.body.users as Record<string, unknown>[])[0];
        assert.notEqual(offline?.online, true, "offline (false is left out of the JSON)");
        assert.equal(offline?.status, undefined);
        assert.ok(typeof offline?.last_active === "string", "last_active is set");
        await b.close();
      });

      test("rooms: members on three nodes list each other, see joins and leaves, and get every message", async () => {
        const room = uniqueName("room");
        const users = await Promise.all([0, 1, 2].map((i) => authenticate(node(i))));
        const sockets = await Promise.all(users.map((u, i) => openSocket(node(i), u, codec)));
        const [a, b, c] = sockets as [(typeof sockets)[0], (typeof sockets)[0], (typeof sockets)[0]];
        const ja = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(ja.presences, []);
        const jb = await b.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          jb.presences.map((p) => p.userId),
          [users[0]?.userId],
        );
        await a.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === users[1]?.userId));
        const jc = await c.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          new Set(jc.presences.map((p) => p.userId)),
          new Set([users[0]?.userId, users[1]?.userId]),
        );
        for (const s of [a, b])
          await s.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === users[2]?.userId));
        const ack = await b.call(
          "channelMessageSend",
          { channelId: ja.id, content: '{"n":1}' },
          "channelMessageAck",
        );
        for (const s of [a, b, c]) {
          const m = await s.next("channelMessage", (x) => x.messageId === ack.messageId);
          assert.equal(m.content, '{"n":1}');
          assert.equal(m.senderId, users[1]?.userId);
        }
        await c.callEmpty("channelLeave", { channelId: ja.id });
        for (const s of [a, b])
          await s.next("channelPresenceEvent", (e) => e.leaves.some((p) => p.userId === users[2]?.userId));
        // Gone from the channel: no more messages on node 3.
        const ack2 = await a.call(
          "channelMessageSend",
          { channelId: ja.id, content: "{}" },
          "channelMessageAck",
        );
        await b.next("channelMessage", (x) => x.messageId === ack2.messageId);
        await c.assertNoPush("channelMessage", (x: { messageId: string }) => x.messageId === ack2.messageId);
        await Promise.all(sockets.map((s) => s.close()));
      });

      test("hidden members are not listed on other nodes and cause no events", async () => {
        const room = uniqueName("room");
        const ada = await authenticate(node(0));
        const bob = await authenticate(node(1));
        const b = await openSocket(node(1), bob, codec);
        await b.call("channelJoin", { target: room, type: 1, hidden: true }, "channel");
        const a = await openSocket(node(0), ada, codec);
        const ja = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(ja.presences, [], "the hidden member on node 2 is not listed");
        await b.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === ada.userId));
        const ack = await b.call(
          "channelMessageSend",
          { channelId: ja.id, content: "{}" },
          "channelMessageAck",
        );
        await a.next("channelMessage", (m) => m.messageId === ack.messageId);
        await b.callEmpty("channelLeave", { channelId: ja.id });
        // A leave node 2 published would reach node 1 later than the reply: joining again, shown,
        // puts a join behind it (node 2 publishes in order), so once the join is in, it would be too.
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        await a.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === bob.userId));
        await a.assertNoPush("channelPresenceEvent", (e: { leaves: unknown[] }) => e.leaves.length > 0);
        await Promise.all([a.close(), b.close()]);
      });

      test("direct chat: the invitation and the messages cross nodes", async () => {
        const ada = await authenticate(node(0));
        const bob = await authenticate(node(2));
        const b = await openSocket(node(2), bob, codec);
        const a = await openSocket(node(0), ada, codec);
        const ja = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        const invite = await b.next("notifications");
        assert.equal(invite.notifications[0]?.senderId, ada.userId);
        const jb = await b.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        assert.equal(jb.id, ja.id);
        assert.deepEqual(
          jb.presences.map((p) => p.userId),
          [ada.userId],
        );
        const ack = await a.call(
          "channelMessageSend",
          { channelId: ja.id, content: '{"hi":1}' },
          "channelMessageAck",
        );
        assert.equal(
          (await b.next("channelMessage", (m) => m.messageId === ack.messageId)).content,
          '{"hi":1}',
        );
        // A block on a third node ends the chat on both nodes.
        const blocked = await rest(node(1), "POST", `/v2/friend/block?ids=${ada.userId}`, {
          token: bob.token,
        });
        assert.equal(blocked.status, 200);
        // The other node applies the block within one publish: the sender is out of the chat.
        await untilSendRefused(a, ja.id);
        await Promise.all([a.close(), b.close()]);
      });

      test("groups: messages cross nodes, and a kick on a third node takes the member out", async () => {
        const owner = await authenticate(node(0));
        const bob = await authenticate(node(1));
        const created = await rest(node(0), "POST", "/v2/group", {
          token: owner.token,
          body: { name: uniqueName("g"), open: true },
        });
        const groupId = created.body.id as string;
        assert.equal(
          (await rest(node(1), "POST", `/v2/group/${groupId}/join`, { token: bob.token })).status,
          200,
        );
        const o = await openSocket(node(0), owner, codec);
        const b = await openSocket(node(1), bob, codec);
        const jo = await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await b.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await o.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === bob.userId));
        const ack = await o.call(
          "channelMessageSend",
          { channelId: jo.id, content: '{"g":1}' },
          "channelMessageAck",
        );
        await b.next("channelMessage", (m) => m.messageId === ack.messageId);
        const kicked = await rest(node(2), "POST", `/v2/group/${groupId}/kick?user_ids=${bob.userId}`, {
          token: owner.token,
        });
        assert.equal(kicked.status, 200);
        await o.next("channelPresenceEvent", (e) => e.leaves.some((p) => p.userId === bob.userId));
        // The kick's event message (code 6) reaches the owner on node 1.
        await o.next("channelMessage", (m) => m.code === 6 && m.senderId === bob.userId);
        await untilSendRefused(b, jo.id);
        await Promise.all([o.close(), b.close()]);
      });

      test("invisible: a user turning invisible on node 3 leaves the views of node 2 and of REST", async () => {
        const ada = await authenticate(node(0));
        const bob = await authenticate(node(1));
        const a = await openSocket(node(0), ada, codec, { status: true });
        const room = uniqueName("room");
        const ja = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        const b = await openSocket(node(1), bob, codec);
        await b.call("statusFollow", { userIds: [ada.userId] }, "status");
        const jb = await b.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.equal(jb.presences.length, 1);
        const set = await rest(node(2), "PUT", "/v2/account", {
          token: ada.token,
          body: { invisible: true },
        });
        assert.equal(set.status, 200);
        await b.next("statusPresenceEvent", (e) => e.leaves.some((p) => p.userId === ada.userId));
        await b.next("channelPresenceEvent", (e) => e.leaves.some((p) => p.userId === ada.userId));
        const viewed = await rest(node(2), "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token });
        assert.notEqual((viewed.body.users as Record<string, unknown>[])[0]?.online, true);
        const own = await rest(node(2), "GET", `/v2/user?ids=${ada.userId}`, { token: ada.token });
        assert.equal(
          (own.body.users as Record<string, unknown>[])[0]?.online,
          true,
          "the user sees themselves",
        );
        // A new follower on node 3 lists nothing; a new member sees nobody.
        const carol = await authenticate(node(2));
        const c = await openSocket(node(2), carol, codec);
        const followed = await c.call("statusFollow", { userIds: [ada.userId] }, "status");
        assert.deepEqual(followed.presences, []);
        const jc = await c.call("channelJoin", { target: room, type: 1 }, "channel");
        assert.deepEqual(
          jc.presences.map((p) => p.userId),
          [bob.userId],
        );
        // Visible again: seen again everywhere.
        await rest(node(2), "PUT", "/v2/account", { token: ada.token, body: { invisible: false } });
        await b.next("statusPresenceEvent", (e) => e.joins.some((p) => p.userId === ada.userId));
        await c.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === ada.userId));
        assert.equal(ja.presences.length, 0);
        await Promise.all([a.close(), b.close(), c.close()]);
      });

      test("history both ways with cursors holds the messages of every node exactly once", async () => {
        const room = uniqueName("room");
        const users = await Promise.all([0, 1, 2].map((i) => authenticate(node(i))));
        const sockets = await Promise.all(users.map((u, i) => openSocket(node(i), u, codec)));
        let channelId = "";
        for (const s of sockets)
          channelId = (await s.call("channelJoin", { target: room, type: 1 }, "channel")).id;
        const sent: string[] = [];
        for (let i = 0; i < 12; i++) {
          const s = sockets[i % 3] as (typeof sockets)[0];
          const ack = await s.call(
            "channelMessageSend",
            { channelId, content: `{"i":${i}}` },
            "channelMessageAck",
          );
          sent.push(ack.messageId);
        }
        for (const forward of [true, false]) {
          const seen: string[] = [];
          let cursor = "";
          let pages = 0;
          do {
            const page = await rest(
              node(pages % 3),
              "GET",
              `/v2/channel/${encodeURIComponent(channelId)}?limit=5&forward=${forward}${cursor ? `&cursor=${cursor}` : ""}`,
              { token: (users[pages % 3] as TestUser).token },
            );
            assert.equal(page.status, 200);
            for (const m of (page.body.messages as { message_id: string }[]) ?? []) seen.push(m.message_id);
            cursor = (page.body.next_cursor as string | undefined) ?? "";
            pages += 1;
          } while (cursor && pages < 10);
          assert.deepEqual(seen, forward ? sent : [...sent].reverse(), `forward=${forward}`);
        }
        await Promise.all(sockets.map((s) => s.close()));
      });
    });
  }

  test("a notification reaches the user's sessions on every node", async () => {
    const bob = await authenticate(node(0));
    const sockets = await Promise.all([0, 1, 2].map((i) => openSocket(node(i), bob)));
    const ada = await authenticate(node(1));
    const added = await rest(node(1), "POST", `/v2/friend?ids=${bob.userId}`, { token: ada.token });
    assert.equal(added.status, 200);
    for (const s of sockets) {
      const n = await s.next("notifications");
      assert.equal(n.notifications[0]?.senderId, ada.userId);
    }
    await Promise.all(sockets.map((s) => s.close()));
  });
});
