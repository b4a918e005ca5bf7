// Several herald nodes on one Redis and one database, behind a loopback TCP balancer, for running
// the same tests on a cluster as on a single server.

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type HeraldServer, type ServerOptions } from "../../src/server/index.js";
import { findPostgres } from "./postgres.js";
import { startRedis, type TestRedis } from "./redis.js";
import { postgresDatabase } from "./test-db.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The database every node of a test cluster shares: a fresh schema on the test process's
 * PostgreSQL (as a real cluster runs) when PostgreSQL is installed, else one SQLite file in the
 * cluster's folder (WAL mode lets several processes use it, writers taking turns). `engine` picks
 * one, or a URL names a database of the test's own (to stop and start it).
 */
export async function clusterDatabase(dir: string, engine?: ClusterOptions["database"]): Promise<string> {
  if (engine !== undefined && engine !== "sqlite" && engine !== "postgres") return engine;
  const usePostgres = engine === "postgres" || (engine === undefined && "bin" in findPostgres());
  return usePostgres ? postgresDatabase() : path.join(dir, "herald.db");
}

/** A loopback TCP balancer: each new connection goes to the next live node, round robin. */
export class Balancer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  /** The nodes' ports; a node that is down is skipped (see {@link setAlive}) or found refusing. */
  private readonly targets: { port: number; alive: boolean }[];

  private constructor(ports: number[]) {
    this.targets = ports.map((port) => ({ port, alive: true }));
    this.server = createTcpServer((client) => this.route(client, 0));
  }

  /** Starts a balancer on a free loopback port. */
  static async start(ports: number[]): Promise<Balancer> {
    const balancer = new Balancer(ports);
    await new Promise<void>((resolve, reject) => {
      balancer.server.once("error", reject);
      balancer.server.listen(0, "127.0.0.1", () => resolve());
    });
    return balancer;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Marks a node live or not: new connections skip dead ones. */
  setAlive(port: number, alive: boolean): void {
    for (const t of this.targets) if (t.port === port) t.alive = alive;
  }

  /** Replaces a node's port (a node restarted elsewhere). */
  replace(oldPort: number, newPort: number): void {
    for (const t of this.targets) if (t.port === oldPort) Object.assign(t, { port: newPort, alive: true });
  }

  private route(client: Socket, tried: number): void {
    this.sockets.add(client);
    client.once("close", () => this.sockets.delete(client));
    const live = this.targets.filter((t) => t.alive);
    if (live.length === 0 || tried >= this.targets.length) {
      client.destroy();
      return;
    }
    const target = live[this.next++ % live.length] as { port: number };
    const upstream = connect(target.port, "127.0.0.1");
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      this.sockets.add(upstream);
      upstream.once("close", () => this.sockets.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => {
      // A node refusing connections (killed) is skipped: the client's data waits, unread.
      if (!connected) this.route(client, tried + 1);
      else client.destroy();
    });
    client.on("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => {
      if (connected) client.destroy();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One node of a test cluster. */
export interface ClusterMember {
  readonly url: string;
  readonly port: number;
  /** The node's server, when it runs in this process. */
  readonly server: HeraldServer | undefined;
  /** The node's process, when it runs in a child process. */
  readonly process: ChildProcess | undefined;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions extends ServerOptions {
  /** @default 3 */
  nodes?: number;
  /** Run each node as a child process running the CLI (for kill -9) instead of in this process. @default false */
  processes?: boolean;
  /** A Redis of the test's own (to stop and restart it); by default one Redis is shared per test process. */
  redisServer?: TestRedis;
  /** Lease of each node's presences in Redis (see RedisOptions.leaseMs). @default 5000 */
  leaseMs?: number;
  /** @default 1000 */
  heartbeatMs?: number;
  /**
   * The shared database: "postgres" (a fresh schema on the test process's PostgreSQL), "sqlite"
   * (one file), or a `postgres://` URL of the test's own. @default "postgres" when installed
   */
  database?: "sqlite" | "postgres" | (string & {});
}

/** A running cluster: its nodes, the balancer in front of them, and the shared pieces. */
export interface TestCluster {
  readonly nodes: ClusterMember[];
  /** The balancer's URL: each new connection goes to the next live node. */
  readonly url: string;
  readonly port: number;
  readonly balancer: Balancer;
  readonly redisUrl: string;
  /** The shared database (see {@link clusterDatabase}). */
  readonly db: string;
  readonly tokenSecret: string;
  /** kill -9 of a child-process node; the balancer skips it from now on. */
  kill(index: number): Promise<void>;
  close(): Promise<void>;
}

let sharedRedis: Promise<TestRedis> | undefined;

/** The Redis shared by the clusters of this test process (each with its own key prefix). */
function processRedis(): Promise<TestRedis> {
  sharedRedis ??= startRedis();
  return sharedRedis;
}

/** Starts `nodes` herald nodes on one Redis and one database, behind a {@link Balancer}. */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const {
    nodes: count = 3,
    processes = false,
    redisServer,
    leaseMs,
    heartbeatMs,
    database,
    ...serverOptions
  } = options;
  const redis = redisServer ?? (await processRedis());
  const dir = mkdtempSync(path.join(tmpdir(), "herald-cluster-"));
  const db = await clusterDatabase(dir, database);
  const tokenSecret = serverOptions.tokenSecret ?? randomBytes(32).toString("base64");
  const keyPrefix = `herald-${randomBytes(6).toString("hex")}:`;
  const nodes: ClusterMember[] = [];
  const closeNodes = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        if (n.server !== undefined) await n.server.close();
        if (n.process !== undefined) await stopProcess(n.process);
      }),
    );
  };
  try {
    // One after the other: the first one creates the database's schema.
    for (let i = 0; i < count; i++) {
      const nodeId = `node-${i + 1}-${keyPrefix.slice(7, 13)}`;
      if (processes) {
        nodes.push(
          await spawnNode({ db, redis: redis.url, tokenSecret, nodeId, keyPrefix, leaseMs, heartbeatMs }),
        );
      } else {
        const server = await createServer({
          port: 0,
          logLevel: "silent",
          rateLimits: false,
          ...serverOptions,
          db,
          tokenSecret,
          nodeId,
          redis: {
            url: redis.url,
            keyPrefix,
            ...(leaseMs !== undefined && { leaseMs }),
            ...(heartbeatMs !== undefined && { heartbeatMs }),
          },
        });
        nodes.push({ url: server.url, port: server.port, server, process: undefined });
      }
    }
  } catch (err) {
    await closeNodes();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const balancer = await Balancer.start(nodes.map((n) => n.port));
  return {
    nodes,
    url: balancer.url,
    port: balancer.port,
    balancer,
    redisUrl: redis.url,
    db,
    tokenSecret,
    async kill(index) {
      const node = nodes[index];
      if (node?.process === undefined) throw new Error(`node ${index} is not a child process`);
      balancer.setAlive(node.port, false);
      const exited = new Promise<void>((resolve) => node.process?.once("exit", () => resolve()));
      node.process.kill("SIGKILL");
      await exited;
    },
    async close() {
      await balancer.close();
      await closeNodes();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const children = new Set<ChildProcess>();
let exitHook = false;

/** Starts a node as a child process running the CLI; resolves once it listens. */
async function spawnNode(o: {
  db: string;
  redis: string;
  tokenSecret: string;
  nodeId: string;
  keyPrefix: string;
  leaseMs: number | undefined;
  heartbeatMs: number | undefined;
}): Promise<ClusterMember> {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const c of children) c.kill("SIGKILL");
    });
  }
  const args = [
    "--import",
    "tsx",
    path.join(repo, "src/server/cli.ts"),
    "--port",
    "0",
    "--db",
    o.db,
    "--redis",
    o.redis,
    "--node-id",
    o.nodeId,
    "--log-level",
    "warn",
    "--no-console",
    "--rate",
    "all=off",
  ];
  if (o.leaseMs !== undefined) args.push("--redis-lease-ms", String(o.leaseMs));
  if (o.heartbeatMs !== undefined) args.push("--redis-heartbeat-ms", String(o.heartbeatMs));
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, HERALD_TOKEN_SECRET: o.tokenSecret, HERALD_REDIS_PREFIX: o.keyPrefix },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before listening:\n${out}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { url, port: Number(new URL(url).port), server: undefined, process: child };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * What `startServer` returns when the tests target a cluster (`HERALD_TEST_TARGET=cluster`): three
 * nodes behind the balancer, seen as one server at the balancer's URL.
 */
export async function startClusterAsServer(options: ServerOptions): Promise<{
  server: HeraldServer;
  url: string;
  port: number;
  dbPath: string;
  close(): Promise<void>;
}> {
  const { db: _db, port: _port, ...rest } = options;
  const cluster = await startCluster({ nodes: 3, ...rest });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= cluster.close();
    return closing;
  };
  const server: HeraldServer = {
    port: cluster.port,
    host: "127.0.0.1",
    url: cluster.url,
    dbPath: cluster.db,
    consoleUrl: undefined,
    get sessionCount() {
      return cluster.nodes.reduce((n, node) => n + (node.server?.sessionCount ?? 0), 0);
    },
    metricsPort: undefined,
    nodeId: undefined,
    close,
  };
  return { server, url: cluster.url, port: cluster.port, dbPath: cluster.db, close };
}

/** True when the tests target a cluster rather than a single server. */
export function targetsCluster(): boolean {
  return process.env.HERALD_TEST_TARGET === "cluster";
}
