// Which database a test server starts on: SQLite in memory by default, or with
// HERALD_TEST_DB=postgres a fresh PostgreSQL schema per server, all on one PostgreSQL server per
// test process (started on first use, stopped when the process exits).

import { startPostgres, type TestPostgres } from "./postgres.js";

/** The engine test servers use, from HERALD_TEST_DB ("sqlite" unless it says "postgres"). */
export const testEngine: "sqlite" | "postgres" =
  process.env.HERALD_TEST_DB === "postgres" ? "postgres" : "sqlite";

let shared: Promise<TestPostgres> | undefined;

function sharedPostgres(): Promise<TestPostgres> {
  shared ??= startPostgres().then((pg) => {
    // The helper's exit hook kills the server should the process end abruptly; this is the
    // orderly path once every test of the file has run.
    process.once("beforeExit", () => {
      void pg.close();
    });
    return pg;
  });
  return shared;
}

/**
 * The `db` option for a new test server: ":memory:" on SQLite, else the URL of a fresh, empty
 * schema on the process's PostgreSQL server (as isolated as a new database for herald's tables,
 * and much faster to make).
 */
export async function testDatabase(): Promise<string> {
  if (testEngine === "sqlite") return ":memory:";
  return postgresDatabase();
}

/** The URL of a fresh, empty schema on the process's PostgreSQL server, whatever HERALD_TEST_DB says. */
export async function postgresDatabase(): Promise<string> {
  return (await sharedPostgres()).createSchema();
}
