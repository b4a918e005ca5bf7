// A node killed (kill -9) in a cluster: a message it stored but never published still reaches the
// other nodes' sockets live, and its users' leaves come after their last_active is stored.
//
// Herald nodes in this process on one Redis and one database; the node that dies is a child
// process holding presences (test/cluster/fixtures/cluster-node.ts), killed for real.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ChannelType, Client } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import type { HeraldServer } from "../../src/server/index.js";
import { openStorage } from "../../src/server/storage/open-storage.js";
import { filteredEngines, filteredNodes } from "../audit/filtering-redis.js";
import { postgresSkipReason } from "../helpers/postgres.js";
import { redisSkipReason } from "../helpers/redis.js";
import { authenticate, codecs, openSocket, rest, type TestUser, uniqueName } from "../helpers/server.js";
import { waitFor } from "../sdk/helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;

/** A node of the cluster in a child process, holding `presences`; killed after the test at the latest. */
async function doomedNode(
  t: TestContext,
  cluster: { redisUrl: string; keyPrefix: string },
  presences: { stream: string; sessionId: string; userId: string }[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "fixtures", "cluster-node.ts")], {
    env: {
      ...process.env,
      HERALD_REDIS_URL: cluster.redisUrl,
      HERALD_NODE_ID: `doomed-${randomUUID()}`,
      HERALD_KEY_PREFIX: cluster.keyPrefix,
      HERALD_HEARTBEAT_MS: String(HEARTBEAT_MS),
      HERALD_LEASE_MS: String(LEASE_MS),
      HERALD_NODE_PRESENCES: JSON.stringify(presences),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the node process exited early (${code})`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

const skip = redisSkipReason();

describe("a message stored by a node killed before its publish", { skip }, () => {
  for (const engine of filteredEngines) {
    for (const codec of codecs as readonly Codec[]) {
      test(`reaches the sockets of the other nodes once the dead node is cleaned up (${engine}, ${codec.format})`, async (t) => {
        const cluster = await filteredNodes(
          t,
          engine,
          2,
          { gapFillMs: 150 },
          { heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS },
        );
        const [node1] = cluster.nodes as [HeraldServer, HeraldServer];
        const client = new Client({ port: node1.port });
        const session = await client.authenticateDevice({
          id: `device-${uniqueName()}`,
          username: uniqueName("ada"),
        });
        const ada = client.createSocket({ codec, reconnect: false });
        t.after(() => ada.disconnect());
        await ada.connect(session);
        const room = await ada.joinChat(uniqueName("room"), ChannelType.Room);
        const got: string[] = [];
        ada.onChannelMessage((m) => got.push((m.content as { text?: string }).text ?? "?"));
        // bob's session lived on the doomed node, in the room, where he sent his last message.
        const bob = await authenticate(node1.url);
        const doomed = await doomedNode(t, cluster, [
          { stream: `channel:${room.id}`, sessionId: randomUUID(), userId: bob.userId },
        ]);
        const text = `last-words-${randomUUID()}`;
        // Its commit, as the doomed node made it; the publish never happens.
        const storage = await openStorage(cluster.db);
        try {
          const now = Date.now();
          await storage.messages.insert({
            id: randomUUID(),
            channel_id: room.id,
            code: 0,
            sender_id: bob.userId,
            username: bob.username,
            content: JSON.stringify({ text }),
            create_time: now,
            update_time: now,
            client_msg_id: "",
            room_name: room.roomName ?? "",
            group_id: "",
            user_id_one: "",
            user_id_two: "",
          });
        } finally {
          await storage.close();
        }
        await ada.ping();
        assert.deepEqual(got, [], "nobody published it");
        await kill(doomed);
        // The bound: leaseMs + heartbeatMs, then gapFillMs; generous against a hang.
        await waitFor(() => got.length === 1, "the message from storage after the clean-up", 10_000);
        assert.deepEqual(got, [text]);
      });
    }
  }
});

async function lastActiveOf(url: string, reader: TestUser, userId: string): Promise<number | undefined> {
  const res = await rest(url, "GET", `/v2/user?ids=${userId}`, { token: reader.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const stamp = (res.body.users as { last_active?: string }[])[0]?.last_active;
  return stamp === undefined ? undefined : Date.parse(stamp);
}

describe("the leaves of a killed node's users", { skip: skip ?? postgresSkipReason() }, () => {
  for (const codec of codecs) {
    test(`come after their last_active is stored (${codec.format})`, async (t) => {
      const cluster = await filteredNodes(
        t,
        "postgres",
        2,
        {},
        { heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS },
      );
      const [, node2] = cluster.nodes as [HeraldServer, HeraldServer];
      const ada = await authenticate(node2.url);
      const bob = await authenticate(node2.url);
      // ada's only session is on the doomed node, visible on her status stream.
      const doomed = await doomedNode(t, cluster, [
        { stream: `status:${ada.userId}`, sessionId: randomUUID(), userId: ada.userId },
      ]);
      const bobSock = await openSocket(node2.url, bob, codec);
      t.after(() => bobSock.close());
      const followed = await bobSock.call("statusFollow", { userIds: [ada.userId] }, "status");
      assert.deepEqual(
        followed.presences.map((p) => p.userId),
        [ada.userId],
        "ada online on the doomed node",
      );
      // She never connected to a herald node: she has no last_active until the survivor sets it.
      assert.equal(await lastActiveOf(node2.url, bob, ada.userId), undefined);
      // Her row is locked, so the survivor's write of last_active waits until the test lets it go.
      const locker = new pg.Client({ connectionString: cluster.db });
      await locker.connect();
      t.after(() => locker.end().catch(() => {}));
      await locker.query("BEGIN");
      await locker.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [ada.userId]);
      const watcher = new pg.Client({ connectionString: cluster.db });
      await watcher.connect();
      t.after(() => watcher.end().catch(() => {}));
      const killedAt = Date.now();
      await kill(doomed);
      // Read the moment the leave arrives, as a follower's app would.
      const seenOnLeave = bobSock
        .next("statusPresenceEvent", (e) => e.leaves.some((p) => p.userId === ada.userId))
        .then(() => lastActiveOf(node2.url, bob, ada.userId));
      // Wait until the survivor has cleaned up and its write of last_active waits on the lock.
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        // Asked on a connection of its own: inside the locker's transaction the view stays as it was.
        const { rows } = await watcher.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%last_active%'",
        );
        waiting = Number(rows[0]?.n) > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(waiting, "the survivor never tried to store ada's last_active");
      // A leave sent before the write would be read meanwhile, with the old stamp.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await locker.query("COMMIT");
      const seen = await seenOnLeave;
      assert.ok(seen !== undefined, "read on the leave: no last_active yet");
      assert.ok(
        seen >= killedAt,
        `read on the leave: last_active ${new Date(seen).toISOString()} is before the kill at ${new Date(killedAt).toISOString()}`,
      );
    });
  }
});
