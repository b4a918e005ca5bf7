// The same storage tests against the SQLite adapter and against a real PostgreSQL server.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pgDriver from "pg";
import { HeraldError } from "../../src/errors.js";
import type { AsyncStorage } from "../../src/server/storage/async-storage.js";
import type { Db as Database } from "../../src/server/storage/database.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { createPostgresStorage } from "../../src/server/storage/postgres/postgres-storage.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { newMessage, storageConformance } from "./storage-conformance.js";

// Each storage's own tables, read beside it: its database handle, or its schema's URL.
const sqliteOf = new WeakMap<AsyncStorage, Database>();
const postgresOf = new WeakMap<AsyncStorage, string>();
const floorsFrom = (rows: { channel_id: string; create_time: number | string }[]) =>
  Object.fromEntries(rows.map((r) => [r.channel_id, Number(r.create_time)]));

storageConformance(
  "sqlite",
  async () => {
    const db = await openDatabase(":memory:");
    const storage = createSqliteStorage(db);
    sqliteOf.set(storage, db);
    return storage;
  },
  {
    floors: async (s) =>
      floorsFrom(
        sqliteOf.get(s)?.prepare("SELECT channel_id, create_time FROM removed_times").all() as {
          channel_id: string;
          create_time: number;
        }[],
      ),
  },
);

const skip = postgresSkipReason();
let pg: TestPostgres | undefined;
if (skip === undefined) {
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.close());
}
storageConformance(
  "postgres",
  async () => {
    if (pg === undefined) throw new Error("PostgreSQL did not start");
    const url = await pg.createSchema();
    const storage = await createPostgresStorage(url);
    postgresOf.set(storage, url);
    return storage;
  },
  {
    async floors(s) {
      const client = new pgDriver.Client({ connectionString: postgresOf.get(s) });
      await client.connect();
      try {
        return floorsFrom((await client.query("SELECT channel_id, create_time FROM removed_times")).rows);
      } finally {
        await client.end();
      }
    },
  },
  skip,
);

test("on SQLite a message whose batch fails to commit rejects instead of being acked", async () => {
  const db = await openDatabase(":memory:");
  const reported: unknown[] = [];
  const storage = createSqliteStorage(db, { onCommitError: (err) => reported.push(err) });
  const ok = await storage.messages.insert(newMessage("2...x", "sender"));
  assert.equal(ok.duplicate, false);
  // A broken database (here: a trigger refusing inserts) makes the end-of-turn commit fail.
  db.exec("CREATE TRIGGER refuse BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  await assert.rejects(storage.messages.insert(newMessage("2...x", "sender")), (err) =>
    HeraldError.is(err, "server_error"),
  );
  assert.equal(reported.length, 1);
  await storage.close();
});

test("on PostgreSQL a floor raised by a removal that commits while the pass looks at it is kept", {
  skip,
}, async () => {
  if (pg === undefined) throw new Error("PostgreSQL did not start");
  const url = await pg.createSchema();
  const storage = await createPostgresStorage(url);
  const other = new pgDriver.Client({ connectionString: url });
  await other.connect();
  // Asked on a connection of its own: inside a transaction the view of pg_stat_activity stays as it was.
  const watcher = new pgDriver.Client({ connectionString: url });
  await watcher.connect();
  try {
    const ch = "2...race";
    const first = await storage.messages.insert(newMessage(ch, "sender", "", 5000));
    await storage.messages.delete(first.row.seq);
    // The floor (5000) is now covered by the channel's newest message.
    const newest = await storage.messages.insert(newMessage(ch, "sender", "", 7000));
    // Another node removes that message (as retention or a user does), and has not committed yet
    // when the pass looks at the floor.
    await other.query("BEGIN");
    await other.query(
      `WITH removed AS (DELETE FROM messages WHERE seq = $1 RETURNING channel_id, create_time)
         INSERT INTO removed_times (channel_id, create_time) SELECT channel_id, create_time FROM removed
         ON CONFLICT (channel_id) DO UPDATE
           SET create_time = GREATEST(removed_times.create_time, excluded.create_time)`,
      [newest.row.seq],
    );
    const pass = storage.messages.prune({}, 8000);
    // The pass must look at the floor before the removal commits: wait until it waits on the
    // removal's row lock (a pass that came later would find the floor settled, and prove nothing).
    await waitFor(
      async () => {
        const { rows } = await watcher.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%covered%'",
        );
        return Number(rows[0]?.n) > 0;
      },
      { what: "the pass waiting on the removal's row lock", timeoutMs: 10_000 },
    );
    await other.query("COMMIT");
    await pass;
    const { rows } = await other.query("SELECT channel_id, create_time FROM removed_times");
    assert.deepEqual(floorsFrom(rows), { [ch]: 7000 }, "the removed message's time is the floor");
    const behind = await storage.messages.insert(newMessage(ch, "sender", "", 6000));
    assert.equal(behind.row.create_time, 7000);
  } finally {
    await other.end();
    await watcher.end();
    await storage.close();
  }
});
