// The invisible flag crosses between nodes by a Redis message. These tests hold that message back
// from one node (its pub/sub connection runs through a proxy that stops forwarding on demand), so
// the node's cached flag is stale for as long as the test likes, and check that nothing the node
// does in that window shows the user to others.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { clusterDatabase } from "../helpers/cluster.js";
import { redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";
import { authenticate, openSocket, type RawSocket, rest } from "../helpers/server.js";

const skip = redisSkipReason();

/**
 * A TCP proxy in front of Redis that can hold back what Redis pushes to subscriber connections
 * (those that sent SUBSCRIBE), while commands on the other connections flow as usual.
 */
class HoldingProxy {
  private readonly server: Server;
  private readonly subscribers = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private held: { client: Socket; chunk: Buffer }[] | undefined;

  constructor(private readonly target: number) {
    this.server = createTcpServer((client) => this.route(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    const address = this.server.address();
    return `redis://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  }

  private route(client: Socket): void {
    const upstream = connect(this.target, "127.0.0.1");
    this.sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      if (/subscribe/i.test(chunk.toString("latin1"))) this.subscribers.add(client);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (this.held !== undefined && this.subscribers.has(client)) this.held.push({ client, chunk });
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.once("close", end);
    }
  }

  /** From now on, keeps what Redis sends to subscribers. */
  hold(): void {
    this.held = [];
  }

  /** Forwards what was kept, in order, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { client, chunk } of held) client.write(chunk);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe("cluster: a node whose invisible message is late shows nobody", { skip }, () => {
  let redis: TestRedis;
  let proxy: HoldingProxy;
  let dir: string;
  const nodes: HeraldServer[] = [];
  /**
   * Nodes 0 and 2 talk to Redis directly; node 1's connections run through the proxy. The flag is
   * set through node 0 (which then caches it), node 1 holds the user's session, and node 2 knows
   * of the flag only what storage and the shared presences say.
   */
  const node = (i: number) => nodes[i]?.url as string;

  before(async () => {
    redis = await startRedis();
    proxy = new HoldingProxy(redis.port);
    const proxied = await proxy.listen();
    dir = mkdtempSync(path.join(tmpdir(), "herald-invisible-race-"));
    const db = await clusterDatabase(dir);
    const tokenSecret = randomBytes(32).toString("base64");
    const keyPrefix = `herald-${randomBytes(6).toString("hex")}:`;
    for (const url of [redis.url, proxied, redis.url]) {
      nodes.push(
        await createServer({
          port: 0,
          logLevel: "silent",
          rateLimits: false,
          db,
          tokenSecret,
          nodeId: `node-${nodes.length + 1}-${keyPrefix.slice(7, 13)}`,
          redis: { url, keyPrefix },
        }),
      );
    }
  });

  after(async () => {
    proxy?.release();
    await Promise.all(nodes.map((n) => n.close()));
    await proxy?.close();
    // The Redis process does not hold the event loop open: something must while it exits.
    const alive = setInterval(() => {}, 1000);
    await redis?.close();
    clearInterval(alive);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test("status updates and follows read the stored flag while the message is held back", async () => {
    const [ada, bob, carol, dan, erin] = await Promise.all([0, 1, 0, 1, 2].map((i) => authenticate(node(i))));
    assert.ok(ada && bob && carol && dan && erin);
    // Ada's session and the sentinel Dan are on node 1; followers on both nodes.
    const a = await openSocket(node(1), ada, undefined, { status: true });
    await a.callEmpty("statusUpdate", { status: "here" });
    const d = await openSocket(node(1), dan, undefined, { status: true });
    await d.callEmpty("statusUpdate", { status: "d1" });
    const b = await openSocket(node(1), bob);
    const c = await openSocket(node(0), carol);
    for (const follower of [b, c] as RawSocket[]) {
      const listed: { presences: { status?: string }[] } = await follower.call(
        "statusFollow",
        { userIds: [ada.userId, dan.userId] },
        "status",
      );
      assert.deepEqual(listed.presences.map((p) => p.status).sort(), ["d1", "here"]);
    }

    proxy.hold();
    const set = await rest(node(0), "PUT", "/v2/account", { token: ada.token, body: { invisible: true } });
    assert.equal(set.status, 200);

    // Node 1 still caches Ada as visible, and the shared presence still says not hidden.
    const e = await openSocket(node(2), erin);
    const followed = await e.call("statusFollow", { userIds: [ada.userId, dan.userId] }, "status");
    assert.deepEqual(
      followed.presences.map((p) => p.userId),
      [dan.userId],
      "a new follower lists no invisible user",
    );
    const viewed = await rest(node(2), "GET", `/v2/user?ids=${ada.userId}`, { token: erin.token });
    assert.notEqual(
      (viewed.body.users as Record<string, unknown>[])[0]?.online,
      true,
      "REST shows no one online",
    );

    await a.callEmpty("statusUpdate", { status: "hiding" });
    const own = await a.next("statusPresenceEvent", (ev) => ev.joins.some((p) => p.status === "hiding"));
    assert.equal(own.joins[0]?.userId, ada.userId, "the user still sees their own change");
    // Dan's update follows Ada's on the same node and the same Redis connection: once a follower
    // has it, Ada's event would have come before it.
    await d.callEmpty("statusUpdate", { status: "d2" });
    for (const follower of [b, c, e] as RawSocket[]) {
      await follower.next("statusPresenceEvent", (ev) => ev.joins.some((p) => p.status === "d2"));
      const shown: unknown[] = follower
        .unread("statusPresenceEvent")
        .filter((ev) => ev.joins.some((p): boolean => p.userId === ada.userId));
      assert.deepEqual(shown, [], "no follower sees the invisible user's new status");
    }
    const later = await openSocket(node(2), dan);
    const relisted = await later.call("statusFollow", { userIds: [ada.userId] }, "status");
    assert.deepEqual(relisted.presences, [], "the presence written meanwhile is hidden");

    // Once the message arrives, node 1 hides the session the followers saw before.
    proxy.release();
    for (const follower of [b, c] as RawSocket[])
      await follower.next("statusPresenceEvent", (ev) => ev.leaves.some((p) => p.userId === ada.userId));
    await Promise.all([a, b, c, d, e, later].map((s) => s.close()));
  });

  test("a user who turns visible reads online in REST user views on every node while the message is held back", async () => {
    const [ada, erin] = await Promise.all([0, 2].map((i) => authenticate(node(i))));
    assert.ok(ada && erin);
    const hide = await rest(node(0), "PUT", "/v2/account", { token: ada.token, body: { invisible: true } });
    assert.equal(hide.status, 200);
    // Connected while invisible: node 1 writes the session's presence marked hidden.
    const a = await openSocket(node(1), ada, undefined, { status: true });
    await a.callEmpty("statusUpdate", { status: "back" });
    const userOn = async (i: number) => {
      const res = await rest(node(i), "GET", `/v2/user?ids=${ada.userId}`, { token: erin.token });
      assert.equal(res.status, 200);
      return (res.body.users as Record<string, unknown>[])[0];
    };
    assert.notEqual((await userOn(2))?.online, true, "hidden while invisible");

    proxy.hold();
    const show = await rest(node(0), "PUT", "/v2/account", { token: ada.token, body: { invisible: false } });
    assert.equal(show.status, 200);
    // Node 1 has not heard of the change: its presence is still marked hidden, its flag stale.
    for (const i of [0, 1, 2]) {
      const user = await userOn(i);
      assert.equal(user?.online, true, `online on node ${i + 1} once the change is answered`);
      assert.equal(user?.status, "back", `the status shows on node ${i + 1}`);
    }
    proxy.release();
    await a.close();
  });
});
