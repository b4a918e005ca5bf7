// The message stores report each commit (duration, batch size) and each failed one: what the
// server's commit metrics are fed from, on either storage engine.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "../../src/server/storage/database.js";
import { createPostgresStorage } from "../../src/server/storage/postgres/postgres-storage.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";
import { newMessage } from "../cluster/storage-conformance.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";

/** Records what a store reports. */
function observer() {
  const commits: { durationMs: number; batchSize: number }[] = [];
  const failures: unknown[] = [];
  return {
    commits,
    failures,
    onCommit: (durationMs: number, batchSize: number) => commits.push({ durationMs, batchSize }),
    onCommitError: (err: unknown) => failures.push(err),
  };
}

test("SQLite storage reports one commit per batch, with its size", async () => {
  const db = await openDatabase(":memory:");
  const seen = observer();
  const storage = createSqliteStorage(db, seen);
  try {
    const sender = randomUUID();
    // Inserted in one turn: one batch.
    await Promise.all(Array.from({ length: 5 }, () => storage.messages.insert(newMessage("2...a", sender))));
    await storage.messages.insert(newMessage("2...a", sender));
    assert.deepEqual(
      seen.commits.map((c) => c.batchSize),
      [5, 1],
    );
    for (const c of seen.commits) assert.ok(c.durationMs >= 0 && Number.isFinite(c.durationMs));
    assert.deepEqual(seen.failures, []);
  } finally {
    await storage.close();
  }
});

describe("PostgreSQL storage reports its commits", { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg.close());

  test("one commit per batch with its size, and a batch that cannot commit is reported as failed", async () => {
    const seen = observer();
    const storage = await createPostgresStorage(await pg.createSchema(), {
      ...seen,
      queryTimeoutMs: 2000,
      connectTimeoutMs: 2000,
    });
    try {
      const sender = randomUUID();
      await Promise.all(
        Array.from({ length: 4 }, () => storage.messages.insert(newMessage("2...b", sender))),
      );
      assert.deepEqual(
        seen.commits.map((c) => c.batchSize),
        [4],
      );
      assert.ok((seen.commits[0]?.durationMs ?? -1) > 0, "a round trip to the database takes time");
      assert.deepEqual(seen.failures, []);

      await pg.stop();
      await assert.rejects(storage.messages.insert(newMessage("2...b", sender)));
      assert.equal(seen.failures.length, 1);
      assert.equal(seen.commits.length, 1, "a failed batch is not reported as a commit");
    } finally {
      await pg.start();
      await storage.close();
    }
  });
});
