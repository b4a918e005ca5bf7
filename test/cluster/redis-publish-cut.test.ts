// One node's publishes on a single Redis while its command connection is cut mid-stream (CLIENT
// KILL of that one connection, by the server): the receiving node gets them in the order published.
// What the cut connection had not answered, ioredis sends again once it has reconnected, so a
// publish Redis took just before the cut may come twice (docs/scaling.md says so); what is
// published while the connection is down is dropped, and it reconnects at once.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { ClusterMessage, Room } from "../../src/server/cluster/cluster-adapter.js";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { adminCall, redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";

const skip = redisSkipReason();

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("cluster: one node's publishes through a cut of its Redis connection", { skip }, () => {
  let redis: TestRedis | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    const alive = setInterval(() => {}, 1000);
    await redis?.close();
    clearInterval(alive);
  });

  /** Closes, from the server's side, the connection whose last command was a `PUBLISH`. */
  async function killPublisher(port: number): Promise<boolean> {
    const list = String(await adminCall(port, "client", "list", "type", "normal"));
    for (const line of list.split("\n")) {
      if (!line.includes(" cmd=publish ")) continue;
      const id = /^id=(\d+) /.exec(line)?.[1];
      if (id === undefined) continue;
      await adminCall(port, "client", "kill", "id", id);
      return true;
    }
    return false;
  }

  for (const trial of [1, 2, 3]) {
    test(`a stream of frames through five cuts arrives in order (trial ${trial})`, async () => {
      const port = redis?.port;
      assert.ok(port !== undefined);
      const keyPrefix = `pc${randomUUID().slice(0, 8)}:`;
      const node = () =>
        new RedisClusterAdapter({ url: redis?.url ?? "", keyPrefix, heartbeatMs: 30_000, leaseMs: 60_000 });
      const sender = node();
      const receiver = node();
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
          if (i > 0 && i % 100 === 0) cuts.push(killPublisher(port));
          await turn();
        }
        const found = (await Promise.all(cuts)).filter(Boolean).length;
        assert.ok(found >= 2, `the sender's connection was found and cut (${found} of 5 times)`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.ok(received.length > 0, "frames arrived");
        assert.ok(
          received.every((n) => Number.isInteger(n) && n >= 0 && n < total),
          "only frames that were published",
        );
        // On a single Redis a second copy is handed on too (publishes there carry no stamp): only the
        // first copies are in order.
        const first = received.filter((n, i) => received.indexOf(n) === i);
        assert.deepEqual(
          first,
          [...first].sort((a, b) => a - b),
          "each frame's first copy came after those published before it",
        );
      } finally {
        await Promise.all([sender.close(), receiver.close()]);
      }
    });
  }
});
