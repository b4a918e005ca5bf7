// `npm run bench:ack`: send -> ack throughput of persisted chat messages. One raw `ws` client
// sends `channelMessageSend` requests (persistence on, a client message id each, as herald's SDK
// sends them) as fast as acks allow, with a window of N requests in flight (N=1: each waits for
// the previous ack), to:
//   - herald's server on an SQLite file with `synchronous: "normal"` (the default),
//   - the same with `synchronous: "full"` (one disk flush per commit),
//   - the same on `:memory:` (no disk at all),
//   - herald on PostgreSQL, when asked for (below),
//   - and, as the baseline, a raw `ws` server echoing each frame back (the client counts the echo
//     as the ack): what one socket can do with no server work at all.
// Client and servers share this process, as in the other benches. Runs are short and the targets
// take turns run by run, in a rotated order each round, so a change in machine load falls on all
// alike; printed are the median messages/s of the rounds and the median of each round's ratio to
// the echo run of that round. An error reply or a missing ack invalidates a run and is printed.
// Each herald target's metrics endpoint gives the messages per commit.
//
// BENCH_MESSAGES (per run, default 500), BENCH_ROUNDS (default 10), BENCH_WINDOWS (comma-separated
// window sizes, default "1,32"), BENCH_FORMAT (json or protobuf, default json), BENCH_CLIENT_MSG_ID
// (0: send without client message ids, default 1), BENCH_SOCKETS (sockets sending at once, each
// to a room of its own, the run's messages shared out among them; default 1).
// `--postgres` starts a throwaway PostgreSQL server (durable settings: fsync and synchronous
// commit on) for one more target; `--db postgres://...` uses an existing database instead. A build
// whose server does not take a PostgreSQL URL prints "postgres: not available in this build".
//
// Measured 2026-11-30 on the 2-vCPU development machine (ext4 disk) while other test suites kept
// it busy (load average 10-13), so absolute msg/s are far below an idle machine's and the echo
// baseline itself moved 2x between runs: compare the ratios to the echo of the same run. json,
// client message ids, 400 messages x 4 rounds, medians, PostgreSQL with durable settings:
//
//                            before            after (a socket's sends share commits)
//   1 socket,  window 1:     postgres 0.02x    0.02x (nothing to share: one send in flight)
//   1 socket,  window 32:    postgres 0.01x    0.12x, 16 messages per commit (was 1)
//                            sqlite full 0.01x 0.15x; normal 0.08x -> 0.36x; :memory: 0.18x -> 0.47x
//   8 sockets, window 1:     postgres 0.05x    0.14x, 8 per commit (was 3.4)
//   8 sockets, window 32:    postgres 0.02x    0.18x, 57 per commit (was 4.1)
//                            sqlite full 0.14x 0.19x, 80 per commit (was 8)
// A socket's sends are staged in turn without waiting for the previous commit (at most 16 wait on
// storage per socket), so a window of 32 now shares commits; with 8 sockets at window 1 PostgreSQL
// also gathers all 8 into one commit, as a client message id lookup no longer waits for the
// commits in flight.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket, { WebSocketServer } from "ws";
import type { Codec } from "../src/protocol/codec.js";
import type { HeraldServer, ServerOptions } from "../src/server/index.js";
import { built } from "./built.js";

const { ChannelType, Client, jsonCodec } = await built<typeof import("../src/index.js")>("index.js");
const { protobufCodec } = await built<typeof import("../src/protobuf.js")>("protobuf.js");
const { createServer } = await built<typeof import("../src/server/index.js")>("server/index.js");

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const WINDOWS = (process.env.BENCH_WINDOWS ?? "1,32").split(",").map(Number);
const codec: Codec = process.env.BENCH_FORMAT === "protobuf" ? protobufCodec : jsonCodec;
const withClientMsgId = process.env.BENCH_CLIENT_MSG_ID !== "0";
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1);
/** Messages a run sends in all: the same share for each socket. */
const PER_RUN = Math.ceil(MESSAGES / SOCKETS) * SOCKETS;
const args = process.argv.slice(2);
const dbArg = args.indexOf("--db");
const postgresUrl = dbArg >= 0 ? args[dbArg + 1] : undefined;
const startPg = args.includes("--postgres");
if (
  !Number.isInteger(MESSAGES) ||
  MESSAGES < 1 ||
  !Number.isInteger(ROUNDS) ||
  ROUNDS < 1 ||
  !Number.isInteger(SOCKETS) ||
  SOCKETS < 1 ||
  WINDOWS.some((w) => !Number.isInteger(w) || w < 1) ||
  (dbArg >= 0 && !postgresUrl?.startsWith("postgres"))
) {
  console.error("usage: tsx bench/ack.ts [--postgres | --db postgres://...]  (see the header for BENCH_*)");
  process.exit(2);
}

/** A connected client: sends frames, counts the acks by cid, runs windows of requests. */
interface AckClient {
  /** Sends `count` persisted messages with at most `window` in flight; resolves with what came back. */
  run(count: number, window: number): Promise<{ ms: number; acked: number; errors: string[] }>;
  close(): void;
}

/** One target the client sends to. */
interface Target {
  name: string;
  client: AckClient;
  /** Commits and messages committed so far, from herald's metrics endpoint (none for the echo). */
  commits?(): Promise<{ commits: number; messages: number }>;
  close(): Promise<void>;
}

/** Several clients run as one: each sends its share of the messages, all at once. */
function together(clients: AckClient[]): AckClient {
  return {
    async run(count, window) {
      const share = Math.ceil(count / clients.length);
      const runs = await Promise.all(clients.map((c) => c.run(share, window)));
      return {
        ms: Math.max(...runs.map((r) => r.ms)),
        acked: runs.reduce((sum, r) => sum + r.acked, 0),
        errors: runs.flatMap((r) => r.errors),
      };
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

async function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return ws;
}

/**
 * The client: the same code for every target. `ackKind` is the envelope kind that answers a send
 * (`channelMessageAck` from herald, the send itself from the echo server).
 */
function ackClient(ws: WebSocket, channelId: string, ackKind: string): AckClient {
  let next = 0;
  let onReply: ((kind: string, message: string) => void) | undefined;
  ws.on("message", (data: ArrayBuffer | Buffer, isBinary: boolean) => {
    const envelope = codec.decodeEnvelope(isBinary ? new Uint8Array(data as ArrayBuffer) : data.toString());
    // Pushes of our own message to our own socket are not acks; only replies carry a cid.
    if (envelope.cid === undefined || envelope.cid === "") return;
    const message = envelope.kind === "error" ? (envelope.body as { message: string }).message : "";
    onReply?.(envelope.kind, message);
  });
  const send = () => {
    next += 1;
    const cid = String(next);
    ws.send(
      codec.encodeEnvelope({
        cid,
        kind: "channelMessageSend",
        body: {
          channelId,
          content: JSON.stringify({ n: next }),
          ...(withClientMsgId && { clientMsgId: `m${next}` }),
        },
      }),
    );
  };
  return {
    run(count, window) {
      return new Promise((resolve) => {
        let sent = 0;
        let answered = 0;
        let acked = 0;
        const errors: string[] = [];
        const started = performance.now();
        const done = (why?: string) => {
          onReply = undefined;
          clearTimeout(stall);
          if (why !== undefined) errors.push(why);
          resolve({ ms: performance.now() - started, acked, errors });
        };
        // A run that stops getting answers is reported, not waited for forever.
        const stall = setTimeout(() => done(`stalled after ${answered} answers`), 30_000);
        onReply = (kind, message) => {
          answered += 1;
          if (kind === ackKind) acked += 1;
          else if (errors.length < 5) errors.push(`${kind}: ${message}`);
          if (answered === count) return done();
          stall.refresh();
          if (sent < count) {
            sent += 1;
            send();
          }
        };
        for (; sent < Math.min(window, count); sent += 1) send();
      });
    },
    close: () => ws.close(),
  };
}

async function heraldTarget(name: string, options: ServerOptions, cleanup = () => {}): Promise<Target> {
  let server: HeraldServer;
  try {
    server = await createServer({
      port: 0,
      logLevel: "silent",
      rateLimits: false,
      console: false,
      metricsPort: 0,
      ...options,
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  const format = codec.format === "json" ? "" : `&format=${codec.format}`;
  const clients: AckClient[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const session = await new Client({ port: server.port }).authenticateDevice({
      id: `bench-ack-${name.replace(/\W+/g, "-")}-${i}`,
      create: true,
    });
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws?token=${session.token}&status=false${format}`);
    const joined = await new Promise<string>((resolve, reject) => {
      ws.once("message", (data: ArrayBuffer | Buffer, isBinary: boolean) => {
        const e = codec.decodeEnvelope(isBinary ? new Uint8Array(data as ArrayBuffer) : data.toString());
        if (e.kind === "channel") resolve(e.body.id);
        else reject(new Error(`join failed: ${JSON.stringify(e)}`));
      });
      ws.send(
        codec.encodeEnvelope({
          cid: "join",
          kind: "channelJoin",
          body: { target: `ack-${i}`, type: ChannelType.Room, persistence: true, hidden: true },
        }),
      );
    });
    clients.push(ackClient(ws, joined, "channelMessageAck"));
  }
  const client = together(clients);
  return {
    name,
    client,
    async commits() {
      const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      const sample = (name: string) =>
        Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
      return {
        commits: sample("herald_message_commit_batch_size_count"),
        messages: sample("herald_message_commit_batch_size_sum"),
      };
    },
    async close() {
      client.close();
      await server.close();
      cleanup();
    },
  };
}

async function echoTarget(): Promise<Target> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  const clients: AckClient[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const ws = await connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`);
    clients.push(ackClient(ws, `2...echo-${i}`, "channelMessageSend"));
  }
  const client = together(clients);
  return {
    name: "raw ws echo",
    client,
    async close() {
      client.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

function sqliteFile(name: string, synchronous: "normal" | "full"): Promise<Target> {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-ack-"));
  return heraldTarget(name, { db: path.join(dir, "herald.db"), synchronous }, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
}

const targets: Target[] = [];
let stopPostgres: (() => Promise<void>) | undefined;
try {
  targets.push(await echoTarget());
  targets.push(await heraldTarget("sqlite :memory:", { db: ":memory:" }));
  targets.push(await sqliteFile("sqlite normal", "normal"));
  targets.push(await sqliteFile("sqlite full", "full"));
  let pgUrl = postgresUrl;
  if (pgUrl === undefined && startPg) {
    const { startPostgres } = await import("../test/helpers/postgres.js");
    // Durable settings, to compare with SQLite's: the test defaults turn fsync off.
    const pg = await startPostgres({ fsync: "on", full_page_writes: "on", synchronous_commit: "on" });
    stopPostgres = () => pg.close();
    pgUrl = await pg.createDatabase();
  }
  if (pgUrl !== undefined) {
    try {
      targets.push(await heraldTarget("postgres", { db: pgUrl }));
    } catch (err) {
      console.log(
        `postgres: not available in this build (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }

  // Warm up every path once (JIT, statement caches, the first WAL pages).
  for (const t of targets) await t.client.run(Math.min(500, MESSAGES), 8);

  const results = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  const batches = new Map<string, { commits: number; messages: number }>();
  const invalid: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const window of WINDOWS) {
      const rates = new Map<string, number>();
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + round) % targets.length] as Target;
        const before = await t.commits?.();
        const r = await t.client.run(PER_RUN, window);
        const after = await t.commits?.();
        if (before !== undefined && after !== undefined) {
          const sum = batches.get(`${t.name}\n${window}`) ?? { commits: 0, messages: 0 };
          sum.commits += after.commits - before.commits;
          sum.messages += after.messages - before.messages;
          batches.set(`${t.name}\n${window}`, sum);
        }
        if (r.acked !== PER_RUN || r.errors.length > 0)
          invalid.push(`${t.name}, window ${window}: ${r.acked}/${PER_RUN} acked; ${r.errors.join("; ")}`);
        const key = `${t.name}\n${window}`;
        const rate = (r.acked * 1000) / r.ms;
        rates.set(t.name, rate);
        results.set(key, [...(results.get(key) ?? []), rate]);
      }
      const echo = rates.get("raw ws echo") as number;
      for (const [name, rate] of rates) {
        const key = `${name}\n${window}`;
        ratios.set(key, [...(ratios.get(key) ?? []), rate / echo]);
      }
    }
  }

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  console.log(
    `ack: ${codec.format}, ${PER_RUN} persisted messages per run${withClientMsgId ? " with client message ids" : ""}, ${ROUNDS} rounds (median), ${SOCKETS === 1 ? "one socket" : `${SOCKETS} sockets at once`}`,
  );
  for (const window of WINDOWS) {
    console.log(`  window ${window}${window === 1 ? " (each send waits for the previous ack)" : ""}:`);
    for (const t of targets) {
      const perSecond = median(results.get(`${t.name}\n${window}`) ?? []);
      const b = batches.get(`${t.name}\n${window}`);
      const perCommit = b === undefined ? "" : `, ${(b.messages / b.commits).toFixed(1)} messages per commit`;
      console.log(
        `    ${t.name.padEnd(16)} ${Math.round(perSecond).toLocaleString("en-US").padStart(8)} msg/s  ${median(ratios.get(`${t.name}\n${window}`) ?? []).toFixed(2)}x the echo baseline${perCommit}`,
      );
    }
  }
  if (invalid.length > 0) {
    console.log("INVALID runs (errors or missing acks):");
    for (const line of invalid) console.log(`  ${line}`);
    process.exitCode = 1;
  }
} finally {
  for (const t of targets) await t.close();
  await stopPostgres?.();
}
