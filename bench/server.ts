// `npm run bench:server`: herald's server next to two minimal raw `ws` broadcast servers, measured
// in turns (A B C A B C) in one run, each in its own child process so its CPU time can be read:
// the ceiling, which frames each broadcast once and writes the same bytes to every socket (as
// herald does), and a reference that calls `ws.send` per recipient. Two scenarios: a room of 500
// member sockets with one sender, and one user's status followed by 500 sessions. Prints
// deliveries per second, send-to-receive latency p50/p99, server CPU per delivery, and each
// server's ratios to the ceiling. Target: herald >= 0.7x the ceiling's throughput.
//
// Sizes can be changed with BENCH_MEMBERS, BENCH_MESSAGES, BENCH_STATUS_UPDATES and BENCH_ROUNDS;
// BENCH_PROFILE=DIR writes a CPU profile of each server process there. BENCH_BASELINE=DIR (another
// built checkout of herald, e.g. before a change) adds its server to the turns, and prints the
// ratios of herald to it: before/after figures taken in one run. BENCH_COUNT_WRITES=1 counts each
// server's socket writes (calls into the kernel) and prints them per 100 deliveries. BENCH_SCENARIOS
// ("room,status") picks the scenarios. Rounds run the servers in turn, every other round in reverse.
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import { built } from "./built.js";
import { startRawWsServer } from "./raw-ws-server.js";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 500);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const STATUS_UPDATES = Number(process.env.BENCH_STATUS_UPDATES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** BENCH_SCENARIOS: "room,status" (both, the default), or one of them. */
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "room,status").split(",") as ("room" | "status")[];
/** Requests the sender keeps in flight. */
const WINDOW = 64;
/** Receivers that parse every frame for latency and order; the others only count. */
const SAMPLED = 25;
const RUN_TIMEOUT_MS = 180_000;

const BASELINE = process.env.BENCH_BASELINE;
const COUNT_WRITES = process.env.BENCH_COUNT_WRITES === "1";

/** Socket writes of this process so far (counted with BENCH_COUNT_WRITES=1). */
let socketWrites = 0;

/** Counts every socket's `_write` and `_writev`, each one write (or writev) system call at most. */
function countSocketWrites(): void {
  const proto = Socket.prototype as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
  for (const name of ["_write", "_writev"] as const) {
    const original = proto[name];
    proto[name] = function (this: Socket, ...args: unknown[]) {
      socketWrites += 1;
      original.apply(this, args);
    };
  }
}

/** `raw`: the ceiling (framed once); `wssend`: `ws.send` per recipient; `baseline`: BENCH_BASELINE. */
type ServerKind = "herald" | "baseline" | "raw" | "wssend";
const KINDS: readonly ServerKind[] = BASELINE
  ? ["herald", "baseline", "raw", "wssend"]
  : ["herald", "raw", "wssend"];
const LABELS: Record<ServerKind, string> = {
  herald: "herald",
  baseline: "herald baseline (BENCH_BASELINE)",
  raw: "raw ws, framed once (ceiling)",
  wssend: "raw ws, ws.send per recipient",
};
type Scenario = "room" | "status";

// ---------- child processes: the servers under test ----------

async function runChild(kind: ServerKind): Promise<void> {
  if (COUNT_WRITES) countSocketWrites();
  let port: number;
  let stop: () => Promise<void>;
  if (kind === "herald" || kind === "baseline") {
    const { createServer } =
      kind === "herald"
        ? await built<typeof import("../src/server/index.js")>("server/index.js")
        : ((await import(
            pathToFileURL(path.resolve(BASELINE ?? ".", "dist/server/index.js")).href
          )) as typeof import("../src/server/index.js"));
    const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-"));
    // The load generator signs up and sends far faster than any one user may: no rate limits here.
    const server = await createServer({
      port: 0,
      db: path.join(dir, "bench.db"),
      logLevel: "silent",
      rateLimits: false,
    });
    port = server.port;
    stop = async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    ({ port, stop } = await startRawWsServer(kind === "raw" ? "framed" : "ws-send"));
  }
  process.send?.({ port });
  process.on("message", (m) => {
    if (m === "cpu") {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system, writes: socketWrites });
    } else if (m === "exit") {
      void stop().then(() => process.exit(0));
    }
  });
}

// ---------- the harness ----------

/** A child's CPU time so far (µs) and its socket writes (counted with BENCH_COUNT_WRITES=1). */
interface Usage {
  cpu: number;
  writes: number;
}

interface Child {
  port: number;
  usage(): Promise<Usage>;
  exit(): Promise<void>;
}

function startChild(kind: ServerKind): Promise<Child> {
  // BENCH_PROFILE=DIR writes a CPU profile of each server process into DIR.
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const child = fork(fileURLToPath(import.meta.url), ["--child", kind], {
    execArgv: ["--import", "tsx", ...profile],
  });
  const replies: ((m: Usage) => void)[] = [];
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: { port?: number; cpu?: number; writes?: number }) => {
      if (m.port !== undefined) {
        resolve({
          port: m.port,
          usage: () =>
            new Promise((r) => {
              replies.push(r);
              child.send("cpu");
            }),
          exit: () =>
            new Promise((r) => {
              child.once("exit", () => r());
              child.send("exit");
            }),
        });
      } else if (m.cpu !== undefined) {
        replies.shift()?.({ cpu: m.cpu, writes: m.writes ?? 0 });
      }
    });
  });
}

async function authenticate(base: string, i: number): Promise<{ token: string; userId: string }> {
  const res = await fetch(
    `${base}/v2/account/authenticate/device?create=true&username=bench${i}x${randomUUID().slice(0, 8)}`,
    {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from("defaultkey:").toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ id: `bench-device-${randomUUID()}` }),
    },
  );
  if (!res.ok) throw new Error(`authenticate: HTTP ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
    uid: string;
  };
  return { token, userId: claims.uid };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Sends one request and resolves with its reply (herald setup only). */
function request(ws: WebSocket, envelope: Record<string, unknown>): Promise<string> {
  const cid = randomUUID();
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.includes(`"cid":"${cid}"`)) {
        ws.off("message", onMessage);
        resolve(text);
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ cid, ...envelope }));
  });
}

interface RunResult {
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  cpuPerDeliveryUs: number;
  /** Socket writes per 100 deliveries (NaN unless BENCH_COUNT_WRITES=1). */
  writesPer100: number;
  problems: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Pulls the payload (`{"t":..,"i":..}`) out of a delivered frame of either server. */
function payloadOf(scenario: Scenario, text: string): { t: number; i: number } {
  const env = JSON.parse(text) as {
    channel_message?: { content: string };
    status_presence_event?: { joins?: { status?: string }[] };
  };
  const raw =
    scenario === "room" ? env.channel_message?.content : env.status_presence_event?.joins?.[0]?.status;
  return JSON.parse(raw ?? "{}") as { t: number; i: number };
}

async function run(kind: ServerKind, scenario: Scenario): Promise<RunResult> {
  const child = await startChild(kind);
  const base = `http://127.0.0.1:${child.port}`;
  const wsBase = `ws://127.0.0.1:${child.port}`;
  const total = scenario === "room" ? MESSAGES : STATUS_UPDATES;
  const marker = scenario === "room" ? '{"channel_message"' : '{"status_presence_event"';
  const sockets: WebSocket[] = [];
  try {
    // Setup: the sender and MEMBERS receivers, each its own user on herald.
    let sender: WebSocket;
    let senderUser = "";
    const isHerald = kind === "herald" || kind === "baseline";
    if (isHerald) {
      const users = [];
      for (let i = 0; i <= MEMBERS; i += 50) {
        users.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(50, MEMBERS + 1 - i) }, (_, k) => authenticate(base, i + k)),
          )),
        );
      }
      const [first, ...rest] = users;
      if (first === undefined) throw new Error("no users");
      senderUser = first.userId;
      sender = await open(`${wsBase}/ws?token=${first.token}`);
      for (let i = 0; i < rest.length; i += 50) {
        sockets.push(
          ...(await Promise.all(rest.slice(i, i + 50).map((u) => open(`${wsBase}/ws?token=${u.token}`)))),
        );
      }
      if (scenario === "room") {
        await request(sender, { channel_join: { target: "bench", type: 1, hidden: true } });
        // Hidden joins: the room's join storm would only slow the setup down, not the measurement.
        await Promise.all(
          sockets.map((ws) => request(ws, { channel_join: { target: "bench", type: 1, hidden: true } })),
        );
      } else {
        await Promise.all(sockets.map((ws) => request(ws, { status_follow: { user_ids: [senderUser] } })));
      }
    } else {
      sender = await open(wsBase);
      for (let i = 0; i < MEMBERS; i += 50) {
        sockets.push(
          ...(await Promise.all(Array.from({ length: Math.min(50, MEMBERS - i) }, () => open(wsBase)))),
        );
      }
    }

    // Receivers: count frames of the measured kind; the sampled ones also check order and latency.
    const counts = new Array<number>(sockets.length).fill(0);
    const latencies: number[] = [];
    const problems: string[] = [];
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let tEnd = 0;
    sockets.forEach((ws, r) => {
      const sampled = r < SAMPLED;
      ws.on("message", (data) => {
        const text = data.toString();
        if (!text.startsWith(marker)) return;
        const n = counts[r] as number;
        if (sampled) {
          const p = payloadOf(scenario, text);
          latencies.push(performance.now() - p.t);
          if (p.i !== n) problems.push(`receiver ${r}: got #${p.i}, expected #${n}`);
        }
        counts[r] = n + 1;
        if (n + 1 === total) {
          done += 1;
          if (done === sockets.length) {
            tEnd = performance.now();
            finish();
          }
        }
      });
      ws.on("close", () => {
        if ((counts[r] as number) < total) problems.push(`receiver ${r} disconnected`);
      });
    });

    // The sender keeps WINDOW requests in flight, sending the next on each reply.
    let sent = 0;
    const sendNext = () => {
      if (sent >= total) return;
      const i = sent++;
      const payload = JSON.stringify({ t: performance.now(), i });
      if (!isHerald) sender.send(`${scenario}|${i}|${payload}`);
      else if (scenario === "room")
        sender.send(
          JSON.stringify({
            cid: String(i),
            channel_message_send: { channel_id: "2...bench", content: payload },
          }),
        );
      else sender.send(JSON.stringify({ cid: String(i), status_update: { status: payload } }));
    };
    sender.on("message", (data) => {
      if (data.toString().startsWith('{"cid"')) sendNext();
    });
    const before = await child.usage();
    const tStart = performance.now();
    for (let k = 0; k < WINDOW; k++) sendNext();
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), RUN_TIMEOUT_MS).unref(),
    );
    if ((await Promise.race([finished, timeout])) === "timeout") {
      const missing = counts.reduce((sum, c) => sum + (total - c), 0);
      problems.push(`timed out with ${missing} deliveries missing`);
      tEnd = performance.now();
    }
    const after = await child.usage();
    const deliveries = counts.reduce((a, b) => a + Math.min(b, total), 0);
    latencies.sort((a, b) => a - b);
    sender.close();
    return {
      deliveriesPerSec: deliveries / ((tEnd - tStart) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      cpuPerDeliveryUs: (after.cpu - before.cpu) / deliveries,
      writesPer100: COUNT_WRITES ? ((after.writes - before.writes) * 100) / deliveries : Number.NaN,
      problems,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await child.exit();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * herald's CPU per delivery over the baseline's, each round's pair on its own (they ran next to
 * each other), with the median and the range: the spread says how far the machine's noise goes.
 */
function pairRatios(results: Record<ServerKind, RunResult[]>): string {
  const list = results.herald.map(
    (r, i) => r.cpuPerDeliveryUs / (results.baseline[i]?.cpuPerDeliveryUs ?? Number.NaN),
  );
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const med =
    sorted.length % 2 === 1 ? sorted[Math.floor(mid)] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return (
    `${list.map((x) => x.toFixed(2)).join(", ")}; median ${(med ?? Number.NaN).toFixed(2)}x, ` +
    `range ${(sorted[0] ?? Number.NaN).toFixed(2)}x to ${(sorted.at(-1) ?? Number.NaN).toFixed(2)}x`
  );
}

/** `a / b` as a ratio, e.g. `0.95x`. */
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  console.log(
    `herald server benchmark: ${MEMBERS} members, ${MESSAGES} room messages, ${STATUS_UPDATES} status updates, ` +
      `${ROUNDS} rounds A B C C B A, sender window ${WINDOW}, latency sampled on ${SAMPLED} receivers`,
  );
  const rows: string[][] = [];
  const summary: string[] = [];
  let invalid = false;
  for (const scenario of SCENARIOS) {
    const results: Record<ServerKind, RunResult[]> = { herald: [], baseline: [], raw: [], wssend: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round in reverse, so that no server always runs first or after the same one.
      for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
        const r = await run(kind, scenario);
        results[kind].push(r);
        console.log(
          `  ${scenario} ${kind} round ${round + 1}: ${Math.round(r.deliveriesPerSec)} deliveries/s, ` +
            `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.cpuPerDeliveryUs.toFixed(2)} µs CPU/delivery` +
            (COUNT_WRITES ? `, ${r.writesPer100.toFixed(2)} writes/100 deliveries` : "") +
            (r.problems.length ? `  INVALID: ${r.problems.slice(0, 3).join("; ")}` : ""),
        );
        if (r.problems.length) invalid = true;
      }
    }
    const m = (kind: ServerKind, f: (r: RunResult) => number) => median(results[kind].map(f));
    const rate = (kind: ServerKind) => m(kind, (r) => r.deliveriesPerSec);
    const cpu = (kind: ServerKind) => m(kind, (r) => r.cpuPerDeliveryUs);
    for (const kind of KINDS) {
      rows.push([
        scenario,
        LABELS[kind],
        String(Math.round(rate(kind))),
        m(kind, (r) => r.p50).toFixed(1),
        m(kind, (r) => r.p99).toFixed(1),
        cpu(kind).toFixed(2),
        kind === "raw" ? "" : ratio(rate(kind), rate("raw")),
        kind === "raw" ? "" : ratio(cpu(kind), cpu("raw")),
        ...(COUNT_WRITES ? [m(kind, (r) => r.writesPer100).toFixed(2)] : []),
      ]);
    }
    summary.push(
      `${scenario}: herald ${ratio(rate("herald"), rate("raw"))} the ceiling's throughput at ` +
        `${ratio(cpu("herald"), cpu("raw"))} its CPU per delivery; ` +
        `${ratio(rate("herald"), rate("wssend"))} ws.send per recipient's throughput at ` +
        `${ratio(cpu("herald"), cpu("wssend"))} its CPU per delivery` +
        (BASELINE
          ? `; ${ratio(rate("herald"), rate("baseline"))} the baseline's throughput at ` +
            `${ratio(cpu("herald"), cpu("baseline"))} its CPU per delivery` +
            `; herald / baseline CPU per delivery round by round: ${pairRatios(results)}`
          : ""),
    );
  }
  const header = [
    "scenario",
    "server",
    "deliveries/s",
    "p50 ms",
    "p99 ms",
    "CPU µs/delivery",
    "throughput vs ceiling",
    "CPU vs ceiling",
    ...(COUNT_WRITES ? ["writes/100 deliveries"] : []),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
  console.log(`\n${summary.join("\n")}`);
  console.log("\nMedians over the rounds. Target: herald throughput >= 0.7x the ceiling's.");
  if (invalid) {
    console.log(
      "Some runs had missing, duplicate or out-of-order deliveries or disconnects: results are invalid.",
    );
    process.exitCode = 1;
  }
}

if (process.argv[2] === "--child") {
  const kind = KINDS.find((k) => k === process.argv[3]);
  if (kind === undefined) throw new Error(`unknown server kind: ${process.argv[3]}`);
  await runChild(kind);
} else await main();
