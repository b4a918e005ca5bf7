// A node on a real Redis Cluster whose connections to every primary are closed at once (CLIENT KILL
// of all its connections, by each server) while the servers stay up: its client reconnects as a
// whole, and the node's publishes reach another node again, in order, without a restart.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type Cluster, Redis } from "ioredis";
import { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { connectCluster, redisClusterForSuite, redisClusterSkipReason } from "../helpers/redis.js";
import { numberedFrame, numberedRoom } from "./publish-stream.js";

const skip = redisClusterSkipReason();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("cluster: a node whose every Redis Cluster connection is cut at once", { skip }, () => {
  const cluster = redisClusterForSuite(3);

  /**
   * Closes, from each server's side, every connection named `name`, all at once (connections to
   * every server opened first, then one CLIENT KILL each at the same time): none is reopened
   * before the last is closed. Resolves with how many were closed.
   */
  async function killAll(name: string): Promise<number> {
    const admins = (cluster()?.ports ?? []).map(
      (port) => new Redis({ port, host: "127.0.0.1", lazyConnect: true }),
    );
    try {
      await Promise.all(admins.map((admin) => admin.connect()));
      const ids = await Promise.all(
        admins.map(async (admin) => {
          const list = String(await admin.call("client", "list", "type", "normal"));
          return list
            .split("\n")
            .filter((line) => line.includes(` name=${name} `))
            .map((line) => /^id=(\d+) /.exec(line)?.[1])
            .filter((id) => id !== undefined);
        }),
      );
      const killed = await Promise.all(
        admins.flatMap((admin, i) =>
          (ids[i] ?? []).map((id) =>
            admin.call("client", "kill", "id", id).then(
              () => 1,
              () => 0,
            ),
          ),
        ),
      );
      return killed.reduce((sum: number, n) => sum + n, 0);
    } finally {
      for (const admin of admins) admin.disconnect();
    }
  }

  /** A node; its Redis Cluster clients (commands, subscriptions) are pushed to `clients` when made. */
  const node = (name: string, keyPrefix: string, clients: Cluster[] = []) =>
    new RedisClusterAdapter({
      keyPrefix,
      heartbeatMs: 30_000,
      leaseMs: 60_000,
      createClient: () => {
        const client = connectCluster(cluster(), name);
        clients.push(client);
        return client;
      },
    });

  for (const trial of [1, 2, 3]) {
    test(`its client reconnects and its publishes flow again (trial ${trial})`, async () => {
      const keyPrefix = `ac${randomUUID().slice(0, 8)}:`;
      const senderName = `sender-${randomUUID().slice(0, 8)}`;
      const senderClients: Cluster[] = [];
      const sender = node(senderName, keyPrefix, senderClients);
      const receiver = node(`receiver-${randomUUID().slice(0, 8)}`, keyPrefix);
      await Promise.all([sender.start(), receiver.start()]);
      // Publishes refused while the client reconnects are reported here.
      sender.on("error", () => {});
      try {
        const { room, received } = await numberedRoom(receiver);
        let next = 0;
        const send = () => {
          sender.publish(room, numberedFrame(next));
          next += 1;
        };
        send();
        for (let waited = 0; received.length === 0 && waited < 5000; waited += 10) await sleep(10);
        assert.deepEqual(received, [0], "the first frame arrived before the cut");

        // Each time a client has lost every server it closes, then reconnects as a whole.
        const closes = senderClients.map(() => 0);
        for (const [i, client] of senderClients.entries()) {
          client.on("close", () => {
            closes[i] = (closes[i] ?? 0) + 1;
          });
        }
        // The kills reach the servers at about the same time, but on a loaded machine one can come
        // late enough for the client to have reopened another server's connection, and then no
        // client loses every server: the cut is made again (what is tested is the client's return
        // after it has lost them all, which this waits for).
        for (let cut = 1; cut <= 5 && !closes.some((n) => n > 0); cut++) {
          assert.ok(
            (await killAll(senderName)) >= 3,
            "the sender's connections to every primary were closed",
          );
          // Publishes go on meanwhile (some refused while the client is away), until one arrives.
          const firstAfter = next;
          for (let waited = 0; !received.some((n) => n >= firstAfter) && waited < 15_000; waited += 20) {
            send();
            await sleep(20);
          }
          assert.ok(
            received.some((n) => n >= firstAfter),
            "a frame published after the cut arrived: the sender's client came back",
          );
        }
        assert.ok(
          closes.some((n) => n > 0),
          "a client of the sender lost every server (the cut hit all at once, in one of five tries)",
        );
        // Servers up, a client gets ready again at its first reconnect: nothing of the node's may
        // make its ready check fail (as connections opened while it was not ready did, round after
        // round: it once stayed away for good).
        assert.deepEqual(
          closes.filter((n) => n > 1),
          [],
          `each client reconnected at its first try (closes: ${closes.join(", ")})`,
        );

        // From now on every frame arrives, once and in order.
        const from = next;
        for (let i = 0; i < 50; i++) {
          send();
          await new Promise((resolve) => setImmediate(resolve));
        }
        for (let waited = 0; received.filter((n) => n >= from).length < 50 && waited < 5000; waited += 20) {
          await sleep(20);
        }
        assert.deepEqual(
          received.filter((n) => n >= from),
          Array.from({ length: 50 }, (_, i) => from + i),
          "the frames published once it was back arrived whole and in order",
        );
        assert.deepEqual(
          received,
          [...new Set(received)].sort((a, b) => a - b),
          "no frame arrived twice or after a later one",
        );
      } finally {
        await Promise.all([sender.close(), receiver.close()]);
      }
    });
  }
});
