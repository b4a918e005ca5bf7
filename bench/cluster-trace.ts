// BENCH_TRACE=<folder> for `npm run bench:cluster`: a timeline of each phase, to see why receivers
// fall behind. The nodes run with bench/node-probe.mjs preloaded (their event-loop delay and the
// bytes their sockets hold, every 100 ms); this side samples, on the same clock, the deliveries the
// generator has counted and what Redis holds for its pub/sub clients (`CLIENT LIST`: the output
// buffer of each subscriber, i.e. messages published and not yet read by a node).
import { readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The preload that makes a node report (see node-probe.mjs). */
export const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "node-probe.mjs");

/** One line a node's probe wrote. */
export interface NodeSample {
  at: number;
  delayMax: number;
  delayP99: number;
  sockets: number;
  buffered: number;
  bufferedMax: number;
  inBytes: number;
}

/** One sample of the generator's side. */
export interface GeneratorSample {
  at: number;
  delivered: number;
  /** Bytes Redis holds in its subscribers' output buffers, per subscriber, largest first. */
  redisOut: number[];
  /** Bytes of pending `PUBLISH` input Redis has read and not yet run (its clients' query buffers). */
  redisIn: number;
  /** Time the `CLIENT LIST` answer took (ms): a Redis that lags answers late. */
  redisMs: number;
}

/** A connection to Redis that asks `CLIENT LIST` and parses the answer (subscribers only). */
export class RedisWatch {
  private buffer = "";
  private waiter: ((text: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buffer += d;
      const end = this.buffer.indexOf("\r\n");
      if (end < 0) return;
      const len = Number(this.buffer.slice(1, end));
      if (this.buffer.length < end + 2 + len + 2) return;
      const text = this.buffer.slice(end + 2, end + 2 + len);
      this.buffer = "";
      this.waiter?.(text);
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<RedisWatch> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1" }, () => resolve(new RedisWatch(socket)));
      socket.once("error", reject);
    });
  }

  /** Output buffers of subscribers (largest first) and pending query bytes of all clients. */
  sample(): Promise<{ out: number[]; in: number; ms: number }> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      this.waiter = (text) => {
        this.waiter = undefined;
        const out: number[] = [];
        let pending = 0;
        for (const line of text.split("\n")) {
          const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0);
          pending += field("qbuf");
          if (field("sub") + field("psub") + field("ssub") > 0) out.push(field("omem"));
        }
        out.sort((a, b) => b - a);
        resolve({ out, in: pending, ms: performance.now() - t0 });
      };
      this.socket.write("CLIENT LIST\r\n");
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The probe lines of every node written into `dir`, by pid, between `from` and `to` (ms epoch). */
export function nodeSamples(dir: string, from: number, to: number): Map<number, NodeSample[]> {
  const out = new Map<number, NodeSample[]>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".jsonl")) continue;
    const lines = readFileSync(path.join(dir, name), "utf8").split("\n");
    const list: NodeSample[] = [];
    for (const l of lines) {
      if (l === "") continue;
      const s = JSON.parse(l) as NodeSample;
      if (s.at >= from && s.at <= to) list.push(s);
    }
    out.set(Number(name.slice(0, -".jsonl".length)), list);
  }
  return out;
}

const kb = (n: number) => `${Math.round(n / 1024)}K`;

/**
 * Prints a phase's timeline: per 100 ms, the generator's reads (deliveries/s), what Redis holds for
 * subscribers, and per node its loop delay and the bytes its sockets hold (total, fullest).
 */
export function printTimeline(
  generator: GeneratorSample[],
  nodes: { label: string; pid: number | undefined }[],
  dir: string,
): void {
  const first = generator[0];
  const last = generator.at(-1);
  if (first === undefined || last === undefined) return;
  const samples = nodeSamples(dir, first.at - 100, last.at + 100);
  const nearest = (list: NodeSample[], at: number) => {
    let best: NodeSample | undefined;
    for (const s of list) if (best === undefined || Math.abs(s.at - at) < Math.abs(best.at - at)) best = s;
    return best;
  };
  console.log(
    "    ms    | generator reads/s | Redis out (subs), in, answer ms | " +
      nodes.map((n) => `${n.label}: loop delay max, p99 ms; held total, fullest`).join(" | "),
  );
  let prev = first;
  for (const g of generator.slice(1)) {
    const rate = ((g.delivered - prev.delivered) * 1000) / Math.max(1, g.at - prev.at);
    const parts = nodes.map((n) => {
      const s = nearest(samples.get(n.pid ?? -1) ?? [], g.at);
      return s === undefined
        ? "-"
        : `${s.delayMax.toFixed(0).padStart(4)}, ${s.delayP99.toFixed(0).padStart(3)}; ${kb(s.buffered).padStart(7)}, ${kb(s.bufferedMax).padStart(5)} (${s.sockets})`;
    });
    console.log(
      `    ${String(g.at - first.at).padStart(5)} | ${String(Math.round(rate)).padStart(17)} | ` +
        `${g.redisOut.map(kb).join(",").padStart(16)}, ${kb(g.redisIn)}, ${g.redisMs.toFixed(0)} | ${parts.join(" | ")}`,
    );
    prev = g;
  }
}
