import { HeraldError } from "../../errors.js";
import type { DatabaseOption } from "../options.js";
import { urlWithoutPassword } from "../url-without-password.js";
import type { AsyncStorage } from "./async-storage.js";
import { openDatabase } from "./database.js";
import { createSqliteStorage } from "./sqlite-async.js";

/** Settings of the SQLite engine that {@link openStorage} passes on. */
export interface OpenStorageOptions {
  /** SQLite's `synchronous` setting. @default "normal" */
  synchronous?: "normal" | "full";
  /** How long a batch of message inserts retries on a held SQLite lock. @default 5000 */
  commitTimeoutMs?: number;
  /** Told about each batch of message inserts that failed to commit. */
  onCommitError?: (err: unknown) => void;
  /** Told about each batch of message inserts that committed: its duration and size, for metrics. */
  onCommit?: (durationMs: number, batchSize: number) => void;
  /** SQLite: how often the database file is checked between writes. @default 1000 */
  fileCheckMs?: number;
  /** SQLite: told once when the database file was deleted or replaced while open. */
  onFileLost?: (err: HeraldError) => void;
}

/** True for a `postgres://` or `postgresql://` URL (any case). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The database as logs and `HeraldServer.dbPath` show it: a URL without its password. */
export function describeDatabase(db: DatabaseOption): string {
  const url = typeof db === "string" ? db : db.url;
  if (!isPostgresUrl(url)) return url;
  return urlWithoutPassword(url, "postgres://(unreadable URL)");
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}`;
  } catch {
    return "(unreadable URL)";
  }
}

/**
 * Opens the storage engine `db` names: PostgreSQL for a `postgres://` URL or an options object
 * (creating or migrating the schema), else the SQLite file at that path. A PostgreSQL that cannot
 * be reached rejects with `disconnected`, naming the host; a missing `pg` package with a hint to
 * install it.
 */
export async function openStorage(
  db: DatabaseOption,
  options: OpenStorageOptions = {},
): Promise<AsyncStorage> {
  if (typeof db === "object" || isPostgresUrl(db)) {
    const { url, ...pool } = typeof db === "object" ? db : { url: db };
    if (typeof url !== "string" || !isPostgresUrl(url)) {
      throw new HeraldError("bad_input", "db: a PostgreSQL options object needs a postgres:// url");
    }
    // Loaded on demand: a server on SQLite never needs the PostgreSQL code or the pg package.
    const { createPostgresStorage } = await import("./postgres/postgres-storage.js");
    try {
      return await createPostgresStorage(url, {
        ...pool,
        ...(options.onCommitError !== undefined && { onCommitError: options.onCommitError }),
        ...(options.onCommit !== undefined && { onCommit: options.onCommit }),
      });
    } catch (err) {
      if (HeraldError.is(err, "disconnected") || HeraldError.is(err, "timeout")) {
        throw new HeraldError(
          "disconnected",
          `PostgreSQL at ${hostOf(url)} cannot be reached: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }
  const sqlite = await openDatabase(db, { synchronous: options.synchronous ?? "normal" });
  return createSqliteStorage(sqlite, {
    ...(options.onCommitError !== undefined && { onCommitError: options.onCommitError }),
    ...(options.onCommit !== undefined && { onCommit: options.onCommit }),
    ...(options.commitTimeoutMs !== undefined && { commitTimeoutMs: options.commitTimeoutMs }),
    ...(options.fileCheckMs !== undefined && { fileCheckMs: options.fileCheckMs }),
    ...(options.onFileLost !== undefined && { onFileLost: options.onFileLost }),
  });
}
