// A node's Redis connections, wrapped so that a test can hold or drop the publishes it receives
// that carry a given text: another node's publish arriving late, or never (a node killed between
// its commit and its publish, a publish Redis lost).

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { openRedis, type RedisConnection } from "../../src/server/cluster/redis-connection.js";
import { createServer, type HeraldServer, type ServerOptions } from "../../src/server/index.js";
import { clusterDatabase } from "../helpers/cluster.js";
import { findPostgres } from "../helpers/postgres.js";
import { startRedis } from "../helpers/redis.js";

type Listener = (channel: Buffer, data: Buffer) => void;

/** What happens to a received publish that carries the text. */
export type FilterMode = "hold" | "drop";

/** Wraps the connections a node opens (pass `createClient` in its `redis` options). */
export function filteringRedis(url: string) {
  const rules = new Map<string, FilterMode>();
  const held: { text: string; data: Buffer; pass: () => void }[] = [];
  /** Every publish received, as passed on (its bytes), for tests that wait for one. */
  const passed: Buffer[] = [];
  const dropped: string[] = [];
  const connections: RedisConnection[] = [];
  let asked = 0;
  return {
    /**
     * The connections, in the order they were asked for (a node asks for its command connection,
     * then its subscriber), whichever finished opening first.
     */
    connections,
    held,
    passed,
    dropped,
    /** Holds (or drops) from now on each received publish that carries `text` (`""`: every one). */
    filter(text: string, mode: FilterMode): void {
      rules.set(text, mode);
    },
    /** Lets the held publishes carrying `text` through, in the order they came, and stops holding it. */
    release(text: string): void {
      rules.delete(text);
      for (const h of held.filter((x) => x.text === text)) {
        held.splice(held.indexOf(h), 1);
        h.pass();
      }
    },
    /** True once a publish carrying `text` was passed on to the node. */
    sawPassed(text: string): boolean {
      return passed.some((data) => data.includes(text));
    },
    async createClient(): Promise<RedisConnection> {
      // The slot is taken before the connection opens: the two open at once, in either order.
      const at = asked++;
      const conn = await openRedis(url);
      connections[at] = conn;
      const on = conn.on.bind(conn) as (event: string, listener: (...args: never[]) => void) => unknown;
      // The adapter hears publishes through this event: each is passed on, held or dropped.
      (conn as { on: unknown }).on = (event: string, listener: (...args: never[]) => void) =>
        on(
          event,
          event !== "messageBuffer"
            ? listener
            : (channel: Buffer, data: Buffer) => {
                const pass = () => {
                  passed.push(data);
                  (listener as Listener)(channel, data);
                };
                const rule = [...rules].find(([text]) => data.includes(text));
                if (rule === undefined) pass();
                else if (rule[1] === "hold") held.push({ text: rule[0], data, pass });
                else dropped.push(rule[0]);
              },
        );
      return conn;
    },
  };
}

/** The engines a filtered cluster runs on here: an SQLite file, and PostgreSQL when installed. */
export const filteredEngines = [
  "sqlite",
  ...("bin" in findPostgres() ? (["postgres"] as const) : []),
] as const;

/** Lease timing given to every node of {@link filteredNodes} (see the server's `redis` options). */
export interface LeaseTiming {
  heartbeatMs?: number;
  leaseMs?: number;
}

/** What {@link filteredNodes} started. */
export interface FilteredNodes {
  nodes: HeraldServer[];
  gate: ReturnType<typeof filteringRedis>;
  /** The database the nodes share, as given to them. */
  db: string;
  /** The Redis and key prefix the nodes share (for another node of the cluster). */
  redisUrl: string;
  keyPrefix: string;
}

/**
 * `count` nodes on one Redis and one database (`engine`), closed after the test; node 1's received
 * publishes go through a {@link filteringRedis} filter, and `node1` adds to its options.
 */
export async function filteredNodes(
  t: TestContext,
  engine: "sqlite" | "postgres",
  count: number,
  node1: ServerOptions = {},
  timing: LeaseTiming = {},
): Promise<FilteredNodes> {
  const redis = await startRedis();
  const dir = mkdtempSync(path.join(tmpdir(), "herald-filtered-"));
  const closing: (() => Promise<void>)[] = [];
  // One hook, in this order: the nodes leave Redis before it stops.
  t.after(async () => {
    // The test's redis-server does not keep the process alive, and once every socket is closed
    // nothing else may: this timer does, until it has exited.
    const alive = setInterval(() => {}, 1000);
    try {
      for (const close of closing.reverse()) await close();
      await redis.close();
    } finally {
      clearInterval(alive);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const db = await clusterDatabase(dir, engine);
  const tokenSecret = randomBytes(32).toString("base64");
  const keyPrefix = `herald-${randomBytes(6).toString("hex")}:`;
  const gate = filteringRedis(redis.url);
  const common = { port: 0, logLevel: "silent", rateLimits: false, db, tokenSecret } as const;
  const nodes: HeraldServer[] = [];
  // One after the other: the first one creates the database's schema. The server hands its
  // `redis` options on to its Redis adapter, whose `createClient` makes the connections (not a
  // server option of its own: passed through a variable).
  for (let i = 0; i < count; i++) {
    const redisOptions =
      i === 0
        ? { url: redis.url, keyPrefix, ...timing, createClient: gate.createClient }
        : { url: redis.url, keyPrefix, ...timing };
    const node = await createServer({ ...common, ...(i === 0 ? node1 : {}), redis: redisOptions });
    closing.push(() => node.close());
    nodes.push(node);
  }
  return { nodes, gate, db, redisUrl: redis.url, keyPrefix };
}
