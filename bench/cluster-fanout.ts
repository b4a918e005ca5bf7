// `npm run bench:cluster`: fan-out of a cluster of 2 nodes (child processes on one Redis and one
// database) next to 1 node (the single server, no Redis), measured alternately in one run. Two
// scenarios: a room whose members are spread over the nodes with one sender, and one user's
// status followed by sessions spread over the nodes. Prints deliveries per second, server CPU per
// delivery (all node processes), client CPU per delivery (this process: the load generator shares
// the 2 cores), and the send-to-receive p99, cross-node (receivers on the other node than the
// sender) against single-node. Targets: 2 nodes >= 1.5x one node's deliveries/s, cross-node p99
// <= 2x single-node p99.
//
// Sizes: BENCH_MEMBERS (400), BENCH_MESSAGES (1000), BENCH_STATUS_UPDATES (300), BENCH_ROUNDS (2).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { startRedis } from "../test/helpers/redis.js";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 400);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const STATUS_UPDATES = Number(process.env.BENCH_STATUS_UPDATES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Requests the sender keeps in flight. */
const WINDOW = 64;
/** Receivers per node that parse every frame for latency; the others only count. */
const SAMPLED = 10;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface Node {
  url: string;
  proc: ChildProcess;
}

async function startNode(
  db: string,
  secret: string,
  redis: string | undefined,
  prefix: string,
): Promise<Node> {
  const args = ["--import", "tsx", path.join(repo, "src/server/cli.ts"), "--port", "0", "--db", db];
  args.push("--log-level", "warn", "--no-console", "--rate", "all=off", "--sockets-per-user", "10000");
  if (redis !== undefined) args.push("--redis", redis, "--redis-prefix", prefix);
  const proc = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, HERALD_TOKEN_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    proc.once("exit", (code) => reject(new Error(`node exited (${code})`)));
  });
  proc.stdout?.resume();
  return { url, proc };
}

/** CPU time (ms) a process has used so far, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

async function auth(url: string, name: string): Promise<{ token: string; userId: string }> {
  const res = await fetch(`${url}/v2/account/authenticate/device?create=true&username=${name}`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from("defaultkey:").toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ id: `device-${name}-${randomBytes(4).toString("hex")}` }),
  });
  const body = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(body.token.split(".")[1] ?? "", "base64url").toString()) as {
    uid: string;
  };
  return { token: body.token, userId: claims.uid };
}

function open(url: string, token: string, status = false): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/ws?token=${token}&status=${status}`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

let cid = 0;
function call(ws: WebSocket, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = String(++cid);
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const text = data.toString();
      if (!text.includes(`"cid":"${id}"`)) return;
      ws.off("message", onMessage);
      resolve(JSON.parse(text) as Record<string, unknown>);
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify({ cid: id, ...body }));
  });
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

interface Result {
  perSec: number;
  serverUsPerDelivery: number;
  clientUsPerDelivery: number;
  p99Same: number;
  p99Cross: number;
}

/** One scenario on nodes: receivers spread round robin, the sender on node 0. */
async function run(nodes: Node[], scenario: "room" | "status"): Promise<Result> {
  const tag = randomBytes(4).toString("hex");
  const sender = await auth(nodes[0]?.url as string, `s${tag}`);
  const sws = await open(nodes[0]?.url as string, sender.token, scenario === "status");
  const receivers: { ws: WebSocket; node: number }[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const node = i % nodes.length;
    const user = await auth(nodes[node]?.url as string, `r${tag}x${i}`);
    receivers.push({ ws: await open(nodes[node]?.url as string, user.token), node });
  }
  let channelId = "";
  if (scenario === "room") {
    const reply = await call(sws, { channel_join: { target: `bench${tag}`, type: 1, persistence: false } });
    channelId = (reply.channel as { id: string }).id;
    for (const r of receivers)
      await call(r.ws, { channel_join: { target: `bench${tag}`, type: 1, persistence: false } });
  } else {
    for (const r of receivers) await call(r.ws, { status_follow: { user_ids: [sender.userId] } });
  }
  const total = scenario === "room" ? MESSAGES : STATUS_UPDATES;
  const expected = total * MEMBERS;
  let received = 0;
  const same: number[] = [];
  const cross: number[] = [];
  const sampledPerNode = new Map<number, number>();
  const marker = scenario === "room" ? '"channel_message"' : '"status_presence_event"';
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  for (const r of receivers) {
    const n = sampledPerNode.get(r.node) ?? 0;
    const sampled = n < SAMPLED;
    sampledPerNode.set(r.node, n + 1);
    r.ws.on("message", (data: Buffer) => {
      const text = data.toString();
      if (!text.includes(marker)) return;
      if (sampled) {
        const m = /t(?:\\")?:(?:\\")?(\d+\.\d+)/.exec(text) ?? /"t(\d+\.\d+)/.exec(text);
        if (m?.[1] !== undefined) (r.node === 0 ? same : cross).push(performance.now() - Number(m[1]));
      }
      if (++received === expected) done();
    });
  }
  const cpu0 = nodes.map((n) => cpuMs(n.proc.pid));
  const client0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve) => {
    sws.on("message", (data: Buffer) => {
      if (!data.toString().includes('"cid"')) return;
      acked += 1;
      if (sent < total) send();
      if (acked === total) resolve();
    });
    const send = () => {
      sent += 1;
      const t = performance.now().toFixed(3);
      if (scenario === "room")
        sws.send(
          JSON.stringify({
            cid: `m${sent}`,
            channel_message_send: { channel_id: channelId, content: `{"t":${t}}` },
          }),
        );
      else sws.send(JSON.stringify({ cid: `m${sent}`, status_update: { status: `t${t}` } }));
    };
    for (let i = 0; i < WINDOW && sent < total; i++) send();
  });
  const timeout = setTimeout(done, 60_000);
  await finished;
  clearTimeout(timeout);
  const seconds = (performance.now() - start) / 1000;
  const serverMs = nodes.reduce((sum, n, i) => sum + cpuMs(n.proc.pid) - (cpu0[i] ?? 0), 0);
  const client = process.cpuUsage(client0);
  if (received < expected) console.warn(`  ! ${expected - received} deliveries missing`);
  for (const r of receivers) r.ws.terminate();
  sws.terminate();
  return {
    perSec: received / seconds,
    serverUsPerDelivery: (serverMs * 1000) / received,
    clientUsPerDelivery: (client.user + client.system) / received,
    p99Same: p99(same),
    p99Cross: p99(cross),
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const results: Record<string, Result[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const count of [1, 2]) {
        const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-cluster-"));
        const secret = randomBytes(32).toString("base64");
        const prefix = `bench-${randomBytes(4).toString("hex")}:`;
        const nodes: Node[] = [];
        for (let i = 0; i < count; i++)
          nodes.push(
            await startNode(path.join(dir, "bench.db"), secret, count > 1 ? redis.url : undefined, prefix),
          );
        for (const scenario of ["room", "status"] as const) {
          const r = await run(nodes, scenario);
          const key = `${scenario} ${count}`;
          results[key] = [...(results[key] ?? []), r];
          console.log(
            `round ${round + 1} ${scenario} ${count} node(s): ${Math.round(r.perSec)} deliveries/s, server ${r.serverUsPerDelivery.toFixed(2)} µs/delivery, client ${r.clientUsPerDelivery.toFixed(2)} µs/delivery, p99 same-node ${r.p99Same.toFixed(1)} ms, cross-node ${r.p99Cross.toFixed(1)} ms`,
          );
        }
        for (const n of nodes) n.proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await redis.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  console.log(
    `\nmedians of ${ROUNDS} rounds (${MEMBERS} receivers; ${MESSAGES} messages, ${STATUS_UPDATES} status updates)`,
  );
  for (const scenario of ["room", "status"]) {
    const one = results[`${scenario} 1`] ?? [];
    const two = results[`${scenario} 2`] ?? [];
    const m = (rs: Result[], f: (r: Result) => number) => median(rs.map(f));
    console.log(
      `${scenario}: 2 nodes / 1 node deliveries/s ${(m(two, (r) => r.perSec) / m(one, (r) => r.perSec)).toFixed(2)}x` +
        ` | server CPU per delivery ${(m(two, (r) => r.serverUsPerDelivery) / m(one, (r) => r.serverUsPerDelivery)).toFixed(2)}x` +
        ` | client CPU per delivery ${(m(two, (r) => r.clientUsPerDelivery) / m(one, (r) => r.clientUsPerDelivery)).toFixed(2)}x` +
        ` | cross-node p99 / single-node p99 ${(m(two, (r) => r.p99Cross) / m(one, (r) => r.p99Same)).toFixed(2)}x`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
