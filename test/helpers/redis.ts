// A throwaway redis-server for tests: a free port, a temporary folder, no persistence; stopped and
// removed when done, and restartable on the same port for outage tests.

import { type ChildProcess, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import { Cluster, Redis } from "ioredis";
import { onFreePort, startServerProcess, tempFolder } from "./server-process.js";

/** A redis-server started by {@link startRedis}. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops the server (its data is gone: nothing is saved). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** The redis-server program: `HERALD_REDIS_SERVER`, else `redis-server` on the PATH. */
export function findRedis(): { exe: string } | { missing: string } {
  const exe = process.env.HERALD_REDIS_SERVER ?? "redis-server";
  const r = spawnSync(exe, ["--version"], { encoding: "utf8" });
  if (r.status === 0) return { exe };
  return {
    missing: "redis-server not found: install Debian's `redis-server` package or set HERALD_REDIS_SERVER",
  };
}

/**
 * The reason to skip Redis tests, or undefined when they can run. With
 * `HERALD_REQUIRE_CLUSTER_TESTS=1` a missing server fails the run instead of skipping.
 */
export function redisSkipReason(): string | undefined {
  const found = findRedis();
  if ("exe" in found) return undefined;
  if (process.env.HERALD_REQUIRE_CLUSTER_TESTS === "1") throw new Error(found.missing);
  console.warn(`# skipping Redis tests: ${found.missing}`);
  return found.missing;
}

/** The reason to skip Redis Cluster tests (which also need redis-cli), or undefined when they can run. */
export function redisClusterSkipReason(): string | undefined {
  const reason = redisSkipReason();
  if (reason !== undefined) return reason;
  const r = spawnSync(process.env.HERALD_REDIS_CLI ?? "redis-cli", ["--version"], { encoding: "utf8" });
  if (r.status === 0) return undefined;
  const missing = "redis-cli not found: install Debian's `redis-tools` package or set HERALD_REDIS_CLI";
  if (process.env.HERALD_REQUIRE_CLUSTER_TESTS === "1") throw new Error(missing);
  console.warn(`# skipping Redis Cluster tests: ${missing}`);
  return missing;
}

/** redis-server's arguments for a throwaway server: loopback only, nothing saved. */
function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    ...extra,
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--protected-mode",
    "no",
  ];
}

const ready = /Ready to accept connections/;

/**
 * Starts redis-server on a free port in a fresh temporary folder. It never keeps the test process
 * alive (it is killed at exit), so a whole test file may share one.
 */
export async function startRedis(): Promise<TestRedis> {
  const found = findRedis();
  if (!("exe" in found)) throw new Error(found.missing);
  const dir = tempFolder("redis");
  let port = 0;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = await startServerProcess(found.exe, serverArgs(port, dir), {
      ready,
      what: `redis-server on ${port}`,
      timeoutMs: 10_000,
    });
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
  };

  port = await onFreePort((p) => {
    port = p;
    return start();
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster started by {@link startRedisCluster}. */
export interface TestRedisCluster {
  /** The ports of its primaries on 127.0.0.1. */
  readonly ports: number[];
  /** Stops every server and removes their folders. */
  close(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `size` primaries (no replicas) on free ports, joined with
 * `redis-cli --cluster create`, and waits until every slot is served.
 */
export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const found = findRedis();
  if (!("exe" in found)) throw new Error(found.missing);
  const servers: { proc?: ChildProcess; dir: string; port: number }[] = [];
  const closeAll = async () => {
    await Promise.all(
      servers.map(
        ({ proc }) =>
          new Promise<void>((resolve) => {
            if (proc === undefined || proc.exitCode !== null) return resolve();
            proc.once("exit", () => resolve());
            proc.kill("SIGKILL");
          }),
      ),
    );
    for (const { dir } of servers) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const dir = tempFolder("redis-cluster");
      // Known before the wait, so that a node that fails to start is still cleaned up.
      const server: (typeof servers)[number] = { dir, port: 0 };
      servers.push(server);
      await onFreePort(async (port) => {
        server.port = port;
        // A start that found its port taken may have written its cluster file already.
        rmSync(path.join(dir, "nodes.conf"), { force: true });
        server.proc = await startServerProcess(
          found.exe,
          serverArgs(port, dir, [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            path.join(dir, "nodes.conf"),
          ]),
          { ready, what: `redis-server on ${port}`, timeoutMs: 10_000 },
        );
      });
    }
    const cli = spawnSync(
      process.env.HERALD_REDIS_CLI ?? "redis-cli",
      [
        "--cluster",
        "create",
        ...servers.map((s) => `127.0.0.1:${s.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      { encoding: "utf8" },
    );
    if (cli.status !== 0) throw new Error(`redis-cli --cluster create failed: ${cli.stderr || cli.stdout}`);
    // The cluster is usable once every node agrees all slots are covered.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = servers.map(
        (s) =>
          spawnSync(process.env.HERALD_REDIS_CLI ?? "redis-cli", ["-p", String(s.port), "cluster", "info"], {
            encoding: "utf8",
          }).stdout,
      );
      if (states.every((info) => info.includes("cluster_state:ok"))) break;
      if (Date.now() > deadline) throw new Error("the Redis Cluster did not reach cluster_state:ok");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { ports: servers.map((s) => s.port), close: closeAll };
}

/**
 * A client of a cluster started by {@link startRedisCluster}, as herald's own: its offline queue
 * off, so that calls fail fast while a server is away. `name` is its connections' client name
 * (`CLIENT LIST`'s `name=`), for a test that closes them from the server's side.
 */
export function connectCluster(cluster: TestRedisCluster | undefined, name?: string): Cluster {
  const ports = cluster?.ports;
  if (ports === undefined) throw new Error("the Redis Cluster did not start");
  return new Cluster(
    ports.map((port) => ({ host: "127.0.0.1", port })),
    name === undefined
      ? { enableOfflineQueue: false }
      : { enableOfflineQueue: false, redisOptions: { connectionName: name } },
  );
}

/** Runs one command on the Redis at `port` through a connection of its own, closed after. */
export async function adminCall(port: number, ...args: (string | number)[]): Promise<unknown> {
  const admin = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  try {
    await admin.connect();
    const [name, ...rest] = args;
    return await admin.call(String(name), ...rest);
  } finally {
    admin.disconnect();
  }
}

/**
 * Closes, from the server's side (CLIENT KILL), the first normal client of the Redis at `port` whose
 * CLIENT LIST line `matches`. Resolves with whether one was found.
 */
export async function killClient(port: number, matches: (line: string) => boolean): Promise<boolean> {
  const list = String(await adminCall(port, "client", "list", "type", "normal"));
  for (const line of list.split("\n")) {
    if (!matches(line)) continue;
    const id = /^id=(\d+) /.exec(line)?.[1];
    if (id === undefined) continue;
    await adminCall(port, "client", "kill", "id", id);
    return true;
  }
  return false;
}

/**
 * Starts a redis-server before the enclosing suite's tests and stops it after them. Returns a
 * getter for it (undefined before the suite starts).
 */
export function redisForSuite(): () => TestRedis | undefined {
  let redis: TestRedis | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    // The Redis process does not hold the event loop open: something must while it exits.
    const alive = setInterval(() => {}, 1000);
    await redis?.close();
    clearInterval(alive);
  });
  return () => redis;
}

/**
 * Starts a Redis Cluster of `size` primaries before the enclosing suite's tests and stops it after
 * them. Returns a getter for it (undefined before the suite starts).
 */
export function redisClusterForSuite(size = 3): () => TestRedisCluster | undefined {
  let cluster: TestRedisCluster | undefined;
  before(async () => {
    cluster = await startRedisCluster(size);
  });
  after(async () => {
    // The Redis processes do not hold the event loop open: something must while they exit.
    const alive = setInterval(() => {}, 1000);
    await cluster?.close();
    clearInterval(alive);
  });
  return () => cluster;
}
