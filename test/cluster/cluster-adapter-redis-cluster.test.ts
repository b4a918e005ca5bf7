// The cluster adapter tests on a real Redis Cluster (three primaries): keys spread over slots on
// several servers, pub/sub across the cluster bus; and the order the command queue keeps there.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { CommandQueue, openPrimaries, quit, waitReady } from "../../src/server/cluster/redis-connection.js";
import { turn } from "../helpers/event-loop.js";
import { connectCluster, redisClusterForSuite, redisClusterSkipReason } from "../helpers/redis.js";
import { clusterAdapterSuite } from "./cluster-adapter-suite.js";

const skip = redisClusterSkipReason();
// Started only where Redis Cluster can run (the suite is skipped elsewhere).
const cluster = skip === undefined ? redisClusterForSuite(3) : () => undefined;

clusterAdapterSuite(
  "Redis Cluster",
  async (n) => {
    const keyPrefix = `c${randomUUID().slice(0, 8)}:`;
    const nodes = Array.from(
      { length: n },
      () =>
        new RedisClusterAdapter({
          keyPrefix,
          // No test here waits for a lease to run out; a long one keeps a node that a busy
          // machine holds up from being reaped while alive.
          heartbeatMs: 150,
          leaseMs: 30_000,
          createClient: () => connectCluster(cluster()),
        }),
    );
    await Promise.all(nodes.map((node) => node.start()));
    return { nodes, close: async () => void (await Promise.all(nodes.map((node) => node.close()))) };
  },
  skip,
);

describe("cluster: the Redis command queue on a Redis Cluster", { skip }, () => {
  const connect = () => connectCluster(cluster());
  const keys = (n: number) => Array.from({ length: n }, () => `o:{${randomUUID()}}`);

  test("a turn's commands of one key keep their order, on connections still opening too", async () => {
    // A fresh client has opened at most one primary: most keys here meet a connection still opening.
    const conn = connect();
    try {
      await waitReady(conn);
      const queue = new CommandQueue(() => conn);
      const names = keys(60);
      const results = await Promise.all(
        names.map((key) =>
          Promise.all([queue.send(["get", key]), queue.send(["set", key, "1"]), queue.send(["get", key])]),
        ),
      );
      for (const [i, result] of results.entries()) assert.deepEqual(result, [null, "OK", "1"], names[i]);
    } finally {
      await quit(conn);
    }
  });

  test("with the primaries open, commands of one key in separate turns keep their order", async () => {
    const conn = connect();
    try {
      await waitReady(conn);
      await openPrimaries(conn);
      const queue = new CommandQueue(() => conn);
      const names = keys(60);
      const reads = names.map((key) => queue.send(["get", key]));
      await turn();
      const writes = names.map((key) => queue.send(["set", key, "1"]));
      await turn();
      const again = names.map((key) => queue.send(["get", key]));
      assert.deepEqual(
        await Promise.all(reads),
        names.map(() => null),
      );
      assert.deepEqual(
        await Promise.all(writes),
        names.map(() => "OK"),
      );
      assert.deepEqual(
        await Promise.all(again),
        names.map(() => "1"),
      );
    } finally {
      await quit(conn);
    }
  });
});
