// A socket that sends many status updates without waiting for the replies, on a node of a
// cluster: the updates wait on a flag read in Redis, which they share, and must still apply, be
// answered and reach followers on every node in the order they were sent, with a refused update
// in the middle answered in its turn and a follow after them answered after them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Envelope } from "../../src/gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../src/protocol/limits.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";
import { redisSkipReason } from "../helpers/redis.js";
import { authenticate, codecs, openSocket } from "../helpers/server.js";

const skip = redisSkipReason();
const UPDATES = 40;
const TOO_LONG = "x".repeat(MAX_STATUS_LENGTH + 1);

describe("cluster: a burst of status updates from one socket", { skip }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ nodes: 2, database: "sqlite" });
  });
  after(() => cluster?.close());
  const node = (i: number) => cluster.nodes[i]?.url as string;

  for (const codec of codecs) {
    test(`applies, answers and delivers in send order (${codec.format})`, async () => {
      const [ada, bob, carol] = await Promise.all([0, 0, 1].map((i) => authenticate(node(i))));
      assert.ok(ada && bob && carol);
      const a = await openSocket(node(0), ada, codec, { status: true });
      const near = await openSocket(node(0), bob, codec);
      const far = await openSocket(node(1), carol, codec);
      for (const follower of [near, far])
        await follower.call("statusFollow", { userIds: [ada.userId] }, "status");

      // Every request leaves before any reply comes back.
      const replies: Promise<Envelope>[] = [];
      for (let i = 0; i < UPDATES; i++) {
        const status = i === UPDATES / 2 ? TOO_LONG : `s${i}`;
        replies.push(a.request("statusUpdate", { status }));
      }
      const followed = a.request("statusFollow", { userIds: [ada.userId] });
      const answered = await Promise.all(replies);

      assert.deepEqual(
        answered.map((r) => r.kind),
        answered.map((_, i) => (i === UPDATES / 2 ? "error" : "empty")),
      );
      // The follow sent after the burst waited for it: it is answered last (listing nobody: a
      // socket's own user is skipped, as on stock), and every reply arrives in send order.
      const listed = await followed;
      assert.equal(listed.kind, "status");
      if (listed.kind === "status") assert.deepEqual(listed.body.presences, []);
      const order = a.received.filter((e) => e.cid !== undefined).map((e) => Number(e.cid));
      assert.equal(order.length, UPDATES + 1);
      assert.deepEqual(
        order,
        [...order].sort((x, y) => x - y),
      );

      const expected = [];
      for (let i = 0; i < UPDATES; i++) if (i !== UPDATES / 2) expected.push(`s${i}`);
      for (const follower of [near, far]) {
        await waitFor(
          () =>
            follower.received.filter(
              (e) => e.kind === "statusPresenceEvent" && e.body.joins[0]?.status === `s${UPDATES - 1}`,
            ).length === 1,
          { timeoutMs: 5000, what: "the last update" },
        );
        const seen = follower.received.flatMap((e) =>
          e.kind === "statusPresenceEvent" ? e.body.joins.map((p) => p.status) : [],
        );
        assert.deepEqual(seen, expected);
      }
      await Promise.all([a, near, far].map((s) => s.close()));
    });
  }

  test("an update crosses in the format its node encoded and reaches sockets of either format", async () => {
    const [ada, bob, carol, dan] = await Promise.all([0, 0, 1, 1].map((i) => authenticate(node(i))));
    assert.ok(ada && bob && carol && dan);
    const [json, protobuf] = codecs;
    assert.ok(json && protobuf);
    const adaId: string = ada.userId;
    // Node 0 has only JSON sockets on the stream (the event crosses as JSON); node 1 has both.
    const a = await openSocket(node(0), ada, json, { status: true });
    const near = await openSocket(node(0), bob, json);
    const farJson = await openSocket(node(1), carol, json);
    const farProto = await openSocket(node(1), dan, protobuf);
    for (const follower of [near, farJson, farProto])
      await follower.call("statusFollow", { userIds: [ada.userId] }, "status");
    const statuses = ["one", "two", "three"];
    const replies = statuses.map((status) => a.request("statusUpdate", { status }));
    await Promise.all(replies);
    for (const follower of [near, farJson, farProto]) {
      await waitFor(
        () =>
          follower.received.some(
            (e) => e.kind === "statusPresenceEvent" && e.body.joins[0]?.status === "three",
          ),
        { timeoutMs: 5000, what: "the last update" },
      );
      const seen: { joins: (string | undefined)[][]; leaves: number }[] = follower.received.flatMap((e) =>
        e.kind === "statusPresenceEvent"
          ? [
              {
                joins: e.body.joins.map((p) => [p.userId, p.sessionId, p.status]),
                leaves: e.body.leaves.length,
              },
            ]
          : [],
      );
      // One session's updates: the same session id throughout.
      const session: string = seen[0]?.joins[0]?.[1] ?? "";
      assert.notEqual(session, "");
      const expected: { joins: (string | undefined)[][]; leaves: number }[] = [];
      // Each replaces the one before (the first, the empty status of connecting with status=true).
      for (const status of statuses) expected.push({ joins: [[adaId, session, status]], leaves: 1 });
      assert.deepEqual(seen, expected);
    }
    await Promise.all([a, near, farJson, farProto].map((s) => s.close()));
  });
});
