// A throwaway PostgreSQL server for tests: its own data folder, socket folder and free TCP port,
// fast unsafe settings (fsync off), stopped and removed when done.

import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { onFreePort, startServerProcess, tempFolder } from "./server-process.js";

/** A PostgreSQL server started by {@link startPostgres}. */
export interface TestPostgres {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** URL of the `postgres` database (superuser `postgres`, no password). */
  readonly url: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Creates a fresh, empty schema in the `postgres` database and returns a URL whose connections
   * use it (much faster than a new database, and just as isolated for herald's tables).
   */
  createSchema(): Promise<string>;
  /** Stops the server (fast shutdown), keeping its data: {@link start} brings it back on the same port. */
  stop(): Promise<void>;
  /** Starts a stopped server again. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Where PostgreSQL's server programs are, or why they cannot be used. */
export type PostgresBinaries = { bin: string } | { missing: string };

let databaseCounter = 0;

/**
 * Finds `initdb` and `postgres`: `HERALD_PG_BIN`, then `pg_config --bindir`, then the newest
 * /usr/lib/postgresql/<version>/bin (Debian's layout, whatever the version), then the PATH.
 */
export function findPostgres(): PostgresBinaries {
  const candidates: string[] = [];
  if (process.env.HERALD_PG_BIN) candidates.push(process.env.HERALD_PG_BIN);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const v of versions) candidates.push(path.join(debian, v, "bin"));
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir) candidates.push(dir);
  for (const dir of candidates) {
    if (existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres"))) return { bin: dir };
  }
  return {
    missing:
      "PostgreSQL server programs (initdb, postgres) not found: install Debian's `postgresql` package or set HERALD_PG_BIN",
  };
}

/**
 * The reason to skip PostgreSQL tests, or undefined when they can run. With
 * `HERALD_REQUIRE_CLUSTER_TESTS=1` a missing server fails the run instead of skipping.
 */
export function postgresSkipReason(): string | undefined {
  const found = findPostgres();
  if ("bin" in found) return undefined;
  if (process.env.HERALD_REQUIRE_CLUSTER_TESTS === "1") throw new Error(found.missing);
  console.warn(`# skipping PostgreSQL tests: ${found.missing}`);
  return found.missing;
}

export { freePort } from "./server-process.js";

// initdb refuses to run as root, so as root the server runs as the `postgres` system user.
function asServerUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { prefix: ["runuser", "-u", "postgres", "--"], uid, gid };
}

const live = new Set<string>();
let exitHookInstalled = false;

function killOnExit(dataDir: string): void {
  live.add(dataDir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that ends abruptly must not leave servers behind.
  process.on("exit", () => {
    for (const dir of live) {
      const pid = postmasterPid(dir);
      if (pid !== undefined) {
        try {
          process.kill(pid, "SIGQUIT");
        } catch {}
      }
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a PostgreSQL server in a fresh temporary folder. `settings` are extra server settings
 * (`-c name=value`), applied after the fast test defaults (fsync, full_page_writes off).
 */
export async function startPostgres(settings: Record<string, string> = {}): Promise<TestPostgres> {
  const found = findPostgres();
  if (!("bin" in found)) throw new Error(found.missing);
  const bin = found.bin;
  const user = asServerUser();
  const root = tempFolder("pg");
  const dataDir = path.join(root, "data");
  const socketDir = path.join(root, "run");
  mkdirSync(socketDir);
  if (user.uid !== undefined && user.gid !== undefined) {
    chownSync(root, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...user.prefix, path.join(bin, cmd), ...args];
    const r = spawnSync(exe as string, rest, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
  };
  // initdb takes seconds; its output is the same every time, so it runs once per machine and
  // version, and each server starts from a copy (cp -a keeps the owner and the 0700 mode).
  const template = path.join(tmpdir(), `herald-pg-template-${bin.replace(/[^A-Za-z0-9]+/g, "_")}`);
  if (!existsSync(path.join(template, "PG_VERSION"))) {
    const fresh = path.join(root, "template");
    run("initdb", ["-D", fresh, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    try {
      renameSync(fresh, template);
    } catch {
      // Another test process made it first: use theirs.
    }
    rmSync(fresh, { recursive: true, force: true });
  }
  const copy = spawnSync("cp", ["-a", template, dataDir], { encoding: "utf8" });
  if (copy.status !== 0) throw new Error(`copying the PostgreSQL template failed: ${copy.stderr}`);
  killOnExit(dataDir);
  let port = 0;
  const serverSettings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: socketDir,
    fsync: "off",
    full_page_writes: "off",
    max_connections: "200",
    ...settings,
  };
  const settingArgs = Object.entries(serverSettings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);

  const start = async () => {
    const args = ["-D", dataDir, "-p", String(port), ...settingArgs];
    const [exe, ...rest] = [...user.prefix, path.join(bin, "postgres"), ...args];
    await startServerProcess(exe as string, rest, {
      ready: /ready to accept connections/,
      what: `PostgreSQL on port ${port}`,
    });
  };
  const stop = async () => {
    const pid = postmasterPid(dataDir);
    if (pid === undefined) return;
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, the data stays consistent.
    process.kill(pid, "SIGINT");
    const deadline = Date.now() + 20_000;
    while (alive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, "SIGKILL");
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  port = await onFreePort((p) => {
    port = p;
    return start();
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    async createDatabase() {
      const name = `herald_${process.pid}_${++databaseCounter}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async createSchema() {
      const name = `herald_${process.pid}_${++databaseCounter}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE SCHEMA ${name}`);
      } finally {
        await c.end();
      }
      return `${url}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    stop,
    start,
    async close() {
      await stop();
      live.delete(dataDir);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
