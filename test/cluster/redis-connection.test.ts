// The command queue of the Redis adapter, on a real redis-server: a turn's commands leave in one
// pipeline, in order, each answered with its own result or its own `disconnected` refusal.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import {
  CommandQueue,
  openRedis,
  quit,
  type RedisConnection,
} from "../../src/server/cluster/redis-connection.js";
import { redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";

const skip = redisSkipReason();

describe("cluster: the Redis command queue", { skip }, () => {
  let redis: TestRedis;
  let conn: RedisConnection;
  let pipelines = 0;
  before(async () => {
    redis = await startRedis();
    conn = await openRedis(redis.url);
    await new Promise<void>((resolve) => conn.once("ready", () => resolve()));
    // Counts the pipelines the queue makes, to see how commands are grouped.
    const pipeline = conn.pipeline.bind(conn);
    conn.pipeline = ((commands?: unknown[][]) => {
      pipelines += 1;
      return pipeline(commands as never);
    }) as typeof conn.pipeline;
  });
  after(async () => {
    await quit(conn);
    // The Redis process does not hold the event loop open: something must while it exits.
    const alive = setInterval(() => {}, 1000);
    await redis?.close();
    clearInterval(alive);
  });

  test("the commands of one turn share one pipeline and keep their order", async () => {
    const queue = new CommandQueue(() => conn);
    const key = `q:${randomUUID()}`;
    const before = pipelines;
    const results = await Promise.all([
      queue.send(["rpush", key, "a"]),
      queue.send(["rpush", key, "b"]),
      queue.sendAll([
        ["rpush", key, Buffer.from("c")],
        ["lrange", key, 0, -1],
      ]),
    ]);
    assert.equal(pipelines - before, 1);
    assert.deepEqual(results, [1, 2, [3, ["a", "b", "c"]]]);
    // A later turn makes its own pipeline.
    assert.deepEqual(await queue.send(["llen", key]), 3);
    assert.equal(pipelines - before, 2);
  });

  test("a failing command rejects alone, with disconnected", async () => {
    const queue = new CommandQueue(() => conn);
    const key = `q:${randomUUID()}`;
    const [set, wrong, get] = await Promise.allSettled([
      queue.send(["set", key, "1"]),
      queue.send(["lpush", key, "x"]),
      queue.send(["get", key]),
    ]);
    assert.deepEqual(set, { status: "fulfilled", value: "OK" });
    assert.equal(wrong.status, "rejected");
    assert.ok(wrong.status === "rejected" && HeraldError.is(wrong.reason));
    assert.equal(wrong.status === "rejected" && (wrong.reason as HeraldError).code, "disconnected");
    assert.deepEqual(get, { status: "fulfilled", value: "1" });
    // sendAll rejects when any of its commands failed.
    await assert.rejects(
      queue.sendAll([
        ["get", key],
        ["lpush", key, "x"],
      ]),
      (err: unknown) => HeraldError.is(err) && err.code === "disconnected",
    );
  });

  test("back-to-back publishes on one channel leave as one, joined; anything in between splits them", async () => {
    const sub = await openRedis(redis.url);
    try {
      await new Promise<void>((resolve) => sub.once("ready", () => resolve()));
      const [a, b] = [`c:${randomUUID()}`, `c:${randomUUID()}`];
      const got: string[] = [];
      sub.on("messageBuffer", (channel: Buffer, data: Buffer) => got.push(`${channel}=${data}`));
      await sub.subscribe(a, b);
      const queue = new CommandQueue(() => conn);
      const join = (payloads: readonly Buffer[]) => Buffer.from(payloads.join("+"));
      const key = `q:${randomUUID()}`;
      const before = pipelines;
      const first = queue.publish(a, Buffer.from("1"), join);
      assert.ok(first !== undefined);
      assert.equal(queue.publish(a, Buffer.from("2"), join), undefined, "joined the publish before it");
      assert.ok(queue.publish(b, Buffer.from("3"), join) !== undefined, "another channel: its own publish");
      assert.ok(queue.publish(a, Buffer.from("4"), join) !== undefined);
      const set = queue.send(["set", key, "x"]);
      assert.ok(queue.publish(a, Buffer.from("5"), join) !== undefined, "a command in between splits");
      assert.equal(queue.publish(a, Buffer.from("6"), join), undefined);
      assert.equal(await first, 1, "one subscriber got the joined publish");
      assert.equal(await set, "OK");
      assert.equal(pipelines - before, 1);
      for (let waited = 0; got.length < 4 && waited < 5000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(got, [`${a}=1+2`, `${b}=3`, `${a}=4`, `${a}=5+6`]);
    } finally {
      await quit(sub);
    }
  });

  test("without a connection every command is refused with disconnected", async () => {
    const queue = new CommandQueue(() => undefined);
    await assert.rejects(
      queue.send(["get", "k"]),
      (err: unknown) => HeraldError.is(err) && err.code === "disconnected",
    );
  });
});
