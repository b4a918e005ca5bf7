// One node's publishes on a real Redis Cluster reach another node in the order the node issued them,
// while the primary they go through (its publish hub) loses its connection mid-stream, several
// times. The connection is closed for real, by the server (CLIENT KILL of that one connection),
// without waiting: publishes keep flowing, one per event-loop turn, while it breaks.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { ClusterMessage, Room } from "../../src/server/cluster/cluster-adapter.js";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import {
  adminCall,
  connectCluster,
  redisClusterSkipReason,
  startRedisCluster,
  type TestRedisCluster,
} from "../helpers/redis.js";

const skip = redisClusterSkipReason();

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("cluster: one node's publishes reach the others in issue order through a hub change", {
  skip,
}, () => {
  let cluster: TestRedisCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(async () => {
    // The Redis processes do not hold the event loop open: something must while they exit.
    const alive = setInterval(() => {}, 1000);
    await cluster?.close();
    clearInterval(alive);
  });

  /**
   * Closes, from the server's side, the connection named `name` whose last command was a
   * `PUBLISH`: the sender's hub. Resolves with whether one was found.
   */
  async function killHub(name: string): Promise<boolean> {
    for (const port of cluster?.ports ?? []) {
      const list = String(await adminCall(port, "client", "list", "type", "normal"));
      for (const line of list.split("\n")) {
        if (!line.includes(` name=${name} `) || !line.includes(" cmd=publish ")) continue;
        const id = /^id=(\d+) /.exec(line)?.[1];
        if (id === undefined) continue;
        await adminCall(port, "client", "kill", "id", id);
        return true;
      }
    }
    return false;
  }

  const node = (name: string, keyPrefix: string) =>
    new RedisClusterAdapter({
      keyPrefix,
      // Heartbeats stay out of the way: the stream is the only traffic.
      heartbeatMs: 30_000,
      leaseMs: 60_000,
      createClient: () => connectCluster(cluster, name),
    });

  for (const trial of [1, 2, 3]) {
    test(`a stream of frames through five hub connection cuts arrives whole and in order (trial ${trial})`, async () => {
      const keyPrefix = `po${randomUUID().slice(0, 8)}:`;
      const senderName = `sender-${randomUUID().slice(0, 8)}`;
      const sender = node(senderName, keyPrefix);
      const receiver = node(`receiver-${randomUUID().slice(0, 8)}`, keyPrefix);
      await Promise.all([sender.start(), receiver.start()]);
      try {
        const room: Room = `channel:${randomUUID()}`;
        const received: number[] = [];
        receiver.on("message", (_room, message) => {
          if (message.kind === "frame" && message.text !== undefined)
            received.push(Number(new TextDecoder().decode(message.text)));
        });
        await receiver.subscribe(room);

        const total = 600;
        const cuts: Promise<boolean>[] = [];
        for (let i = 0; i < total; i++) {
          const message: ClusterMessage = { kind: "frame", text: new TextEncoder().encode(String(i)) };
          sender.publish(room, message);
          // Not awaited: the stream goes on while the connection breaks.
          if (i > 0 && i % 100 === 0) cuts.push(killHub(senderName));
          await turn();
        }
        const found = (await Promise.all(cuts)).filter(Boolean).length;
        assert.ok(found >= 3, `the sender's hub connection was found and cut (${found} of 5 times)`);

        for (let waited = 0; received.length < total && waited < 5000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // Settles anything that would come late (a duplicate, a straggler).
        await new Promise((resolve) => setTimeout(resolve, 300));
        const inversions = received.filter((n, i) => i > 0 && n < (received[i - 1] as number)).length;
        assert.equal(inversions, 0, "no frame arrived after a later one");
        assert.deepEqual(
          received,
          Array.from({ length: total }, (_, i) => i),
          "every frame arrived, once, in the order published",
        );
      } finally {
        await Promise.all([sender.close(), receiver.close()]);
      }
    });
  }
});
