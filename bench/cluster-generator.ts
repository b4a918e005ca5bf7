// `npm run bench:cluster-generator`: what the fan-out benchmark's counting receivers cost the load
// generator, reading as data arrives (one read per frame or so) against reading on a timer (many
// frames per read; see cluster-receiver.ts), in one run. One node on SQLite in a child process,
// BENCH_MEMBERS counting receivers in one room, one sender at a fixed BENCH_RATE messages/s for
// BENCH_SECONDS (an equal load for both ways, below what the node can do, so neither starves), the
// two ways taking turns for BENCH_ROUNDS rounds. Printed: CPU per delivery of this process (the
// generator: receivers and sender) and of the node, medians and ratios; the node's figure shows
// that reading later does not make the server work harder (its writes never back up).
//
// BENCH_MEMBERS (400), BENCH_RATE (500), BENCH_SECONDS (3), BENCH_ROUNDS (3), BENCH_READ_EVERY_MS (20).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type WebSocket from "ws";
import { auth, call, openWs } from "./cluster-clients.js";
import { cpuMs, newSecret, startNode, stopNode } from "./cluster-nodes.js";
import { CountingReceiver } from "./cluster-receiver.js";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 400);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const READ_EVERY_MS = Number(process.env.BENCH_READ_EVERY_MS ?? 20);

interface Measure {
  generatorUs: number;
  /** The part of `generatorUs` spent in the kernel. */
  kernelUs: number;
  nodeUs: number;
  framesPerRead: number;
  largestRead: number;
  largeReads: number;
  missing: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Sends RATE messages/s for SECONDS and waits for every receiver to count every one. */
async function phase(
  sender: WebSocket,
  channelId: string,
  counters: CountingReceiver[],
  pid: number | undefined,
) {
  for (const r of counters) r.count = 0;
  CountingReceiver.resetStats();
  const total = Math.round(RATE * SECONDS);
  const node0 = cpuMs(pid);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
      while (sent < due) {
        sent += 1;
        sender.send(
          JSON.stringify({ channel_message_send: { channel_id: channelId, content: `{"n":${sent}}` } }),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const expected = total * counters.length;
  const counted = () => counters.reduce((sum, r) => sum + r.count, 0);
  const deadline = performance.now() + 30_000;
  while (counted() < expected && performance.now() < deadline) {
    CountingReceiver.flush();
    await new Promise((r) => setTimeout(r, 2));
  }
  const cpu = process.cpuUsage(cpu0);
  const got = counted();
  const stats = CountingReceiver.readStats();
  return {
    generatorUs: (cpu.user + cpu.system) / got,
    kernelUs: cpu.system / got,
    nodeUs: ((cpuMs(pid) - node0) * 1000) / got,
    framesPerRead: stats.reads > 0 ? stats.frames / stats.reads : Number.NaN,
    largestRead: stats.largestRead,
    largeReads: stats.largeReads,
    missing: expected - got,
  } satisfies Measure;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-generator-"));
  const node = await startNode(path.join(dir, "one.db"), newSecret());
  const counters: CountingReceiver[] = [];
  let sender: WebSocket | undefined;
  try {
    const tag = randomBytes(4).toString("hex");
    const me = await auth(node.url, `s${tag}`);
    sender = await openWs(node.url, me.token, false);
    const join = { channel_join: { target: `bench${tag}`, type: 1, persistence: false } };
    const channelId = ((await call(sender, join)).channel as { id: string }).id;
    for (let i = 0; i < MEMBERS; i++) {
      const user = await auth(node.url, `r${tag}x${i}`);
      const r = await CountingReceiver.open(node.url, `/ws?token=${user.token}&status=false`);
      await r.call(`j${i}`, join);
      r.startCounting();
      counters.push(r);
    }
    await CountingReceiver.settle(counters);
    const ways = [
      { name: "as data arrives", everyMs: 0 },
      { name: `every ${READ_EVERY_MS} ms`, everyMs: READ_EVERY_MS },
    ];
    console.log(
      `${MEMBERS} counting receivers, ${RATE} messages/s (${RATE * MEMBERS} deliveries/s) for ${SECONDS} s, ${ROUNDS} rounds`,
    );
    const results = new Map<string, Measure[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of round % 2 === 0 ? ways : [...ways].reverse()) {
        CountingReceiver.setReadInterval(way.everyMs);
        const m = await phase(sender, channelId, counters, node.proc.pid);
        results.set(way.name, [...(results.get(way.name) ?? []), m]);
        console.log(
          `  round ${round + 1} reading ${way.name}: µs per delivery: generator ${m.generatorUs.toFixed(3)} (kernel ${m.kernelUs.toFixed(3)}), ` +
            `node ${m.nodeUs.toFixed(3)} | ${m.framesPerRead.toFixed(1)} frames per read, largest ${(m.largestRead / 1024).toFixed(0)} KiB, ${m.largeReads} large` +
            `${m.missing !== 0 ? ` | ${m.missing} DELIVERIES MISSING` : ""}`,
        );
      }
    }
    const med = (name: string, f: (m: Measure) => number) => median((results.get(name) ?? []).map(f));
    const [eager, timed] = ways.map((w) => w.name) as [string, string];
    console.log(`\nmedians of ${ROUNDS} rounds`);
    for (const name of [eager, timed])
      console.log(
        `  reading ${name}: generator ${med(name, (m) => m.generatorUs).toFixed(3)} µs per delivery (kernel ${med(name, (m) => m.kernelUs).toFixed(3)}), node ${med(name, (m) => m.nodeUs).toFixed(3)}, ${med(name, (m) => m.framesPerRead).toFixed(1)} frames per read`,
      );
    console.log(
      `  every ${READ_EVERY_MS} ms / as data arrives: generator CPU per delivery ` +
        `${(med(timed, (m) => m.generatorUs) / med(eager, (m) => m.generatorUs)).toFixed(2)}x, node CPU per delivery ` +
        `${(med(timed, (m) => m.nodeUs) / med(eager, (m) => m.nodeUs)).toFixed(2)}x`,
    );
  } finally {
    for (const r of counters) r.close();
    sender?.terminate();
    await stopNode(node);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
