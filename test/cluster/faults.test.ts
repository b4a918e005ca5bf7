// Faults of a running cluster, with real processes: a node killed (kill -9) mid-stream, Redis
// restarted mid-stream, the database unavailable for a while.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelMessageCode, ChannelType, Client, type ReconnectedEvent } from "../../src/index.js";
import { createResilientSocket } from "../../src/resilience/index.js";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import { waitFor as kitWaitFor } from "../../src/testing/wait-for.js";
import { startCluster, type TestCluster } from "../helpers/cluster.js";
import { postgresSkipReason, startPostgres } from "../helpers/postgres.js";
import { redisSkipReason, startRedis } from "../helpers/redis.js";
import { authenticate, openSocket, rest, uniqueName } from "../helpers/server.js";
import { waitFor } from "../sdk/helpers.js";

const skip = redisSkipReason();

// A short lease keeps the test short: a dead node's presences go within LEASE_MS + HEARTBEAT_MS.
const LEASE_MS = 1500;
const HEARTBEAT_MS = 300;

/** Ada on the first node and Bob on the second, both in one new room: ja is Ada's join reply. */
async function twoNodesInOneRoom(cluster: TestCluster) {
  const [n0, n1] = cluster.nodes.map((n) => n.url) as [string, string];
  const room = uniqueName("room");
  const ada = await authenticate(n0);
  const bob = await authenticate(n1);
  const a = await openSocket(n0, ada);
  const b = await openSocket(n1, bob);
  const ja = await a.call("channelJoin", { target: room, type: 1 }, "channel");
  await b.call("channelJoin", { target: room, type: 1 }, "channel");
  return { n0, n1, ada, bob, a, b, ja };
}

describe("cluster faults", { skip }, () => {
  test("kill -9 of a node mid-stream: its user reconnects to another node, loses nothing acked, and its presences leave everywhere", async (t) => {
    const cluster = await startCluster({
      nodes: 3,
      processes: true,
      leaseMs: LEASE_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
    t.after(() => cluster.close());
    const [n0, _n1, n2] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const room = uniqueName("room");

    // The victim connects through the balancer, pinned to node 2 for its first connection.
    const client = new Client({ port: cluster.port });
    const session = await client.authenticateDevice({
      id: `device-${uniqueName()}`,
      username: uniqueName("vic"),
    });
    const socket = createResilientSocket(client, { reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
    t.after(() => socket.disconnect());
    const reconnected: ReconnectedEvent[] = [];
    socket.onReconnected((e) => reconnected.push(e));
    cluster.balancer.setAlive(n0.port, false);
    cluster.balancer.setAlive(n2.port, false);
    await socket.connect(session, { appearOnline: true });
    cluster.balancer.setAlive(n0.port, true);
    cluster.balancer.setAlive(n2.port, true);
    const channel = await socket.joinChat(room, ChannelType.Room);
    await socket.updateStatus("streaming");

    // The observer, on node 1, sees the victim's session in the room and on its status stream.
    const watcher = await authenticate(n0.url);
    const o = await openSocket(n0.url, watcher);
    const followed = await o.call("statusFollow", { userIds: [session.userId] }, "status");
    const oldSession = followed.presences[0]?.sessionId;
    assert.ok(oldSession, "the victim is online");
    const joined = await o.call("channelJoin", { target: room, type: 1 }, "channel");
    assert.deepEqual(
      joined.presences.map((p) => p.sessionId),
      [oldSession],
    );

    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) writes.push(socket.writeChatMessage(channel.id, { text: `m${i}` }));
    await Promise.all(writes);
    // Mid-stream: writes in flight when the node dies, more while the victim reconnects.
    for (let i = 20; i < 40; i++) writes.push(socket.writeChatMessage(channel.id, { text: `m${i}` }));
    await cluster.kill(1);
    for (let i = 40; i < 60; i++) writes.push(socket.writeChatMessage(channel.id, { text: `m${i}` }));

    // Gone everywhere with leave events, within the lease bound (waited for generously).
    await o.next("channelPresenceEvent", (e) => e.leaves.some((p) => p.sessionId === oldSession), 10_000);
    await o.next("statusPresenceEvent", (e) => e.leaves.some((p) => p.sessionId === oldSession), 10_000);
    await waitFor(() => reconnected.length > 0, "the victim reconnected", 20_000);
    await Promise.all(writes);

    // Every message acked is stored once.
    const texts: string[] = [];
    for await (const m of client.channelMessages(session, channel.id, { forward: true })) {
      if (m.code === ChannelMessageCode.Chat) texts.push(String(m.content.text));
    }
    assert.equal(texts.length, 60);
    assert.equal(new Set(texts).size, 60);
    // The reconnected session is back in the room, on a live node: the observer sees its messages.
    const ack = await socket.writeChatMessage(channel.id, { text: "after" });
    await o.next("channelMessage", (m) => m.messageId === ack.messageId, 10_000);
    const view = await rest(n2.url, "GET", `/v2/user?ids=${session.userId}`, { token: watcher.token });
    const user = (view.body.users as Record<string, unknown>[])[0];
    assert.equal(user?.online, true, "online again through its new node");
    assert.ok(typeof user?.last_active === "string");
    await o.close();
  });

  test("Redis restarted mid-stream: requests needing it fail retryably, then delivery and presences come back", async (t) => {
    const redis = await startRedis();
    t.after(() => redis.close());
    const cluster = await startCluster({ nodes: 2, redisServer: redis, heartbeatMs: 200, leaseMs: 1000 });
    t.after(() => cluster.close());
    const [n0, n1] = cluster.nodes.map((n) => n.url) as [string, string];
    const room = uniqueName("room");
    const ada = await authenticate(n0);
    const bob = await authenticate(n1);
    const a = await openSocket(n0, ada, undefined, { status: true });
    const b = await openSocket(n1, bob);
    const ja = await a.call("channelJoin", { target: room, type: 1 }, "channel");
    await b.call("channelJoin", { target: room, type: 1 }, "channel");
    await b.call("statusFollow", { userIds: [ada.userId] }, "status");

    await redis.stop();
    // A message is acked (it is stored) though other nodes cannot be told now: history has it.
    const during = await a.call(
      "channelMessageSend",
      { channelId: ja.id, content: '{"during":1}' },
      "channelMessageAck",
    );
    // A join needs Redis: a clear, retryable refusal (code 14, disconnected).
    const carol = await authenticate(n1);
    const c = await openSocket(n1, carol);
    const refused = await c.request("channelJoin", { target: room, type: 1 });
    assert.equal(refused.kind, "error");
    assert.equal((refused.body as { code: number }).code, 14);
    assert.equal((refused.body as { context?: Record<string, string> }).context?.herald_code, "disconnected");

    await redis.start();
    // Redis came back empty: the nodes announce their presences again and listen again. Once a
    // join has gone through, the next ones are re-joins, which list carol herself too: she is left
    // out of the count.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await c.request("channelJoin", { target: room, type: 1 });
      const others =
        r.kind === "channel"
          ? (r.body as { presences: { userId: string }[] }).presences.filter((p) => p.userId !== carol.userId)
          : [];
      if (others.length === 2) break;
      assert.ok(Date.now() < deadline, `the join lists both members again: ${JSON.stringify(r)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = await a.call(
      "channelMessageSend",
      { channelId: ja.id, content: '{"after":1}' },
      "channelMessageAck",
    );
    await b.next("channelMessage", (m) => m.messageId === after.messageId, 10_000);
    await a.callEmpty("statusUpdate", { status: "back" });
    await b.next("statusPresenceEvent", (e) => e.joins.some((p) => p.status === "back"), 10_000);
    const history = await rest(n1, "GET", `/v2/channel/${encodeURIComponent(ja.id)}?limit=10&forward=true`, {
      token: bob.token,
    });
    const ids = (history.body.messages as { message_id: string }[]).map((m) => m.message_id);
    assert.deepEqual(ids, [during.messageId, after.messageId]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  test("the database unavailable for a while (SQLite's write lock held): sends are refused retryably, then stored once and delivered on every node", async (t) => {
    const cluster = await startCluster({ nodes: 2, commitTimeoutMs: 200, database: "sqlite" });
    t.after(() => cluster.close());
    const { a, b, ja } = await twoNodesInOneRoom(cluster);

    // Another connection holds the shared database's write lock past the commit timeout.
    const Sqlite = await loadSqlite();
    const holder = new Sqlite(cluster.db);
    holder.exec("BEGIN IMMEDIATE");
    const refused = await a.request("channelMessageSend", {
      channelId: ja.id,
      content: "{}",
      clientMsgId: "m-1",
    });
    holder.exec("COMMIT");
    holder.close();
    assert.equal(refused.kind, "error");
    assert.equal((refused.body as { code: number }).code, 14);
    await b.assertNoPush("channelMessage");

    const ack = await a.call(
      "channelMessageSend",
      { channelId: ja.id, content: "{}", clientMsgId: "m-1" },
      "channelMessageAck",
    );
    await b.next("channelMessage", (m) => m.messageId === ack.messageId);
    const again = await a.call(
      "channelMessageSend",
      { channelId: ja.id, content: "{}", clientMsgId: "m-1" },
      "channelMessageAck",
    );
    assert.equal(again.messageId, ack.messageId, "stored once");
    await Promise.all([a.close(), b.close()]);
  });

  test("PostgreSQL stopped for a few seconds: sends are refused retryably, then stored once and delivered on every node", {
    skip: postgresSkipReason(),
  }, async (t) => {
    // A PostgreSQL of this test's own, to stop and start.
    const pg = await startPostgres();
    t.after(() => pg.close());
    const cluster = await startCluster({ nodes: 2, database: await pg.createSchema() });
    t.after(() => cluster.close());
    const { n1, bob, a, b, ja } = await twoNodesInOneRoom(cluster);
    const before = await a.call(
      "channelMessageSend",
      { channelId: ja.id, content: "{}" },
      "channelMessageAck",
    );
    await b.next("channelMessage", (m) => m.messageId === before.messageId);

    await pg.stop();
    const refused = await a.request("channelMessageSend", {
      channelId: ja.id,
      content: "{}",
      clientMsgId: "m-1",
    });
    assert.equal(refused.kind, "error");
    assert.equal((refused.body as { code: number }).code, 14);
    await b.assertNoPush("channelMessage");
    await pg.start();

    // The nodes' connection pools find PostgreSQL again by themselves; the client retries.
    const ack = await kitWaitFor(
      async () => {
        const reply = await a.request("channelMessageSend", {
          channelId: ja.id,
          content: "{}",
          clientMsgId: "m-1",
        });
        return reply.kind === "channelMessageAck" ? (reply.body as { messageId: string }) : undefined;
      },
      { what: "a send accepted once PostgreSQL is back", timeoutMs: 20_000, intervalMs: 250 },
    );
    await b.next("channelMessage", (m) => m.messageId === ack.messageId);
    const history = await rest(n1, "GET", `/v2/channel/${encodeURIComponent(ja.id)}?limit=10&forward=true`, {
      token: bob.token,
    });
    const ids = (history.body.messages as { message_id: string }[]).map((m) => m.message_id);
    assert.deepEqual(
      ids,
      [before.messageId, ack.messageId],
      "nothing acked lost, the retried message stored once",
    );
    await Promise.all([a.close(), b.close()]);
  });
});
