// In a cluster, a user who closes on one node is announced as gone to a follower on another node
// only once the close's last_active is stored: the follower's node reads the shared PostgreSQL and
// finds when the user left. The store is made slow for real (another connection holds a lock on
// the user's row), so an announcement that did not wait would be read with the connect's stamp.

import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { waitFor } from "../../src/testing/wait-for.js";
import { startCluster } from "../helpers/cluster.js";
import { postgresSkipReason } from "../helpers/postgres.js";
import { redisSkipReason } from "../helpers/redis.js";
import { authenticate, codecs, openSocket, rest, type TestUser } from "../helpers/server.js";

const skip = redisSkipReason() ?? postgresSkipReason();

async function lastActiveOf(url: string, reader: TestUser, userId: string): Promise<number | undefined> {
  const res = await rest(url, "GET", `/v2/user?ids=${userId}`, { token: reader.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const stamp = (res.body.users as { last_active?: string }[])[0]?.last_active;
  return stamp === undefined ? undefined : Date.parse(stamp);
}

/**
 * The connect's last_active, once stored: a connect stores it without holding up the socket's
 * opening, so on a busy machine it may land after the follower has seen the join.
 */
async function connectStamp(url: string, reader: TestUser, userId: string): Promise<number> {
  return waitFor(() => lastActiveOf(url, reader, userId), {
    what: "the connect's last_active stored",
    timeoutMs: 15_000,
    intervalMs: 20,
  });
}

/** Whether a write of last_active waits on a row lock, asked on a connection of its own. */
async function lastActiveWriteWaits(watcher: pg.Client): Promise<boolean> {
  const { rows } = await watcher.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%last_active%'",
  );
  return Number(rows[0]?.n) > 0;
}

for (const codec of codecs) {
  test(`a follower on another node reads the close's last_active on the leave (${codec.format})`, {
    skip,
  }, async () => {
    const cluster = await startCluster({ nodes: 2, database: "postgres" });
    const locker = new pg.Client({ connectionString: cluster.db });
    const watcher = new pg.Client({ connectionString: cluster.db });
    let locked = false;
    try {
      const [one, two] = cluster.nodes;
      assert.ok(one !== undefined && two !== undefined);
      const ada = await authenticate(one.url);
      const bob = await authenticate(two.url);
      const bobSock = await openSocket(two.url, bob, codec);
      await bobSock.call("statusFollow", { userIds: [ada.userId] }, "status");
      const adaSock = await openSocket(one.url, ada, codec, { status: true });
      await bobSock.next("statusPresenceEvent", (e) => e.joins.some((p) => p.userId === ada.userId));
      const connected = await connectStamp(two.url, bob, ada.userId);
      while (Date.now() <= connected + 2) await new Promise((resolve) => setTimeout(resolve, 5));

      await locker.connect();
      await watcher.connect();
      await locker.query("BEGIN");
      await locker.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [ada.userId]);
      locked = true;
      const closedAt = Date.now();
      await adaSock.close();
      // Read the moment the leave arrives, as a follower's app would.
      const seenOnLeave = bobSock
        .next("statusPresenceEvent", (e) => e.leaves.some((p) => p.userId === ada.userId), 20_000)
        .then(() => lastActiveOf(two.url, bob, ada.userId));
      // Node 1's write of the close's stamp waits on the lock: found by asking, however long the
      // close takes to get there on a busy machine.
      let waiting = false;
      for (let i = 0; i < 300 && !waiting; i++) {
        waiting = await lastActiveWriteWaits(watcher);
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(waiting, "node 1 never tried to store the close's last_active");
      // A leave sent before the write would be read meanwhile, with the connect's stamp.
      await new Promise((resolve) => setTimeout(resolve, 300));
      locked = false;
      await locker.query("COMMIT");
      const seen = await seenOnLeave;
      assert.ok(seen !== undefined, "read on node 2 on the leave: no last_active");
      assert.ok(
        seen >= closedAt,
        `read on node 2 on the leave: last_active ${new Date(seen).toISOString()} is before the close at ${new Date(closedAt).toISOString()}`,
      );
      await bobSock.close();
    } finally {
      if (locked) await locker.query("COMMIT").catch(() => {});
      await locker.end().catch(() => {});
      await watcher.end().catch(() => {});
      await cluster.close();
    }
  });
}
