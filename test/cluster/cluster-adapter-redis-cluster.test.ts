// The cluster adapter tests on a real Redis Cluster (three primaries): keys spread over slots on
// several servers, pub/sub across the cluster bus.

import { randomUUID } from "node:crypto";
import { after, before } from "node:test";
import { Cluster } from "ioredis";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { redisClusterSkipReason, startRedisCluster, type TestRedisCluster } from "../helpers/redis.js";
import { clusterAdapterSuite } from "./cluster-adapter-suite.js";

const skip = redisClusterSkipReason();
let cluster: TestRedisCluster | undefined;
if (skip === undefined) {
  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(() => cluster?.close());
}

clusterAdapterSuite(
  "Redis Cluster",
  async (n) => {
    const ports = cluster?.ports;
    if (ports === undefined) throw new Error("the Redis Cluster did not start");
    const keyPrefix = `c${randomUUID().slice(0, 8)}:`;
    const nodes = Array.from(
      { length: n },
      () =>
        new RedisClusterAdapter({
          keyPrefix,
          heartbeatMs: 150,
          leaseMs: 600,
          createClient: () =>
            new Cluster(
              ports.map((port) => ({ host: "127.0.0.1", port })),
              { enableOfflineQueue: false },
            ),
        }),
    );
    await Promise.all(nodes.map((node) => node.start()));
    return { nodes, close: async () => void (await Promise.all(nodes.map((node) => node.close()))) };
  },
  skip,
);
