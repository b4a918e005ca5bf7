// `npx tsx bench/cluster.ts`: persisted send -> ack through the storage layer, PostgreSQL next to
// SQLite, in one run. "Ack" is the moment `messages.insert` resolves: the batch holding the message
// has committed, which is when the server may acknowledge a send. Two loads:
//
// - sequential: one sender, one message in flight (latency-bound, one commit per message);
// - concurrent: BENCH_SENDERS senders each with one message in flight (commits are shared by the
//   messages of one event-loop turn, so this is the throughput figure).
//
// The engines take turns (A B A B, BENCH_ROUNDS rounds, which goes first alternates) so drift in
// machine load falls on both alike; medians and the PostgreSQL / SQLite ratio are printed.
// SQLite: a file in a temporary folder, WAL, synchronous=NORMAL (the server's settings).
// PostgreSQL: a private server started here with its default durability (fsync on,
// synchronous_commit on), over TCP on 127.0.0.1.
//
// BENCH_MESSAGES (per round and load, default 2000), BENCH_SENDERS (default 50), BENCH_ROUNDS (default 3).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AsyncStorage, NewMessage } from "../src/server/storage/async-storage.js";
import { openDatabase } from "../src/server/storage/database.js";
import { createPostgresStorage } from "../src/server/storage/postgres/postgres-storage.js";
import { createSqliteStorage } from "../src/server/storage/sqlite-async.js";
import { postgresSkipReason, startPostgres } from "../test/helpers/postgres.js";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const missing = postgresSkipReason();
if (missing !== undefined) {
  console.error(`cannot run: ${missing}`);
  process.exit(1);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

function message(channelId: string, senderId: string): NewMessage {
  const now = Date.now();
  return {
    id: randomUUID(),
    channel_id: channelId,
    code: 0,
    sender_id: senderId,
    username: "bench",
    content: '{"text":"hello, this is a chat message of a typical length"}',
    create_time: now,
    update_time: now,
    client_msg_id: randomUUID(),
    room_name: "bench",
    group_id: "",
    user_id_one: "",
    user_id_two: "",
  };
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  stored: number;
}

async function sequential(storage: AsyncStorage, count: number): Promise<Result> {
  const channel = `2...seq-${randomUUID()}`;
  const sender = randomUUID();
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await storage.messages.insert(message(channel, sender));
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const stored = (await storage.messages.after(channel, 0, count + 1)).length;
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    stored,
  };
}

async function concurrent(storage: AsyncStorage, count: number, senders: number): Promise<Result> {
  const channel = `2...conc-${randomUUID()}`;
  const latencies: number[] = [];
  const each = Math.ceil(count / senders);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      const sender = randomUUID();
      for (let i = 0; i < each; i++) {
        const t = performance.now();
        await storage.messages.insert(message(channel, sender));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  // Paged: the history limit of one call is small on purpose.
  let stored = 0;
  let cursor = 0;
  for (;;) {
    const page = await storage.messages.after(channel, cursor, 1000);
    stored += page.length;
    const last = page.at(-1);
    if (last === undefined) break;
    cursor = last.seq;
  }
  return {
    perSecond: (each * senders) / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    stored: stored === each * senders ? stored : -stored,
  };
}

const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-"));
const pg = await startPostgres({ fsync: "on", full_page_writes: "on" });
try {
  const engines: Record<string, AsyncStorage> = {
    sqlite: createSqliteStorage(await openDatabase(path.join(dir, "bench.db"))),
    postgres: await createPostgresStorage(await pg.createDatabase(), { maxConnections: 4 }),
  };
  const results: Record<string, Record<string, Result[]>> = {
    sqlite: { sequential: [], concurrent: [] },
    postgres: { sequential: [], concurrent: [] },
  };
  // Warm-up: connections, prepared statements, file growth.
  for (const s of Object.values(engines)) await concurrent(s, Math.min(500, MESSAGES), SENDERS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["sqlite", "postgres"] : ["postgres", "sqlite"];
    for (const name of order) {
      const s = engines[name] as AsyncStorage;
      const r = results[name] as Record<string, Result[]>;
      r.sequential?.push(await sequential(s, MESSAGES));
      r.concurrent?.push(await concurrent(s, MESSAGES, SENDERS));
    }
  }
  console.log(
    `persisted send -> ack through the storage layer; ${MESSAGES} messages per load, ${ROUNDS} rounds, medians`,
  );
  for (const load of ["sequential", "concurrent"]) {
    const label = load === "concurrent" ? `concurrent (${SENDERS} senders)` : "sequential (1 sender)";
    console.log(`\n${label}`);
    const rows: Record<string, number> = {};
    for (const name of ["sqlite", "postgres"]) {
      const runs = results[name]?.[load] ?? [];
      const bad = runs.filter((r) => r.stored < 0 || r.stored === 0);
      const perSecond = median(runs.map((r) => r.perSecond));
      rows[name] = perSecond;
      console.log(
        `  ${name.padEnd(9)} ${perSecond.toFixed(0).padStart(7)} acks/s   p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms   p99 ${median(runs.map((r) => r.p99)).toFixed(2)} ms${bad.length ? `   MISSING MESSAGES in ${bad.length} run(s)` : ""}`,
      );
    }
    console.log(`  postgres / sqlite: ${((rows.postgres ?? 0) / (rows.sqlite ?? 1)).toFixed(2)}x acks/s`);
  }
  await Promise.all(Object.values(engines).map((s) => s.close()));
} finally {
  await pg.close();
  rmSync(dir, { recursive: true, force: true });
}
