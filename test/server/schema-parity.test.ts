// The SQLite and PostgreSQL schemas are two migration texts; this keeps them describing one schema:
// the same tables, the same columns in the same order with the same types, nullability and
// defaults, and the same indexes (bar the few one engine needs for its own queries).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { openDatabase } from "../../src/server/storage/database.js";
import { migratePostgres } from "../../src/server/storage/postgres/schema.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";

interface Column {
  name: string;
  /** "text" or "integer" (PostgreSQL's integer and bigint are both SQLite's INTEGER). */
  type: string;
  notNull: boolean;
  /** The default as a literal ("''", "'en'", "0"), or "" for none or a generated value. */
  default: string;
}

type Schema = Map<string, Column[]>;

// Indexes only PostgreSQL has: SQLite compares text bytewise, so it needs no second index for that.
const POSTGRES_ONLY_INDEXES = new Set(["groups_name_bytes"]);

async function sqliteSchema(): Promise<{ tables: Schema; indexes: Set<string> }> {
  const db = await openDatabase(":memory:");
  try {
    const tables: Schema = new Map();
    const names = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    for (const table of names) {
      const info = db.pragma(`table_info(${table})`) as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      tables.set(
        table,
        info.map((c) => ({
          name: c.name,
          type: c.type.toLowerCase(),
          // A primary key is never null, declared so or not.
          notNull: c.notnull === 1 || c.pk > 0,
          default: c.dflt_value ?? "",
        })),
      );
    }
    const indexes = new Set(
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[],
    );
    return { tables, indexes };
  } finally {
    db.close();
  }
}

async function postgresSchema(url: string): Promise<{ tables: Schema; indexes: Set<string> }> {
  const pool = new pg.Pool({ connectionString: url });
  // `pool.end()` resolves once its clients are told to end, not once their connections are closed:
  // a connection still open when the test's server stops gets its "terminating connection" error
  // after the test. Each client's end is awaited below (any error before it fails a query anyway).
  const ended: Promise<void>[] = [];
  pool.on("connect", (client) => {
    client.on("error", () => {});
    ended.push(new Promise((resolve) => client.once("end", () => resolve())));
  });
  try {
    await migratePostgres(pool);
    const { rows } = await pool.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
    }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name <> 'herald_schema'
        ORDER BY table_name, ordinal_position`,
    );
    const tables: Schema = new Map();
    for (const r of rows) {
      const columns = tables.get(r.table_name) ?? [];
      tables.set(r.table_name, columns);
      const generated = r.column_default?.startsWith("nextval(") ?? false;
      columns.push({
        name: r.column_name,
        type: r.data_type === "bigint" ? "integer" : r.data_type,
        notNull: r.is_nullable === "NO",
        default: generated ? "" : (r.column_default ?? "").replace(/::text$/, ""),
      });
    }
    const indexes = (
      await pool.query<{ indexname: string }>(
        // Constraint-backed indexes (primary keys, UNIQUE columns) are SQLite's automatic ones.
        `SELECT indexname FROM pg_indexes i WHERE schemaname = current_schema() AND tablename <> 'herald_schema'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      )
    ).rows.map((r) => r.indexname);
    return { tables, indexes: new Set(indexes.filter((i) => !POSTGRES_ONLY_INDEXES.has(i))) };
  } finally {
    await pool.end();
    await Promise.all(ended);
  }
}

describe("the SQLite and PostgreSQL schemas", { skip: postgresSkipReason() }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.close());

  test("hold the same tables, columns (types, nullability, defaults) and indexes", async () => {
    const sqlite = await sqliteSchema();
    const postgres = await postgresSchema(await server.createSchema());
    assert.deepEqual([...postgres.tables.keys()].sort(), [...sqlite.tables.keys()].sort());
    assert.ok(sqlite.tables.has("messages") && sqlite.tables.size >= 9, "the schema was read");
    for (const [table, columns] of sqlite.tables) {
      // Columns added by a later SQLite migration come last there; PostgreSQL's first version has
      // them in place. Order does not matter to the stores (they name every column).
      const byName = (c: Column[]) => [...c].sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(byName(postgres.tables.get(table) ?? []), byName(columns), `table ${table}`);
    }
    assert.deepEqual([...postgres.indexes].sort(), [...sqlite.indexes].sort());
  });
});
