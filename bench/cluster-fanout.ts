// `npm run bench:cluster`: fan-out of a cluster of 2 nodes (child processes on one Redis and one
// PostgreSQL, as a cluster runs in production) next to 1 node (no Redis) on the same PostgreSQL and
// on SQLite (the embedded default), measured alternately in one run. Four scenarios, in two pairs:
// - `room` and `status` (one-sided): a room whose members are spread over the nodes with one
//   sender, and one user's status (updated by 8 of the user's sessions in turn) followed by
//   sessions spread over the nodes; every sender is on node 1, so node 1 takes every request.
// - `room-spread` and `status-spread`: the same, with the senders spread over the nodes as the
//   receivers are (as behind a load balancer): 4 senders in the room (BENCH_ROOM_SENDERS), each
//   keeping its share of the window, and the 8 status sessions round robin over the nodes.
//
// Two measures, kept apart because they answer different questions:
// - Saturation: the sender keeps WINDOW requests in flight; deliveries/s until every receiver has
//   every message. Target: 2 nodes >= 1.5x one node's deliveries/s.
// - Latency at equal offered load: every configuration gets the same message rate, half the lowest
//   saturated rate of the run (or BENCH_RATE messages/s), so the p99 compares delivery paths and
//   not queues. Target: cross-node p99 (receivers on the node the sender is not on) <= 2x the
//   single node's p99. The median is printed beside each p99 (see `Measure.p50`).
// This process is the load generator, and it must stay cheap, since it shares the cores with the
// nodes: all but SAMPLED receivers per node only count frames, many frames per read (see
// cluster-receiver.ts; `npm run bench:cluster-generator` measures what that saves). Printed per
// phase: CPU per delivery of the nodes, Redis, PostgreSQL and the generator, the nodes' write system
// calls per 100 deliveries (steadier than CPU time on a shared machine), the cores each keeps
// busy, the cores other work on the machine took meanwhile, and what limited the configuration (the
// generator, the machine, a node's thread), so the reader sees when the machine rather than the
// cluster is the limit, and when a run was too noisy to count.
//
// Sizes: BENCH_MEMBERS (400), BENCH_MESSAGES (2000), BENCH_STATUS_UPDATES (1000), BENCH_ROUNDS (3),
// BENCH_PACED_SECONDS (4), BENCH_STATUS_SENDERS (8), BENCH_SAMPLED (latency receivers per node, 2),
// BENCH_READ_EVERY_MS (how often counting receivers read, 20; 0: as data arrives), BENCH_RATE
// (messages/s; default: derived as above), BENCH_DB ("postgres" or "sqlite" for the cluster; default
// postgres when installed), BENCH_CPU_PROF (a folder for every node's V8 CPU profile),
// BENCH_SCENARIOS ("room,status,room-spread,status-spread"), BENCH_ROOM_SENDERS (4), BENCH_WINDOW_PER_NODE
// (1: the saturation window is per node, see WINDOW_PER_NODE), BENCH_BASELINE
// (another checkout of herald, e.g. the previous release: its server also runs as one node on
// SQLite, one on PostgreSQL and a cluster of 2 nodes, measured in the same turns, and the ratios
// new / baseline are printed; BENCH_BASELINE_SINGLE=0 leaves its single nodes out),
// BENCH_DELIVERY_WINDOW (256: messages per receiver sent and not yet received past which the sender
// waits, see DELIVERY_WINDOW), BENCH_TRACE and BENCH_TRACE_ALL (a per-100 ms timeline of phases
// that went wrong, or of all), BENCH_STALL (node:<ms> or generator:<ms>: stop one once per phase),
// BENCH_PERSIST=1 (the room keeps history: every message is committed, and on a cluster ordered by
// the channel sequencer, before it goes out).
//
// A round is VOID, printed as such and left out of the medians, when a node closed receivers (1013:
// as slow readers), deliveries are missing, or (paced) the receivers fell more than the delivery
// window behind the offered rate: its figures would be the generator's, not the nodes'.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type WebSocket from "ws";
import { findPostgres, startPostgres, type TestPostgres } from "../test/helpers/postgres.js";
import { startRedis } from "../test/helpers/redis.js";
import { auth, call, openWs } from "./cluster-clients.js";
import {
  type BenchNode,
  cpuMs,
  machineBusyMs,
  newSecret,
  postgresCpuMs,
  readCalls,
  redisPid,
  startNode,
  stopNode,
  writeCalls,
} from "./cluster-nodes.js";
import { CountingReceiver } from "./cluster-receiver.js";
import { type GeneratorSample, PROBE, printTimeline, RedisWatch } from "./cluster-trace.js";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 400);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const STATUS_UPDATES = Number(process.env.BENCH_STATUS_UPDATES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 4);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "room,status,room-spread,status-spread").split(
  ",",
) as Scenario[];
/** Requests the sender keeps in flight at saturation. */
const WINDOW = 64;
/**
 * Messages (or status updates) per receiver, on average, sent and not yet counted by the
 * receivers, past which the sender waits (saturation) or the phase is void (paced). The window
 * above closes only through the sending node's acks: a node that only receives (through Redis)
 * and falls behind, say after a stall, would otherwise be buried under everything the sender got
 * acked meanwhile, and its receivers under what it then delivers at once, until its memory budget
 * closes them. BENCH_DELIVERY_WINDOW.
 */
const DELIVERY_WINDOW = Number(process.env.BENCH_DELIVERY_WINDOW ?? 256);
/**
 * BENCH_WINDOW_PER_NODE=1: WINDOW requests in flight per node (a cluster of 2 gets twice a single
 * node's), so each node is as loaded as the single one. With one window for all, the senders
 * spread over 2 nodes leave each node half the requests per event-loop turn, so each follower's
 * socket gets half the frames per write: at saturation a closed loop splits the batching too.
 */
const WINDOW_PER_NODE = process.env.BENCH_WINDOW_PER_NODE === "1";
/**
 * Receivers per node that parse every frame for latency; the others only count. Each costs the
 * generator a `ws` parse per frame; two per node still give thousands of samples per paced round.
 */
const SAMPLED = Number(process.env.BENCH_SAMPLED ?? 2);
/**
 * How often the counting receivers read (ms; 0: as soon as data arrives). See cluster-receiver.ts.
 * As data arrives by default: nodes cork each socket for an event-loop turn, so a read already
 * carries tens of frames, and receivers on a timer fell behind a cluster node's bursts (a turn's
 * Redis messages delivered at once) until the node's memory budget closed them as slow readers.
 */
const READ_EVERY_MS = Number(process.env.BENCH_READ_EVERY_MS ?? 0);
/**
 * Sessions of the status sender taking turns. In a cluster a status update waits one Redis round
 * trip (the invisible check) and a socket's requests run one at a time, so a single socket's
 * back-to-back updates would measure that round trip rather than the fan-out.
 */
const STATUS_SENDERS = Number(process.env.BENCH_STATUS_SENDERS ?? 8);
/** Room senders of the `room-spread` scenario, round robin over the nodes. */
const ROOM_SENDERS = Number(process.env.BENCH_ROOM_SENDERS ?? 4);
/** BENCH_PERSIST=1: room messages are stored (see the header). */
const PERSIST = process.env.BENCH_PERSIST === "1";

/**
 * BENCH_TRACE=<folder>: a timeline (every 100 ms) of each phase in which receivers fell behind
 * (every phase with BENCH_TRACE_ALL=1): the generator's reads, Redis's subscriber backlog, each
 * node's event-loop delay and the bytes its sockets hold. See cluster-trace.ts.
 */
const TRACE = process.env.BENCH_TRACE;
const TRACE_ALL = process.env.BENCH_TRACE_ALL === "1";
/**
 * BENCH_STALL=node:<ms> or generator:<ms>: once per phase of a cluster, 300 ms in, the cluster's
 * last node is stopped (SIGSTOP, then SIGCONT) or this process busy-waits for that long, as when a
 * loaded machine gives it no core: to reproduce what such a stall does to the receivers.
 */
const STALL = /^(node|generator):(\d+)$/.exec(process.env.BENCH_STALL ?? "");
let redisWatch: RedisWatch | undefined;

/** `room` and `status` send from node 1 only; the `-spread` variants from every node. */
type Scenario = "room" | "status" | "room-spread" | "status-spread";

const isRoom = (s: Scenario) => s === "room" || s === "room-spread";

interface Sampled {
  ws: WebSocket;
  node: number;
  count: number;
}

/** One configuration, set up once: its nodes, the sender on node 0, and the receivers. */
interface Config {
  name: string;
  cluster: boolean;
  /** Its database is the benchmark's PostgreSQL. */
  postgres: boolean;
  nodes: BenchNode[];
  sender: WebSocket;
  /** The sender's sessions that take turns updating its status (the first is `sender`). */
  statusSenders: WebSocket[];
  /** The same user's sessions, round robin over the nodes (the first is `sender`). */
  spreadStatusSenders: WebSocket[];
  /** Room members that send in `room-spread`, round robin over the nodes (the first is `sender`). */
  roomSenders: WebSocket[];
  channelId: string;
  counters: CountingReceiver[];
  sampled: Sampled[];
  /** Latencies (ms) by receiving node, while a paced phase collects them. */
  latencies: Map<number, number[]> | undefined;
}

/** Sets a configuration up: receivers spread round robin, each in the room and following the sender. */
async function setUp(name: string, nodes: BenchNode[], cluster: boolean, postgres: boolean): Promise<Config> {
  const tag = randomBytes(4).toString("hex");
  const url = (i: number) => nodes[i]?.url as string;
  const me = await auth(url(0), `s${tag}`);
  const sender = await openWs(url(0), me.token, true);
  const join = { channel_join: { target: `bench${tag}`, type: 1, persistence: PERSIST } };
  const reply = await call(sender, join);
  const config: Config = {
    name,
    cluster,
    postgres,
    nodes,
    sender,
    statusSenders: [sender],
    spreadStatusSenders: [sender],
    roomSenders: [sender],
    channelId: (reply.channel as { id: string }).id,
    counters: [],
    sampled: [],
    latencies: undefined,
  };
  for (let i = 1; i < STATUS_SENDERS; i++) {
    config.statusSenders.push(await openWs(url(0), me.token, true));
    config.spreadStatusSenders.push(await openWs(url(i % nodes.length), me.token, true));
  }
  for (let i = 1; i < ROOM_SENDERS; i++) {
    const other = await auth(url(i % nodes.length), `s${tag}x${i}`);
    const ws = await openWs(url(i % nodes.length), other.token, true);
    await call(ws, join);
    config.roomSenders.push(ws);
  }
  const follow = { status_follow: { user_ids: [me.userId] } };
  for (let i = 0; i < MEMBERS; i++) {
    const node = i % nodes.length;
    const user = await auth(url(node), `r${tag}x${i}`);
    if (Math.floor(i / nodes.length) < SAMPLED) {
      const ws = await openWs(url(node), user.token, false);
      await call(ws, join);
      await call(ws, follow);
      const s: Sampled = { ws, node, count: 0 };
      ws.on("message", (data: Buffer) => onSampled(config, s, data));
      config.sampled.push(s);
    } else {
      const r = await CountingReceiver.open(url(node), `/ws?token=${user.token}&status=false`);
      await r.call(`j${i}`, join);
      await r.call(`f${i}`, follow);
      r.startCounting();
      config.counters.push(r);
    }
  }
  return config;
}

function onSampled(config: Config, s: Sampled, data: Buffer): void {
  s.count += 1;
  if (config.latencies === undefined) return;
  const text = data.toString();
  const m = /t(?:\\")?:(?:\\")?(\d+\.\d+)/.exec(text) ?? /"t(\d+\.\d+)/.exec(text);
  if (m?.[1] === undefined) return;
  const list = config.latencies.get(s.node) ?? [];
  if (list.length === 0) config.latencies.set(s.node, list);
  list.push(performance.now() - Number(m[1]));
}

function delivered(config: Config): number {
  let n = 0;
  for (const r of config.counters) n += r.count;
  for (const s of config.sampled) n += s.count;
  return n;
}

function resetCounts(config: Config): void {
  for (const r of config.counters) r.count = 0;
  for (const s of config.sampled) s.count = 0;
}

/** One request of a scenario, stamped with the time it was sent. */
function request(config: Config, scenario: Scenario, n: number): string {
  const t = performance.now().toFixed(3);
  return isRoom(scenario)
    ? JSON.stringify({
        cid: `m${n}`,
        channel_message_send: { channel_id: config.channelId, content: `{"t":${t}}` },
      })
    : JSON.stringify({ cid: `m${n}`, status_update: { status: `t${t}` } });
}

/** Resolves once every receiver has `expected` deliveries, or after 60 s; the deliveries missing. */
async function drained(config: Config, expected: number): Promise<number> {
  const deadline = performance.now() + 60_000;
  // The sender is done, but the nodes may still have much to deliver: the receivers keep reading
  // on their timer until only the last few frames per receiver are missing, then at every poll,
  // so the phase ends with its last frame rather than up to a read interval later.
  const tail = config.counters.length * 4;
  for (;;) {
    const missing = expected - delivered(config);
    if (missing <= 0 || performance.now() >= deadline) break;
    if (missing <= tail) CountingReceiver.flush();
    await new Promise((r) => setTimeout(r, 2));
  }
  const missing = expected - delivered(config);
  if (missing > 0) console.warn(`  ! ${config.name}: ${missing} deliveries missing`);
  return missing;
}

interface Measure {
  perSec: number;
  nodeUs: number;
  /** The nodes' write system calls per 100 deliveries (sockets to clients, Redis and PostgreSQL). */
  nodeWrites: number;
  /** Redis's read and write system calls per 100 deliveries (what the nodes send it, and pub/sub). */
  redisReads: number;
  redisWrites: number;
  redisUs: number;
  /** PostgreSQL's CPU per delivery: in no delivery's path here, but it shares the cores. */
  postgresUs: number;
  clientUs: number;
  /** The part of `clientUs` spent in the kernel (reads, writes, polling). */
  clientSysUs: number;
  /** Cores kept busy over the phase, per process: each node, Redis, PostgreSQL, the generator. */
  nodeCores: number[];
  redisCores: number;
  postgresCores: number;
  clientCores: number;
  /** Cores kept busy by nodes + Redis + PostgreSQL + generator over the phase. */
  cores: number;
  /** Cores kept busy by everything else on the machine meanwhile (other work: noise). */
  otherCores: number;
  /** Frames per read of the counting receivers, and their largest read (bytes). */
  framesPerRead: number;
  largestRead: number;
  /** Reads so large that their receiver kept reading as data arrived (see cluster-receiver.ts). */
  largeReads: number;
  p99: Map<number, number>;
  /**
   * The median latency by receiving node, printed beside the p99: it tells a path that got longer
   * (the median moves too) from a tail set by a few dozen stalls (the p99 of a few thousand
   * samples: a process of the path waiting for a core, a GC pause).
   */
  p50: Map<number, number>;
  /** Why the phase's figures do not count (receivers closed, deliveries missing), if they do not. */
  void: string | undefined;
  /** The most messages per receiver, on average, sent and not yet counted (see DELIVERY_WINDOW). */
  backlog: number;
}

/** Sends `total` requests, `WINDOW` in flight (saturation) or at `rate` per second (paced). */
async function phase(
  config: Config,
  scenario: Scenario,
  total: number,
  rate: number | undefined,
  redis: number | undefined,
  postgres: number | undefined,
): Promise<Measure> {
  resetCounts(config);
  config.latencies = rate === undefined ? undefined : new Map();
  const expected = total * MEMBERS;
  const cpu0 = config.nodes.map((n) => cpuMs(n.proc.pid));
  const writes0 = config.nodes.map((n) => writeCalls(n.proc.pid));
  const redisIo0 = [readCalls(redis), writeCalls(redis)];
  const redis0 = cpuMs(redis);
  const pg0 = config.postgres ? postgresCpuMs(postgres) : 0;
  const client0 = process.cpuUsage();
  CountingReceiver.resetStats();
  const machine0 = machineBusyMs();
  const start = performance.now();
  const trace: GeneratorSample[] = [];
  const tracer = TRACE === undefined ? undefined : startTrace(config, trace);
  const staller = STALL !== null && config.cluster ? setTimeout(() => stall(config), 300) : undefined;
  let sent = 0;
  const senders =
    scenario === "room"
      ? [config.sender]
      : scenario === "room-spread"
        ? config.roomSenders
        : scenario === "status"
          ? config.statusSenders
          : config.spreadStatusSenders;
  let next = 0;
  // Deliveries owed to the receivers: sent times members, less what they counted.
  let largestBacklog = 0;
  const backlog = () => {
    const owed = (sent * MEMBERS - delivered(config)) / MEMBERS;
    if (owed > largestBacklog) largestBacklog = owed;
    return owed;
  };
  /** Senders whose turn came while the receivers were a delivery window behind. */
  const waiting: WebSocket[] = [];
  const sendNext = (ws?: WebSocket) => {
    const to = ws ?? (senders[next++ % senders.length] as WebSocket);
    to.send(request(config, scenario, ++sent));
  };
  await new Promise<void>((resolve) => {
    let acked = 0;
    const offs: (() => void)[] = [];
    const done = () => {
      for (const off of offs) off();
      resolve();
    };
    // A sender closed meanwhile (a node may close a sender that reads too slowly as a slow reader,
    // senders being members too) never answers again: the phase ends, and reports it.
    const stuck = setTimeout(() => {
      console.warn(`  ! ${config.name}: ${total - acked} requests unanswered after 120 s`);
      done();
    }, 120_000);
    offs.push(() => clearTimeout(stuck));
    if (rate === undefined) {
      // Senders held back by the delivery window go on as the receivers catch up.
      const pump = setInterval(() => {
        while (waiting.length > 0 && sent < total && backlog() < DELIVERY_WINDOW) sendNext(waiting.shift());
      }, 2);
      offs.push(() => clearInterval(pump));
    }
    for (const ws of senders) {
      const onMessage = (data: Buffer) => {
        if (!data.toString().includes('"cid":"m')) return;
        acked += 1;
        // Saturation: the socket that got an answer sends the next request.
        if (rate === undefined && sent < total) {
          if (backlog() < DELIVERY_WINDOW) sendNext(ws);
          else waiting.push(ws);
        }
        if (acked === total) done();
      };
      ws.on("message", onMessage);
      offs.push(() => ws.off("message", onMessage));
    }
    if (rate === undefined) {
      while (sent < Math.min(WINDOW * (WINDOW_PER_NODE ? config.nodes.length : 1), total)) sendNext();
      return;
    }
    // Paced: each tick sends what the rate owes since the start.
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) sendNext();
      backlog();
      if (sent >= total) clearInterval(timer);
    }, 5);
  });
  const missing = await drained(config, expected);
  const seconds = (performance.now() - start) / 1000;
  if (tracer !== undefined) clearInterval(tracer);
  if (staller !== undefined) clearTimeout(staller);
  const closed = closedReceivers(config);
  const voided =
    closed.length > 0
      ? `${closed.length} receivers closed by their node (codes ${[...new Set(closed)].join(", ")}; 1013: slow reader)`
      : missing > 0
        ? `${missing} deliveries missing`
        : rate !== undefined && largestBacklog > DELIVERY_WINDOW
          ? `the receivers fell ${Math.round(largestBacklog)} messages behind the offered rate (more than ${DELIVERY_WINDOW}): the machine could not take it, the latencies are queueing`
          : undefined;
  if (voided !== undefined) console.warn(`  ! ${config.name}, ${scenario}: VOID round: ${voided}`);
  if (TRACE !== undefined && (voided !== undefined || TRACE_ALL)) {
    console.log(
      `  timeline of ${config.name}, ${scenario}${rate === undefined ? " saturated" : ` at ${rate}/s`}:`,
    );
    printTimeline(
      trace,
      config.nodes.map((n, i) => ({ label: `node ${i + 1}`, pid: n.proc.pid })),
      TRACE,
    );
  }
  const nodeMs = config.nodes.map((n, i) => cpuMs(n.proc.pid) - (cpu0[i] ?? 0));
  const nodeSum = nodeMs.reduce((a, b) => a + b, 0);
  const writes = config.nodes.reduce((sum, n, i) => sum + writeCalls(n.proc.pid) - (writes0[i] ?? 0), 0);
  const redisMs = config.cluster ? cpuMs(redis) - redis0 : 0;
  // A backend that exited meanwhile takes its CPU time along: never below zero.
  const pgMs = config.postgres ? Math.max(0, postgresCpuMs(postgres) - pg0) : 0;
  const client = process.cpuUsage(client0);
  const clientMs = (client.user + client.system) / 1000;
  const machineMs = machineBusyMs() - machine0;
  const reads = CountingReceiver.readStats();
  const got = delivered(config);
  const p99 = new Map<number, number>();
  const p50 = new Map<number, number>();
  for (const [node, list] of config.latencies ?? []) {
    p99.set(node, percentile(list, 0.99));
    p50.set(node, percentile(list, 0.5));
  }
  config.latencies = undefined;
  const cores = (ms: number) => ms / 1000 / seconds;
  return {
    perSec: got / seconds,
    nodeUs: (nodeSum * 1000) / got,
    nodeWrites: (writes * 100) / got,
    redisReads: config.cluster ? ((readCalls(redis) - (redisIo0[0] ?? 0)) * 100) / got : 0,
    redisWrites: config.cluster ? ((writeCalls(redis) - (redisIo0[1] ?? 0)) * 100) / got : 0,
    redisUs: (redisMs * 1000) / got,
    postgresUs: (pgMs * 1000) / got,
    clientUs: (clientMs * 1000) / got,
    clientSysUs: client.system / got,
    nodeCores: nodeMs.map(cores),
    redisCores: cores(redisMs),
    postgresCores: cores(pgMs),
    clientCores: cores(clientMs),
    cores: cores(nodeSum + redisMs + pgMs + clientMs),
    otherCores: Math.max(0, cores(machineMs - nodeSum - redisMs - pgMs - clientMs)),
    framesPerRead: reads.reads > 0 ? reads.frames / reads.reads : Number.NaN,
    largestRead: reads.largestRead,
    largeReads: reads.largeReads,
    p99,
    p50,
    void: voided,
    backlog: largestBacklog,
  };
}

/** The close codes of the receivers their node closed (each once: a closed receiver stays closed). */
function closedReceivers(config: Config): number[] {
  const codes: number[] = [];
  for (const r of config.counters) if (r.closeCode !== undefined) codes.push(r.closeCode);
  return codes;
}

/** See BENCH_STALL. */
function stall(config: Config): void {
  const ms = Number(STALL?.[2]);
  if (STALL?.[1] === "generator") {
    const end = performance.now() + ms;
    while (performance.now() < end) {}
    return;
  }
  const node = config.nodes.at(-1)?.proc;
  node?.kill("SIGSTOP");
  setTimeout(() => node?.kill("SIGCONT"), ms);
}

/** Samples the generator's count and Redis's pub/sub backlog every 100 ms into `trace`. */
function startTrace(config: Config, trace: GeneratorSample[]): NodeJS.Timeout {
  let busy = false;
  const take = () => {
    const at = Date.now();
    const count = delivered(config);
    const sample: GeneratorSample = { at, delivered: count, redisOut: [], redisIn: 0, redisMs: Number.NaN };
    trace.push(sample);
    if (redisWatch === undefined || busy) return;
    busy = true;
    void redisWatch.sample().then((r) => {
      busy = false;
      sample.redisOut = r.out;
      sample.redisIn = r.in;
      sample.redisMs = r.ms;
    });
  };
  take();
  return setInterval(take, 100);
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The kernel's TCP receive buffer sizes, to set the counting receivers' largest read against. */
function tcpRmem(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_rmem", "utf8").trim().split(/\s+/).join(", ");
  } catch {
    return "unknown";
  }
}

/** The machine's cores, which every process of a run shares. */
const MACHINE_CORES = availableParallelism();

/**
 * What limited a saturated phase: the generator when its thread is full, or when the machine is
 * (nearly) full and the generator holds a real share of it (a tenth of the machine or more); other
 * work holding such a share makes the phase noise; otherwise the machine, a node's thread, or
 * neither.
 */
function limit(m: Measure): string {
  const generator = `generator ${m.clientCores.toFixed(2)} cores`;
  if (m.clientCores >= 0.9) return `GENERATOR-BOUND: its thread is full (${generator})`;
  const full = m.cores + m.otherCores >= 0.9 * MACHINE_CORES;
  if (full && m.otherCores >= 0.1 * MACHINE_CORES)
    return `machine full, ${m.otherCores.toFixed(2)} cores of it OTHER WORK: noisy, re-run on a quiet machine (${generator})`;
  if (full && m.clientCores >= 0.1 * MACHINE_CORES)
    return `GENERATOR-BOUND: machine full and the ${generator} of it`;
  if (full) return `machine-bound, generator not the bottleneck (${generator})`;
  if (m.nodeCores.some((c) => c >= 0.9)) return `node-bound: a node's thread is full (${generator})`;
  return `neither the machine nor a node full (${generator})`;
}

function coresText(m: Measure): string {
  const nodes = m.nodeCores.map((c, i) => `node ${i + 1} ${c.toFixed(2)}`).join(", ");
  return (
    `cores: ${nodes}, Redis ${m.redisCores.toFixed(2)}, PostgreSQL ${m.postgresCores.toFixed(2)}, ` +
    `generator ${m.clientCores.toFixed(2)}; ${m.cores.toFixed(2)} of ${MACHINE_CORES} (other work ${m.otherCores.toFixed(2)})`
  );
}

function line(m: Measure): string {
  const reads = `${m.framesPerRead.toFixed(1)} frames per read${READ_EVERY_MS > 0 ? "" : " (reading as data arrives)"}, largest ${(m.largestRead / 1024).toFixed(0)} KiB, ${m.largeReads} large; receivers at most ${Math.round(m.backlog)} messages behind`;
  return (
    (m.void === undefined ? "" : `VOID, figures not counted: ${m.void} | `) +
    `${Math.round(m.perSec)} deliveries/s | per 100 deliveries: node writes ${m.nodeWrites.toFixed(2)}, ` +
    `Redis reads ${m.redisReads.toFixed(2)} and writes ${m.redisWrites.toFixed(2)} | ` +
    `µs per delivery: nodes ${m.nodeUs.toFixed(2)}, ` +
    `Redis ${m.redisUs.toFixed(2)}, PostgreSQL ${m.postgresUs.toFixed(2)}, generator ${m.clientUs.toFixed(2)} ` +
    `(kernel ${m.clientSysUs.toFixed(2)}) | ` +
    `${coresText(m)} | ${reads}`
  );
}

async function main(): Promise<void> {
  const usePostgres =
    (process.env.BENCH_DB ?? ("bin" in findPostgres() ? "postgres" : "sqlite")) === "postgres";
  const redis = await startRedis();
  const rpid = redisPid(redis.port);
  let postgres: TestPostgres | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-cluster-"));
  const configs: Config[] = [];
  try {
    if (usePostgres) postgres = await startPostgres();
    const secret = newSecret();
    // BENCH_CPU_PROF=<folder>: V8 CPU profiles of every node, written when they stop.
    const prof = process.env.BENCH_CPU_PROF;
    const profArgs = prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`];
    if (TRACE !== undefined) {
      mkdirSync(TRACE, { recursive: true });
      // The nodes inherit this environment: their probe watches their Redis connections.
      process.env.BENCH_TRACE_REDIS_PORT = String(redis.port);
      profArgs.push("--import", pathToFileURL(PROBE).href);
      redisWatch = await RedisWatch.open(redis.port);
    }
    const sqlite = await startNode(path.join(dir, "one.db"), secret, undefined, profArgs);
    configs.push(await setUp("1 node, SQLite", [sqlite], false, false));
    if (postgres !== undefined) {
      const one = await startNode(await postgres.createSchema(), secret, undefined, profArgs);
      configs.push(await setUp("1 node, PostgreSQL", [one], false, true));
    }
    const baseline = process.env.BENCH_BASELINE;
    // BENCH_BASELINE_SINGLE=0: the baseline runs as a cluster only (a shorter run).
    if (baseline !== undefined && process.env.BENCH_BASELINE_SINGLE !== "0") {
      const base = path.resolve(baseline);
      const sqliteBase = await startNode(path.join(dir, "base.db"), secret, undefined, profArgs, base);
      configs.push(await setUp("1 node, SQLite (baseline)", [sqliteBase], false, false));
      if (postgres !== undefined) {
        const pgBase = await startNode(await postgres.createSchema(), secret, undefined, profArgs, base);
        configs.push(await setUp("1 node, PostgreSQL (baseline)", [pgBase], false, true));
      }
    }
    const shared = postgres !== undefined ? await postgres.createSchema() : path.join(dir, "two.db");
    const cluster = { url: redis.url, prefix: `bench-${randomBytes(4).toString("hex")}:` };
    const first = await startNode(shared, secret, cluster, profArgs);
    const second = await startNode(shared, secret, cluster, profArgs);
    const twoName = `2 nodes, ${postgres !== undefined ? "PostgreSQL" : "SQLite"} + Redis`;
    configs.push(await setUp(twoName, [first, second], true, postgres !== undefined));
    if (baseline !== undefined) {
      // The baseline's cluster too, on its own database and key prefix: before/after of the cluster.
      const base = path.resolve(baseline);
      const db = postgres !== undefined ? await postgres.createSchema() : path.join(dir, "base-two.db");
      const prefix = { url: redis.url, prefix: `bench-${randomBytes(4).toString("hex")}:` };
      const nodes = [
        await startNode(db, secret, prefix, profArgs, base),
        await startNode(db, secret, prefix, profArgs, base),
      ];
      configs.push(await setUp(`${twoName} (baseline)`, nodes, true, postgres !== undefined));
    }
    CountingReceiver.setReadInterval(READ_EVERY_MS);
    await CountingReceiver.settle(configs.flatMap((c) => c.counters));
    console.log(
      `${MEMBERS} receivers per configuration (${SAMPLED} per node parse frames for latency; the others ` +
        `count frames, ${READ_EVERY_MS > 0 ? `reading every ${READ_EVERY_MS} ms` : "reading as data arrives"}); ` +
        `${MACHINE_CORES} cores; kernel TCP receive buffer (min, default, max bytes): ${tcpRmem()}`,
    );

    const saturated = new Map<string, Measure[]>();
    const voidRounds: string[] = [];
    const paced = new Map<string, Measure[]>();
    const total = (s: Scenario) => (isRoom(s) ? MESSAGES : STATUS_UPDATES);
    for (const scenario of SCENARIOS) {
      console.log(
        `\n${scenario}: saturation (${WINDOW} requests in flight${WINDOW_PER_NODE ? " per node" : ""}, ${total(scenario)} requests)`,
      );
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? configs : [...configs].reverse();
        for (const c of order) {
          const m = await phase(c, scenario, total(scenario), undefined, rpid, postgres?.port);
          const key = `${scenario}|${c.name}`;
          // A void round's figures are printed (marked) but left out of the medians.
          if (m.void === undefined) saturated.set(key, [...(saturated.get(key) ?? []), m]);
          else voidRounds.push(`${scenario} saturated, ${c.name}, round ${round + 1}: ${m.void}`);
          console.log(`  round ${round + 1} ${c.name}: ${line(m)}`);
        }
      }
      // Void rounds are not in the medians; with none left, a modest rate.
      const rates = configs
        .map((c) => median((saturated.get(`${scenario}|${c.name}`) ?? []).map((m) => m.perSec)))
        .filter(Number.isFinite);
      const lowest = rates.length > 0 ? Math.min(...rates) : 200 * MEMBERS;
      const rate = Number(process.env.BENCH_RATE ?? Math.max(1, Math.floor(lowest / MEMBERS / 2)));
      const count = Math.max(1, Math.round(rate * PACED_SECONDS));
      console.log(
        `${scenario}: latency at ${rate} messages/s (${rate * MEMBERS} deliveries/s offered) for all`,
      );
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? configs : [...configs].reverse();
        for (const c of order) {
          const m = await phase(c, scenario, count, rate, rpid, postgres?.port);
          const key = `${scenario}|${c.name}`;
          if (m.void === undefined) paced.set(key, [...(paced.get(key) ?? []), m]);
          else voidRounds.push(`${scenario} paced, ${c.name}, round ${round + 1}: ${m.void}`);
          const p = [...m.p99.entries()]
            .sort((x, y) => x[0] - y[0])
            .map(([n, v]) => `node ${n + 1} ${v.toFixed(1)} ms (p50 ${m.p50.get(n)?.toFixed(1)})`)
            .join(", ");
          console.log(`  round ${round + 1} ${c.name}: p99 ${p} | ${line(m)}`);
        }
      }
    }
    report(configs, saturated, paced);
    if (voidRounds.length > 0) {
      console.log(
        `\n${voidRounds.length} VOID rounds, left out of the medians above (a configuration with none left shows NaN):`,
      );
      for (const v of voidRounds) console.log(`  ${v}`);
    }
  } finally {
    for (const c of configs) {
      for (const r of c.counters) r.close();
      for (const s of c.sampled) s.ws.terminate();
      for (const ws of [...c.statusSenders, ...c.spreadStatusSenders, ...c.roomSenders]) ws.terminate();
      await Promise.all(c.nodes.map(stopNode));
    }
    redisWatch?.close();
    await redis.close();
    await postgres?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Field by field medians of a configuration's rounds. */
function medianOf(list: Measure[]): Measure {
  const m = (f: (x: Measure) => number) => median(list.map(f));
  const nodes = list[0]?.nodeCores.length ?? 0;
  return {
    perSec: m((x) => x.perSec),
    nodeUs: m((x) => x.nodeUs),
    nodeWrites: m((x) => x.nodeWrites),
    redisReads: m((x) => x.redisReads),
    redisWrites: m((x) => x.redisWrites),
    redisUs: m((x) => x.redisUs),
    postgresUs: m((x) => x.postgresUs),
    clientUs: m((x) => x.clientUs),
    clientSysUs: m((x) => x.clientSysUs),
    nodeCores: Array.from({ length: nodes }, (_, i) => m((x) => x.nodeCores[i] ?? Number.NaN)),
    redisCores: m((x) => x.redisCores),
    postgresCores: m((x) => x.postgresCores),
    clientCores: m((x) => x.clientCores),
    cores: m((x) => x.cores),
    otherCores: m((x) => x.otherCores),
    framesPerRead: m((x) => x.framesPerRead),
    largestRead: Math.max(...list.map((x) => x.largestRead)),
    largeReads: m((x) => x.largeReads),
    p99: new Map(),
    p50: new Map(),
    void: undefined,
    backlog: m((x) => x.backlog),
  };
}

/** Medians of the rounds, what limited each configuration, and the ratios the targets are about. */
function report(configs: Config[], saturated: Map<string, Measure[]>, paced: Map<string, Measure[]>): void {
  const two = configs.find((c) => c.cluster && !c.name.endsWith(" (baseline)")) as Config;
  console.log(`\nmedians of ${ROUNDS} rounds`);
  for (const scenario of SCENARIOS) {
    const sat = new Map(configs.map((c) => [c, medianOf(saturated.get(`${scenario}|${c.name}`) ?? [])]));
    const get = (c: Config) => sat.get(c) as Measure;
    const lat = (c: Config, node: number, q: "p99" | "p50" = "p99") =>
      median((paced.get(`${scenario}|${c.name}`) ?? []).map((m) => m[q].get(node) ?? Number.NaN));
    for (const c of configs) {
      const m = get(c);
      console.log(
        `${scenario} ${c.name}: ${line(m)} | paced p99 ${c.nodes.map((_, n) => lat(c, n).toFixed(1)).join(" / ")} ms` +
          ` (p50 ${c.nodes.map((_, n) => lat(c, n, "p50").toFixed(1)).join(" / ")})` +
          `\n  saturation limited by: ${limit(m)}`,
      );
    }
    for (const base of configs.filter((c) => c.name.endsWith(" (baseline)"))) {
      const now = configs.find((c) => `${c.name} (baseline)` === base.name);
      if (now === undefined) continue;
      const ratio = (f: (m: Measure) => number) => (f(get(now)) / f(get(base))).toFixed(2);
      console.log(
        `${scenario}: ${now.name} / baseline: node CPU per delivery ${ratio((m) => m.nodeUs)}x` +
          ` | node writes per delivery ${ratio((m) => m.nodeWrites)}x` +
          ` | deliveries/s ${ratio((m) => m.perSec)}x` +
          ` | p99 at equal load ${(lat(now, 0) / lat(base, 0)).toFixed(2)}x`,
      );
    }
    for (const base of configs.filter((c) => !c.cluster && !c.name.endsWith(" (baseline)"))) {
      const ratio = (f: (m: Measure) => number) => (f(get(two)) / f(get(base))).toFixed(2);
      console.log(
        `${scenario}: 2 nodes / ${base.name}: deliveries/s ${ratio((m) => m.perSec)}x` +
          ` (target >= 1.5x) | node CPU per delivery ${ratio((m) => m.nodeUs)}x` +
          ` | node writes per delivery ${ratio((m) => m.nodeWrites)}x` +
          ` | generator CPU per delivery ${ratio((m) => m.clientUs)}x` +
          // With spread senders node 2's receivers get local and remote sends alike: a mixed p99.
          ` | ${scenario.endsWith("-spread") ? "node 2 p99 (local and remote senders)" : "cross-node p99"}` +
          ` at equal load ${(lat(two, 1) / lat(base, 0)).toFixed(2)}x (target <= 2x)` +
          `, p50 ${(lat(two, 1, "p50") / lat(base, 0, "p50")).toFixed(2)}x`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
