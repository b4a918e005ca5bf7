// One node's publishes on a real Redis Cluster reach another node, each once and in the order the
// node issued them, while the primary they go through (its publish hub) loses its connection
// mid-stream, several times. The connection is closed for real, by the server (CLIENT KILL of that one connection),
// without waiting: publishes keep flowing, one per event-loop turn, while it breaks.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import {
  connectCluster,
  killClient,
  redisClusterForSuite,
  redisClusterSkipReason,
} from "../helpers/redis.js";
import { missingFrames, streamThroughCuts } from "./publish-stream.js";

const skip = redisClusterSkipReason();

describe("cluster: one node's publishes reach the others in issue order through a hub change", {
  skip,
}, () => {
  const cluster = redisClusterForSuite(3);

  /** Closes, from the server's side, the connection named `name` whose last command was a `PUBLISH`. */
  async function killHub(name: string): Promise<boolean> {
    for (const port of cluster()?.ports ?? []) {
      if (await killClient(port, (line) => line.includes(` name=${name} `) && line.includes(" cmd=publish ")))
        return true;
    }
    return false;
  }

  const node = (name: string, keyPrefix: string) =>
    new RedisClusterAdapter({
      keyPrefix,
      // Heartbeats stay out of the way: the stream is the only traffic.
      heartbeatMs: 30_000,
      leaseMs: 60_000,
      createClient: () => connectCluster(cluster(), name),
    });

  for (const trial of [1, 2, 3]) {
    test(`a stream of frames through five hub connection cuts arrives whole and in order (trial ${trial})`, async () => {
      const keyPrefix = `po${randomUUID().slice(0, 8)}:`;
      const senderName = `sender-${randomUUID().slice(0, 8)}`;
      const sender = node(senderName, keyPrefix);
      const receiver = node(`receiver-${randomUUID().slice(0, 8)}`, keyPrefix);
      await Promise.all([sender.start(), receiver.start()]);
      try {
        const total = 600;
        const { received, cutsMade: found } = await streamThroughCuts(
          sender,
          receiver,
          () => killHub(senderName),
          total,
        );
        assert.ok(found >= 2, `the sender's hub connection was found and cut (${found} of 5 times)`);

        for (let waited = 0; received.length < total && waited < 5000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // Settles anything that would come late (a duplicate, a straggler).
        await new Promise((resolve) => setTimeout(resolve, 300));
        const inversions = received.filter((n, i) => i > 0 && n < (received[i - 1] as number)).length;
        assert.equal(inversions, 0, "no frame arrived after a later one");
        assert.equal(new Set(received).size, received.length, "no frame arrived twice");
        // Every frame, none given up: a cut leaves the sender another primary to publish through, and
        // when cuts in quick succession leave it none, its client is back at its first reconnect,
        // within the resends of the publish under way (about 300 ms).
        const missing = missingFrames(received, total);
        assert.deepEqual(missing, [], `no frame of ${total} missing`);
      } finally {
        await Promise.all([sender.close(), receiver.close()]);
      }
    });
  }
});
