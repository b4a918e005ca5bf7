// One key's commands on a Redis Cluster while the connection to its primary breaks and reopens:
// each command that succeeds took effect in the order sent, across turns (those Redis took just
// before the break may take effect a second time, right after themselves). The connection is broken
// for real, by the server (CLIENT KILL of every client of that primary), while a stream of RPUSH,
// INCR and PUBLISH on one hash slot flows, one command of each per event-loop turn; a plain
// subscriber reads the publishes through the receivers' order keeper.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { type Cluster, Redis } from "ioredis";
import { PublishOrder } from "../../src/server/cluster/publish-order.js";
import { CommandQueue, openPrimaries, quit, waitReady } from "../../src/server/cluster/redis-connection.js";
import { turn } from "../helpers/event-loop.js";
import { adminCall, connectCluster, redisClusterForSuite, redisClusterSkipReason } from "../helpers/redis.js";

const skip = redisClusterSkipReason();

/**
 * Whether `seen` is `want`, or `want` with one run of its items applied a second time right after
 * itself: ioredis sends again what a broken connection left unanswered, so commands Redis took just
 * before the break (their replies lost with the connection) take effect twice, in order. herald's
 * own commands are all ones a second time leaves as the first did (SET, HSET, SADD, DEL, ...).
 */
function isWithOneResend(seen: readonly number[], want: readonly number[]): boolean {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((n, i) => n === b[i]);
  const extra = seen.length - want.length;
  if (extra === 0) return same(seen, want);
  const at = seen.findIndex((n, i) => n !== want[i]);
  if (extra < 0 || at < extra) return false;
  return (
    same(seen.slice(at, at + extra), seen.slice(at - extra, at)) &&
    same([...seen.slice(0, at), ...seen.slice(at + extra)], want)
  );
}

/** Whether each reply is one more than the one before (from 1), but for one step over `extra` more. */
function stepsOfOne(replies: readonly number[], extra: number): boolean {
  const steps = replies.map((n, i) => n - (i === 0 ? 0 : (replies[i - 1] as number)));
  const jumps = steps.filter((step) => step !== 1);
  return extra === 0 ? jumps.length === 0 : jumps.length === 1 && jumps[0] === 1 + extra;
}

describe("cluster: one key's commands keep their order while its primary's connection reopens", {
  skip,
}, () => {
  const cluster = redisClusterForSuite(3);

  const connect = () => connectCluster(cluster());

  /** The port of the primary serving `key`'s slot, as the cluster itself says. */
  async function primaryOf(conn: Cluster, key: string): Promise<number> {
    const slot = (await conn.call("cluster", "keyslot", key)) as number;
    const shards = (await conn.call("cluster", "slots")) as [number, number, [string, number]][];
    const shard = shards.find(([from, to]) => slot >= from && slot <= to);
    if (shard === undefined) throw new Error(`no primary serves slot ${slot}`);
    return shard[2][1];
  }

  /** Closes, from the server's side, every client connection of the Redis on `port`. */
  async function killClients(port: number): Promise<number> {
    return (await adminCall(port, "client", "kill", "type", "normal", "skipme", "yes")) as number;
  }

  for (const trial of [1, 2, 3]) {
    test(`RPUSH, INCR and PUBLISH of one slot, one of each per turn, through a CLIENT KILL (trial ${trial})`, async () => {
      const conn = connect();
      let listener: Redis | undefined;
      try {
        await waitReady(conn);
        await openPrimaries(conn);
        const tag = randomUUID();
        const list = `o:{${tag}}:list`;
        const counter = `o:{${tag}}:n`;
        const channel = `o:{${tag}}:c`;
        const published: number[] = [];
        const primary = await primaryOf(conn, list);
        // A plain subscriber on another primary (a cluster carries every publish to every server),
        // whose connection the kill leaves alone.
        const other = cluster()?.ports.find((port) => port !== primary);
        assert.ok(other !== undefined);
        listener = new Redis({ port: other, host: "127.0.0.1" });
        await listener.subscribe(channel);
        // Read as herald's nodes read: each sender's publishes put back in the order issued.
        const order = new PublishOrder((_channel, payload) => published.push(Number(payload.toString())));
        listener.on("messageBuffer", (name: Buffer, data: Buffer) => order.receive(name, data));
        const queue = new CommandQueue(() => conn);
        const join = (payloads: readonly Buffer[]) => payloads[payloads.length - 1] as Buffer;

        const total = 400;
        const pushes: Promise<unknown>[] = [];
        const incrs: Promise<unknown>[] = [];
        const publishes: Promise<unknown>[] = [];
        let killed = 0;
        for (let i = 0; i < total; i++) {
          pushes.push(queue.send(["rpush", list, String(i)]));
          incrs.push(queue.send(["incr", counter]));
          publishes.push(queue.publish(channel, Buffer.from(String(i)), join) ?? Promise.resolve(0));
          if (i === 40) killed = await killClients(primary);
          await turn();
        }
        assert.ok(killed > 0, "the primary had client connections to kill");
        const pushed = await Promise.allSettled(pushes);
        const counted = await Promise.allSettled(incrs);

        // What Redis holds is what succeeded, in the order sent (a run resent after the break may
        // have taken effect twice, right after itself).
        const held = ((await conn.lrange(list, 0, -1)) as string[]).map(Number);
        const accepted = pushed.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        assert.ok(
          isWithOneResend(held, accepted),
          `the list holds the successful pushes in the order sent: ${held.join(" ")}`,
        );
        // Each successful push answered the list's length then: one more than the push before it
        // (more by the run resent, once).
        const lengths = pushed.flatMap((r) => (r.status === "fulfilled" ? [r.value as number] : []));
        assert.ok(
          stepsOfOne(lengths, held.length - accepted.length),
          `each push saw the pushes sent before it, and none sent after: ${lengths.join(" ")}`,
        );
        assert.equal(lengths.at(-1), held.length, "the last push saw the whole list");
        const counts = counted.flatMap((r) => (r.status === "fulfilled" ? [r.value as number] : []));
        const count = Number(await conn.get(counter));
        assert.ok(
          stepsOfOne(counts, count - counts.length),
          `each INCR counted the ones sent before it: ${counts.join(" ")}`,
        );
        assert.equal(counts.at(-1), count, "the last INCR counted them all");
        // Every publish arrives, once, in the order sent: one whose primary's connection broke is
        // sent again through the next ready primary, and the receiver puts it back in its place.
        const sentPublishes = (await Promise.allSettled(publishes)).flatMap((r, i) =>
          r.status === "fulfilled" ? [i] : [],
        );
        for (let waited = 0; published.length < sentPublishes.length && waited < 3000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.deepEqual(published, sentPublishes, "each publish reached the subscriber once, in order");
        assert.equal(sentPublishes.length, total, `${total - sentPublishes.length} publishes were refused`);
        // A short break loses nothing: commands wait for the slot's connection, then go in order.
        assert.equal(accepted.length, total, `${total - accepted.length} pushes were refused`);
      } finally {
        await quit(conn);
        await quit(listener);
      }
    });
  }
});
