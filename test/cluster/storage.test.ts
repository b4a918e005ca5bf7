// The same storage tests against the SQLite adapter and against a real PostgreSQL server.

import { after, before } from "node:test";
import { openDatabase } from "../../src/server/storage/database.js";
import { createPostgresStorage } from "../../src/server/storage/postgres/postgres-storage.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { storageConformance } from "./storage-conformance.js";

storageConformance("sqlite", async () => createSqliteStorage(openDatabase(":memory:")));

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
