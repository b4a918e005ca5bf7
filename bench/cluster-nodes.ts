// The servers of the cluster benchmark: herald nodes as child processes running the CLI, and the
// CPU time of any process read from /proc, so nodes, Redis and the load generator are measured
// apart.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A herald node running in a child process. */
export interface BenchNode {
  url: string;
  proc: ChildProcess;
}

/**
 * Starts a node on `db`, in a cluster when `redis` is given; resolves once it listens. `checkout`
 * runs the server of another copy of the repository (a baseline), with this one's packages.
 */
export async function startNode(
  db: string,
  secret: string,
  redis?: { url: string; prefix: string },
  extraArgs: string[] = [],
  checkout = repo,
): Promise<BenchNode> {
  const args = ["--import", "tsx", ...extraArgs, path.join(checkout, "src/server/cli.ts")];
  args.push("--port", "0", "--db", db, "--log-level", "warn", "--no-console", "--rate", "all=off");
  if (redis !== undefined) args.push("--redis", redis.url, "--redis-prefix", redis.prefix);
  const proc = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, HERALD_TOKEN_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let listening: string | undefined;
    proc.stdout?.on("data", (d: Buffer) => {
      // Once it listens, what a node logs (warnings and errors: a slow reader closed, Redis
      // lost) is shown, since it can explain missing deliveries.
      if (listening !== undefined) {
        process.stderr.write(`  [node ${listening}] ${d.toString()}`);
        return;
      }
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        listening = new URL(m[1]).port;
        resolve(m[1]);
      }
    });
    proc.once("exit", (code) => reject(new Error(`node exited (${code})`)));
  });
  return { url, proc };
}

/** Stops a node and waits for it to exit (SIGTERM: a `--cpu-prof` profile is written on the way out). */
export async function stopNode(node: BenchNode): Promise<void> {
  if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.proc.once("exit", () => resolve()));
  node.proc.kill("SIGTERM");
  const timer = setTimeout(() => node.proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (ms, user + system) a process has used so far, from /proc; 0 when it is gone. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * Write system calls (write, writev, sendto, ...) a process has made so far, from /proc; 0 when it
 * is gone. A node's socket writes are most of what a delivery costs it, and unlike CPU time their
 * count hardly depends on what else the machine is doing.
 */
export function writeCalls(pid: number | undefined): number {
  return ioCalls(pid, "syscw");
}

/** Read system calls (read, recvfrom, ...) a process has made so far, from /proc; 0 when it is gone. */
export function readCalls(pid: number | undefined): number {
  return ioCalls(pid, "syscr");
}

function ioCalls(pid: number | undefined, field: "syscr" | "syscw"): number {
  if (pid === undefined) return 0;
  try {
    const m = new RegExp(`^${field}:\\s*(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return Number(m?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) the whole machine has been busy so far, all cores together, from /proc/stat: set
 * against the benchmark's own processes, it shows how much other work shared the cores.
 */
export function machineBusyMs(): number {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/).slice(1) ?? [];
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const ticks = fields.slice(0, 8).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
    return (busy * 1000) / 100;
  } catch {
    return 0;
  }
}

/** The pid of the redis-server listening on `port` (found by its command line), if any. */
export function redisPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes("redis-server") && (cmd.includes(`:${port}`) || cmd.includes(`--port ${port}`)))
        return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/**
 * CPU time (ms) used so far by the PostgreSQL server on `port`: its postmaster and the backends it
 * forked (the nodes' pooled connections stay open, so their time is not lost between readings).
 */
export function postgresCpuMs(port: number | undefined): number {
  if (port === undefined) return 0;
  let postmaster: string | undefined;
  const parents = new Map<string, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes("postgres") && cmd.includes(` -p ${port}`)) postmaster = entry;
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      parents.set(entry, fields[1] ?? "");
    } catch {
      // Gone meanwhile.
    }
  }
  if (postmaster === undefined) return 0;
  let sum = cpuMs(Number(postmaster));
  for (const [pid, parent] of parents) if (parent === postmaster) sum += cpuMs(Number(pid));
  return sum;
}

/** A fresh token secret shared by the nodes of one configuration. */
export function newSecret(): string {
  return randomBytes(32).toString("base64");
}
