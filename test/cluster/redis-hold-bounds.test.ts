// The bounds of what a node holds on a single Redis while its command connection is not ready: at
// most 10,000 publishes and at most 16 MiB of them. A proxy between the node and Redis cuts the
// connection and holds the one ioredis opens next without passing anything on (a blackhole), so the
// connection stays not ready while the node publishes a burst; then traffic flows again. The first
// publishes, up to the bound, must arrive in order; the later ones are given up at once, never
// arrive, and are reported once.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { Room } from "../../src/server/cluster/cluster-adapter.js";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { openRedis, type RedisConnection } from "../../src/server/cluster/redis-connection.js";
import { turn, until } from "../helpers/event-loop.js";
import { redisForSuite, redisSkipReason } from "../helpers/redis.js";
import { startPipelineCutProxy } from "./pipeline-cut-proxy.js";
import { numberedFrame, numberedRooms } from "./publish-stream.js";

const skip = redisSkipReason();

/**
 * Asserts that `received` is `expected`, saying where they first differ (a deep comparison of
 * 10,000 numbers would print, and compute, a diff of them all).
 */
function assertSequence(received: readonly number[], expected: readonly number[], what: string): void {
  const at = expected.findIndex((n, i) => received[i] !== n);
  const differ = at >= 0 ? at : received.length !== expected.length ? expected.length : -1;
  assert.ok(
    differ < 0,
    `${what}: ${received.length} received, ${expected.length} expected; from index ${differ}, ` +
      `received ${JSON.stringify(received.slice(differ, differ + 5))}, expected ${JSON.stringify(expected.slice(differ, differ + 5))}`,
  );
}

describe("cluster: the bounds of the publishes a node holds on a single Redis", { skip }, () => {
  const suiteRedis = redisForSuite();

  /**
   * Publishes `count` frames of `padding` bytes in one turn while the sender's connection is not
   * ready, lets traffic through again, and returns what arrived and what was reported. The frames
   * alternate between two rooms, so that no two in a row share a channel (those would be joined
   * into one publish).
   */
  async function burstWhileNotReady(count: number, padding: number) {
    const port = suiteRedis()?.port;
    const url = suiteRedis()?.url;
    assert.ok(port !== undefined && url !== undefined);
    const proxy = await startPipelineCutProxy(port);
    const keyPrefix = `hb${randomUUID().slice(0, 8)}:`;
    let command: RedisConnection | undefined;
    let opened = 0;
    const sender = new RedisClusterAdapter({
      // The first connection the adapter opens is its command connection: only that one goes
      // through the proxy (the other is its subscriber).
      createClient: async () => {
        if (opened++ > 0) return openRedis(url);
        command = await openRedis(`redis://127.0.0.1:${proxy.port}`);
        return command;
      },
      keyPrefix,
      heartbeatMs: 30_000,
      leaseMs: 60_000,
      // Only the count and byte bounds are tested here: a loaded machine must not also run into
      // the time bound (default 300 ms; redis-publish-cut.test.ts has Redis down past it) before the release.
      publishHoldMs: 10_000,
    });
    const receiver = new RedisClusterAdapter({ url, keyPrefix, heartbeatMs: 30_000, leaseMs: 60_000 });
    const reports: unknown[] = [];
    sender.on("error", (err) => {
      // The connection's own errors (the cut) come too; the publishes' report is a HeraldError.
      if (HeraldError.is(err)) reports.push(err);
    });
    await Promise.all([sender.start(), receiver.start()]);
    try {
      const { rooms, received } = await numberedRooms(receiver, 2);
      sender.publish(rooms[0] as Room, numberedFrame(-1));
      await until(() => received.includes(-1), 5000);
      assert.deepEqual(received, [-1], "the stream flows before the cut");
      received.length = 0;

      assert.ok(command !== undefined);
      const conn = command;
      // Not `events.once`: the cut also emits `error`, which would reject it.
      const closed = new Promise((resolve) => conn.once("close", resolve));
      proxy.hold();
      proxy.cutAll();
      await closed;
      assert.notEqual(command.status, "ready", "the connection is not ready");

      for (let n = 0; n < count; n++) sender.publish(rooms[n % 2] as Room, numberedFrame(n, padding));
      // The burst is queued and written (held) in the next turn; those past the bounds are given up
      // then and there.
      await turn();
      await turn();
      const givenUp = sender.droppedBroadcasts;
      const reported = reports.length;
      const ready = new Promise((resolve) => conn.once("ready", resolve));
      proxy.release();

      // One more once the burst has gone: when it has arrived, so has everything sent before it.
      await ready;
      sender.publish(rooms[0] as Room, numberedFrame(count));
      await until(() => received.includes(count), 20_000);
      await until(() => sender.droppedBroadcasts === 0, 5000);
      // A copy: closing the adapter below may report what it still had in hand.
      return { received, givenUp, reported, reports: [...reports], droppedAfter: sender.droppedBroadcasts };
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
      await proxy.close();
    }
  }

  test("past 10,000 held publishes the later ones are given up and reported once; the first 10,000 arrive in order", async () => {
    const count = 10_050;
    const { received, givenUp, reported, reports, droppedAfter } = await burstWhileNotReady(count, 0);
    assert.equal(givenUp, 50, "the publishes past the first 10,000 were given up");
    assert.equal(reported, 1, `reported once: ${reports.map(String).join("; ")}`);
    assert.ok(HeraldError.is(reports[0], "disconnected"));
    assert.equal(reports.length, 1, `no other report after: ${reports.map(String).join("; ")}`);
    assertSequence(
      received,
      [...Array.from({ length: 10_000 }, (_, n) => n), count],
      "the first 10,000 arrived, in order, and none of the rest",
    );
    assert.equal(droppedAfter, 0, "the count restarts once Redis takes publishes again");
  });

  test("past 16 MiB of held publishes the later ones are given up and reported once; the first arrive in order", async () => {
    // 1 MiB less 1 KiB each, with the channel and the message's head (well under 1 KiB): 16 fit in
    // 16 MiB, 17 do not.
    const padding = 1024 * 1024 - 1024;
    const count = 40;
    const { received, givenUp, reported, reports, droppedAfter } = await burstWhileNotReady(count, padding);
    assert.equal(givenUp, count - 16, "the publishes past 16 MiB were given up");
    assert.equal(reported, 1, `reported once: ${reports.map(String).join("; ")}`);
    assert.ok(HeraldError.is(reports[0], "disconnected"));
    assert.equal(reports.length, 1, `no other report after: ${reports.map(String).join("; ")}`);
    assertSequence(
      received,
      [...Array.from({ length: 16 }, (_, n) => n), count],
      "the first 16 arrived, in order, and none of the rest",
    );
    assert.equal(droppedAfter, 0, "the count restarts once Redis takes publishes again");
  });
});
