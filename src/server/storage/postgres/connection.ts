import type { Pool, PoolClient, PoolConfig, QueryResultRow } from "pg";
import { HeraldError } from "../../../errors.js";
import type { PostgresDatabaseOptions } from "../../options.js";

/** What the stores need of a pool or a client inside a transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Options of the PostgreSQL connection pool (see `PostgresDatabaseOptions` for each default). */
export type PostgresPoolOptions = Omit<PostgresDatabaseOptions, "url">;

const INT8_OID = 20;

/** What to do when `pg` is missing (it is an optional peer dependency: only PostgreSQL needs it). */
export const PG_INSTALL_HINT =
  "pg is not installed. herald's server keeps its state in PostgreSQL (a postgres:// db) through the " +
  "pg package: install it with `npm install pg`, or give an SQLite file as db instead.";

/**
 * Opens a pool. `pg` is loaded here, on first use, so a server on SQLite never needs it installed.
 * int8 columns (times in ms, sequence numbers, counts) come back as numbers, as from SQLite.
 */
export async function openPool(url: string, options: PostgresPoolOptions = {}): Promise<Pool> {
  let pg: typeof import("pg").default;
  try {
    pg = (await import("pg")).default;
  } catch (err) {
    throw new HeraldError("unsupported", PG_INSTALL_HINT, { cause: err });
  }
  const base = pg.types;
  const config: PoolConfig = {
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 5000,
    application_name: options.applicationName ?? "herald",
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? (v: string) => Number(v) : base.getTypeParser(oid, format)) as never,
    },
  };
  const pool = new pg.Pool(config);
  // An idle connection dropped by the server (restart, failover) must not end the process: the
  // pool discards it and the next query opens a new one.
  pool.on("error", () => {});
  // Nor one dropped while checked out for a transaction: the pool listens for errors only on idle
  // connections, and `pg` emits the loss on the client as well as failing its query, so without a
  // listener of our own a PostgreSQL restart or `pg_terminate_backend` mid-transaction would be an
  // uncaught exception. The query's own rejection carries the error to the caller; the broken
  // connection is then released as broken (`transaction`) and never reused.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}

// SQLSTATE classes and driver messages that mean "the database cannot serve this right now":
// shut down or starting (57P0x), out of disk, memory or connections (class 53), or read-only (a
// standby after a failover, `default_transaction_read_only`).
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "25006"]);
// The database gave up waiting: its `statement_timeout` (57014, query canceled) or
// `lock_timeout` (55P03) fired. As for the pool's own query timeout, the caller may try again.
const TIMEOUT_STATES = new Set(["57014", "55P03"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
]);

/** Whether PostgreSQL refused a NUL character in a text or a JSON value. */
function isNulError(code: unknown, message: string, detail: unknown): boolean {
  if (code === "22021") return /: 0x00$/.test(message);
  return code === "22P05" && typeof detail === "string" && detail.includes("\\u0000");
}

/** Maps a driver error to the storage interface's error codes. */
export function pgError(err: unknown): HeraldError {
  if (HeraldError.is(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "23505") return HeraldError.from(err, "already_exists");
  // A NUL in a text (22021, byte 0x00) or a \u0000 in a JSON value (22P05): PostgreSQL stores
  // neither, so the request's text is what is wrong. (SQLite takes NUL; checks that refuse control
  // characters answer the same on both.) Other errors of these codes (a database whose encoding is
  // not UTF-8) stay server errors.
  if (isNulError(code, message, (err as { detail?: unknown } | null)?.detail)) {
    return new HeraldError("bad_input", "Text must not contain a NUL character.", { cause: err });
  }
  if (
    (typeof code === "string" &&
      (code.startsWith("08") ||
        code.startsWith("53") ||
        UNAVAILABLE_STATES.has(code) ||
        NETWORK_CODES.has(code))) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message)
  ) {
    // 503 set here: REST statuses otherwise follow stock's gateway table, which has no row for 14.
    return new HeraldError("disconnected", `storage unavailable: ${message}`, { cause: err, status: 503 });
  }
  if (/Query read timeout/i.test(message) || (typeof code === "string" && TIMEOUT_STATES.has(code)))
    return HeraldError.from(err, "timeout", `storage timeout: ${message}`);
  return HeraldError.from(err, "server_error");
}

// Deadlocks and serialization failures are safe to retry: the transaction left nothing behind.
const RETRY_STATES = new Set(["40P01", "40001"]);

/** Runs `fn` in a transaction (retried on deadlock), rejecting with a mapped `HeraldError`. */
export async function transaction<T>(pool: Pool, fn: (sql: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw pgError(err);
    }
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      const code = (err as { code?: unknown } | null)?.code;
      if (attempt < 3 && typeof code === "string" && RETRY_STATES.has(code)) continue;
      throw pgError(err);
    } finally {
      client.release(broken);
    }
  }
}

/** Runs one statement on the pool, rejecting with a mapped `HeraldError`. */
export async function query<R extends QueryResultRow>(
  sql: Sql,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  try {
    return (await sql.query<R>(text, values)).rows;
  } catch (err) {
    throw pgError(err);
  }
}
