// In a cluster, a user who closes on one node is announced as gone to a follower on another node
// only once the close's last_active is stored: the follower's node reads the shared PostgreSQL and
// finds when the user left. The store is made slow for real (another connection holds a lock on
// the user's row), so an announcement that did not wait would be read with the connect's stamp.

import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { startCluster } from "../helpers/cluster.js";
import { postgresSkipReason } from "../helpers/postgres.js";
import { redisSkipReason } from "../helpers/redis.js";
import { authenticate, codecs, openSocket, rest, type TestUser } from "../helpers/server.js";

const skip = redisSkipReason() ?? postgresSkipReason();

async function lastActiveOf(url: string, reader: TestUser, userId: string): Promise<number> {
  const res = await rest(url, "GET", `/v2/user?ids=${userId}`, { token: reader.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const stamp = (res.body.users as { last_active?: string }[])[0]?.last_active;
  assert.ok(stamp !== undefined, `no last_active in ${JSON.stringify(res.body)}`);
  return Date.parse(stamp);
}

for (const codec of codecs) {
  test(`a follower on another node reads the close's last_active on the leave (${codec.format})`, {
    skip,
  }, async () => {
    const cluster = await startCluster({ nodes: 2, database: "postgres" });
    const locker = new pg.Client({ connectionString: cluster.db });
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
      const connected = await lastActiveOf(two.url, bob, ada.userId);
      while (Date.now() <= connected + 2) await new Promise((resolve) => setTimeout(resolve, 5));

      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [ada.userId]);
      locked = true;
      const closedAt = Date.now();
      await adaSock.close();
      // Released a moment after the close: node 1's write of the close's stamp waits until then.
      setTimeout(() => {
        locked = false;
        void locker.query("COMMIT");
      }, 300);
      await bobSock.next("statusPresenceEvent", (e) => e.leaves.some((p) => p.userId === ada.userId));
      const seen = await lastActiveOf(two.url, bob, ada.userId);
      assert.ok(
        seen >= closedAt,
        `read on node 2 on the leave: last_active ${new Date(seen).toISOString()} is before the close at ${new Date(closedAt).toISOString()}`,
      );
      await bobSock.close();
    } finally {
      if (locked) await locker.query("COMMIT").catch(() => {});
      await locker.end().catch(() => {});
      await cluster.close();
    }
  });
}
