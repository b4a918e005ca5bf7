import type BetterSqlite3 from "better-sqlite3";
import { HeraldError } from "../../errors.js";

/** The better-sqlite3 database constructor. */
export type SqliteDriver = typeof BetterSqlite3;

/** What to do when better-sqlite3 is missing or its native part was never built. */
export const SQLITE_INSTALL_HINT =
  "herald's server keeps its state in SQLite through the better-sqlite3 package. Install it with " +
  "`npm install better-sqlite3`. Its install script builds a native module, so it must be allowed " +
  "to run: if your npm holds back install scripts, approve it with " +
  "`npm install-scripts approve better-sqlite3` (or list it under `allowScripts` in package.json) " +
  "and install again.";

function notInstalled(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") &&
    String(e.message).includes("better-sqlite3")
  );
}

/** True for the errors better-sqlite3 throws when its native module is missing or built for another Node. */
export function isNativeModuleFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|was compiled against a different/.test(
    message,
  );
}

/** The error that replaces a raw module-loading failure, saying exactly what to install. */
export function sqliteMissing(cause: unknown, what: string): HeraldError {
  return new HeraldError("unsupported", `${what}. ${SQLITE_INSTALL_HINT}`, { cause });
}

let driver: Promise<SqliteDriver> | undefined;

/**
 * Loads better-sqlite3 on first use rather than at import, so that importing `herald/server`
 * never fails with a bare ERR_MODULE_NOT_FOUND: a missing package rejects with a HeraldError
 * (`unsupported`) that says what to install.
 */
export function loadSqlite(): Promise<SqliteDriver> {
  driver ??= import("better-sqlite3").then(
    (m) => (m as { default?: SqliteDriver }).default ?? (m as unknown as SqliteDriver),
    (err: unknown) => {
      driver = undefined;
      throw notInstalled(err) ? sqliteMissing(err, "better-sqlite3 is not installed") : err;
    },
  );
  return driver;
}
