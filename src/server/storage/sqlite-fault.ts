import { HeraldError } from "../../errors.js";

// SQLite's primary result codes (better-sqlite3 gives extended ones, such as SQLITE_IOERR_WRITE or
// SQLITE_READONLY_DBMOVED, which start with these) that say "the storage cannot take this now",
// with what a client is told. Each may clear without a restart: the lock is released, space is
// freed, the disk or its mount comes back.
const faults: readonly (readonly [prefix: string, words: string])[] = [
  ["SQLITE_BUSY", "the database is busy (another process holds its write lock), try again"],
  ["SQLITE_LOCKED", "the database is busy (another process holds its write lock), try again"],
  ["SQLITE_FULL", "the disk holding the database is full, try again later"],
  ["SQLITE_READONLY", "the database cannot be written (its file or disk is read-only), try again later"],
  ["SQLITE_IOERR", "the disk holding the database failed to read or write, try again later"],
  ["SQLITE_CANTOPEN", "the database's files cannot be opened, try again later"],
  ["SQLITE_NOMEM", "the server is out of memory, try again later"],
];

/** The SQLite error code of `err`, if it has one. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for SQLite's "another connection holds the lock" errors. */
export function isSqliteBusy(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * The retryable refusal (`disconnected`, sent as code 14 / HTTP 503, `unavailable` in the SDK) for
 * an SQLite error that says the storage cannot take a write now (a held lock, a full disk, a
 * read-only file, an I/O error), or undefined for any other error. `what` opens the message, so a
 * client reads what was not done and why: "Message not stored: the disk ... is full, ...".
 */
export function sqliteFault(err: unknown, what = "Storage unavailable"): HeraldError | undefined {
  const code = codeOf(err);
  if (code === undefined) return undefined;
  const fault = faults.find(([prefix]) => code.startsWith(prefix));
  if (fault === undefined) return undefined;
  return new HeraldError("disconnected", `${what}: ${fault[1]}`, { cause: err });
}
