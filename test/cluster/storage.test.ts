// The same storage tests against the SQLite adapter and against a real PostgreSQL server.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { createPostgresStorage } from "../../src/server/storage/postgres/postgres-storage.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { newMessage, storageConformance } from "./storage-conformance.js";

storageConformance("sqlite", async () => createSqliteStorage(await openDatabase(":memory:")));

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
    return createPostgresStorage(await pg.createSchema());
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
