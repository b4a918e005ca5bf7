// The same cluster adapter tests in memory and on a real redis-server; then what only Redis does:
// leases (a node killed with SIGKILL is cleaned up by a survivor) and a Redis restart mid-stream.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HeraldError } from "../../src/errors.js";
import {
  type ClusterAdapter,
  channelStream,
  statusStream,
} from "../../src/server/cluster/cluster-adapter.js";
import { MemoryBus, MemoryClusterAdapter } from "../../src/server/cluster/memory-adapter.js";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";
import { clusterAdapterSuite, nextMessage, record } from "./cluster-adapter-suite.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const skip = redisSkipReason();
let redis: TestRedis | undefined;
if (skip === undefined) {
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.close());
}

// A node in this process beats often but holds a long lease: a busy machine can hold this process
// up for longer than a short lease, and a survivor would then reap a node that is alive. Only the
// node in a child process, the one killed or paused, has a short lease (the bound the tests wait
// for is its leaseMs + the survivor's heartbeatMs), and still seconds of it, so that it is not
// reaped before it is killed.
const HEARTBEAT_MS = 150;
const LEASE_MS = 30_000;
const CHILD_LEASE_MS = 2000;

async function startNodes(
  n: number,
  keyPrefix = `t${randomUUID().slice(0, 8)}:`,
): Promise<RedisClusterAdapter[]> {
  if (redis === undefined) throw new Error("redis-server did not start");
  const url = redis.url;
  const nodes = Array.from(
    { length: n },
    () => new RedisClusterAdapter({ url, keyPrefix, heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS }),
  );
  await Promise.all(nodes.map((node) => node.start()));
  return nodes;
}

/** A cluster node in a child process (so it can be killed or paused for real), with presences. */
function startNodeProcess(
  keyPrefix: string,
  nodeId: string,
  presences: { stream: string; sessionId: string; userId: string; hidden?: boolean }[],
): { process: ChildProcess; ready: Promise<void> } {
  if (redis === undefined) throw new Error("redis-server did not start");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "fixtures", "cluster-node.ts")], {
    env: {
      ...process.env,
      HERALD_REDIS_URL: redis.url,
      HERALD_NODE_ID: nodeId,
      HERALD_KEY_PREFIX: keyPrefix,
      HERALD_HEARTBEAT_MS: String(HEARTBEAT_MS),
      HERALD_LEASE_MS: String(CHILD_LEASE_MS),
      HERALD_NODE_PRESENCES: JSON.stringify(presences),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the node process exited early (${code})`)));
  });
  return { process: child, ready };
}

clusterAdapterSuite("memory", async (n) => {
  const bus = new MemoryBus();
  const nodes = Array.from({ length: n }, () => new MemoryClusterAdapter({ bus }));
  await Promise.all(nodes.map((node) => node.start()));
  return { nodes, close: async () => void (await Promise.all(nodes.map((node) => node.close()))) };
});

clusterAdapterSuite(
  "redis",
  async (n) => {
    const nodes = await startNodes(n);
    return { nodes, close: async () => void (await Promise.all(nodes.map((node) => node.close()))) };
  },
  skip,
);

describe("cluster adapter on Redis: failures", { skip }, () => {
  test("a node killed with SIGKILL has its presences removed by a survivor, which publishes the leaves", async () => {
    if (redis === undefined) throw new Error("redis-server did not start");
    const keyPrefix = `k${randomUUID().slice(0, 8)}:`;
    const [survivor, watcher] = await startNodes(2, keyPrefix);
    if (!survivor || !watcher) throw new Error("two nodes expected");
    const room = channelStream(`2...${randomUUID()}`);
    const deadNode = `dead-${randomUUID()}`;
    const presences = [
      { stream: room, sessionId: "s-visible", userId: "ux" },
      { stream: room, sessionId: "s-hidden", userId: "uy", hidden: true },
      { stream: statusStream("ux"), sessionId: "s-visible", userId: "ux" },
    ];
    const child = startNodeProcess(keyPrefix, deadNode, presences);
    try {
      await child.ready;
      await watcher.subscribe(room);
      const before = await watcher.presences(room);
      assert.deepEqual(before.map((p) => p.sessionId).sort(), ["s-hidden", "s-visible"]);
      assert.deepEqual(await watcher.onlineUsers(["ux"]), new Set(["ux"]));

      const downs: string[] = [];
      survivor.on("nodeDown", (info) => downs.push(info.nodeId));
      watcher.on("nodeDown", (info) => downs.push(info.nodeId));
      const leave = nextMessage(watcher, (_, m) => m.kind === "presence" && m.leaves.length > 0);
      child.process.kill("SIGKILL");
      // Generous: the stated bound is CHILD_LEASE_MS + HEARTBEAT_MS; this only guards against a hang.
      const { message } = await leave;
      assert.equal(message.kind, "presence");
      if (message.kind === "presence") {
        assert.deepEqual(
          message.leaves.map((p) => [p.sessionId, p.node]),
          [["s-visible", deadNode]],
        );
      }
      assert.deepEqual(await watcher.presences(room), []);
      assert.deepEqual(await survivor.onlineUsers(["ux"]), new Set());
      assert.deepEqual(downs, [deadNode], "cleaned up once, by one survivor");
    } finally {
      child.process.kill("SIGKILL");
      await Promise.all([survivor.close(), watcher.close()]);
    }
  });

  test("a dead node's claim is honoured for another node, and taken up at once when it holds the survivor's own id", async () => {
    const keyPrefix = `c${randomUUID().slice(0, 8)}:`;
    const [survivor] = await startNodes(1, keyPrefix);
    if (!survivor) throw new Error("one node expected");
    const room = channelStream(`2...${randomUUID()}`);
    const deadNode = `dead-${randomUUID()}`;
    const claimKey = survivor.keys.node(deadNode, "reaper");
    const child = startNodeProcess(keyPrefix, deadNode, [
      { stream: room, sessionId: "s-dead", userId: "ud" },
    ]);
    try {
      await child.ready;
      await survivor.subscribe(room);
      const leaves = record(survivor);
      // Another survivor has claimed the node, for longer than this test runs.
      await survivor.run([["set", claimKey, "another-node", "PX", 600_000]]);
      child.process.kill("SIGKILL");
      const leaseKey = survivor.keys.node(deadNode, "lease");
      await waitFor(async () => (await survivor.run([["exists", leaseKey]]))[0] === 0, {
        what: "the killed node's lease to expire",
        timeoutMs: 20_000,
      });
      // Several of the survivor's heartbeats with the lease gone: the other node's claim keeps it off.
      await new Promise((resolve) => setTimeout(resolve, 8 * HEARTBEAT_MS));
      assert.deepEqual(
        (await survivor.presences(room)).map((p) => p.sessionId),
        ["s-dead"],
      );
      assert.equal(leaves.messages.length, 0);
      leaves.stop();

      // The claim holds the survivor's own id, as when Redis took its SET NX but the reply was lost
      // in a cut (the client's second SET finds the key set): the survivor goes on with the clean-up
      // rather than waiting for its own claim to expire (here in ten minutes).
      const leave = nextMessage(survivor, (_, m) => m.kind === "presence" && m.leaves.length > 0);
      await survivor.run([["set", claimKey, survivor.nodeId, "PX", 600_000, "XX"]]);
      const { message } = await leave;
      assert.deepEqual(message.kind === "presence" && message.leaves.map((p) => p.sessionId), ["s-dead"]);
      assert.deepEqual(await survivor.presences(room), []);
    } finally {
      child.process.kill("SIGKILL");
      await survivor.close();
    }
  });

  test("after a Redis restart nodes reconnect, resubscribe and announce their presences again", async () => {
    if (redis === undefined) throw new Error("redis-server did not start");
    const [a, b] = await startNodes(2);
    if (!a || !b) throw new Error("two nodes expected");
    const errors: unknown[] = [];
    a.on("error", (err) => errors.push(err));
    b.on("error", (err) => errors.push(err));
    try {
      const room = channelStream(`2...${randomUUID()}`);
      const pa = { sessionId: randomUUID(), userId: "ua", username: "ua", hidden: false, changedAt: 1 };
      const pb = { sessionId: randomUUID(), userId: "ub", username: "ub", hidden: false, changedAt: 2 };
      await a.setPresence(room, pa);
      await b.setPresence(room, pb);
      await b.subscribe(room);
      const reannounced = Promise.all(
        [a, b].map((node) => new Promise<{ reaped: boolean }>((resolve) => node.on("reannounced", resolve))),
      );
      await redis.stop();
      // While Redis is away: clear errors, no hang.
      await assert.rejects(a.presences(room), (err) => HeraldError.is(err, "disconnected"));
      for (let i = 0; i < 3; i++) a.publish(room, { kind: "frame", bytes: new Uint8Array([0]) });
      for (let waited = 0; a.droppedBroadcasts < 3 && waited < 5000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(a.droppedBroadcasts, 3, "broadcasts during the outage are dropped and counted");
      await redis.start();
      assert.deepEqual(await reannounced, [{ reaped: false }, { reaped: false }]);
      assert.deepEqual(
        (await a.presences(room)).map((p) => p.sessionId),
        [pa.sessionId, pb.sessionId],
      );
      // b subscribed again: a's broadcasts reach it. Retried, as b's resubscribe may still be on its way.
      const got = nextMessage(b, (_, m) => m.kind === "frame" && m.bytes?.[0] === 7);
      const timer = setInterval(() => a.publish(room, { kind: "frame", bytes: new Uint8Array([7]) }), 100);
      try {
        await got;
      } finally {
        clearInterval(timer);
      }
      assert.ok(errors.length > 0, "the outage was reported through the error event");
      // The publisher learns of its publish's success a moment after the subscriber got it.
      const drops = (): number => a.droppedBroadcasts;
      for (let waited = 0; drops() !== 0 && waited < 5000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(drops(), 0, "the count restarts once Redis takes broadcasts again");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("a node taken for dead while alive announces its presences again, with joins", async () => {
    const keyPrefix = `p${randomUUID().slice(0, 8)}:`;
    const [watcher] = await startNodes(1, keyPrefix);
    if (!watcher) throw new Error("one node expected");
    const room = channelStream(`2...${randomUUID()}`);
    await watcher.subscribe(room);
    const child = startNodeProcess(keyPrefix, `paused-${randomUUID()}`, [
      { stream: room, sessionId: "s-paused", userId: "up" },
    ]);
    try {
      await child.ready;
      const leave = nextMessage(watcher, (_, m) => m.kind === "presence" && m.leaves.length === 1);
      const join = nextMessage(watcher, (_, m) => m.kind === "presence" && m.joins.length === 1);
      // A paused process (a long GC pause, a frozen VM) misses its lease and is cleaned up...
      child.process.kill("SIGSTOP");
      await leave;
      assert.deepEqual(await watcher.presences(room), []);
      // ...and when it runs again it finds out, and shows its presences again.
      child.process.kill("SIGCONT");
      const { message } = await join;
      assert.equal(message.kind === "presence" && message.joins[0]?.sessionId, "s-paused");
      assert.deepEqual(
        (await watcher.presences(room)).map((p) => p.sessionId),
        ["s-paused"],
      );
    } finally {
      child.process.kill("SIGKILL");
      await watcher.close();
    }
  });
});

describe("cluster adapter options", () => {
  test("a lease no longer than the heartbeat is refused", () => {
    assert.throws(
      () => new RedisClusterAdapter({ heartbeatMs: 1000, leaseMs: 1000 }),
      (err) => HeraldError.is(err, "bad_input"),
    );
  });

  test("a publish hold time that is not 0 to 60000 ms is refused", () => {
    for (const publishHoldMs of [-1, Number.NaN, 60_001]) {
      assert.throws(
        () => new RedisClusterAdapter({ publishHoldMs }),
        (err) => HeraldError.is(err, "bad_input"),
        String(publishHoldMs),
      );
    }
  });

  test("a node that cannot reach Redis fails to start with disconnected", { skip }, async () => {
    const node: ClusterAdapter = new RedisClusterAdapter({ url: "redis://127.0.0.1:1" });
    await assert.rejects(node.start(), (err) => HeraldError.is(err, "disconnected"));
    await node.close();
  });
});
