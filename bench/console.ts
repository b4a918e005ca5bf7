// `node scripts/build.mjs && npx tsx bench/console.ts`: what the operator
// console costs the server. The same room scenario (MEMBERS sockets in a room, one sender keeping
// WINDOW messages in flight) runs against herald's built server three ways, alternately in one run
// (A B C A B C): `console: false`; the console on with nobody watching (the default); and the
// console on with a viewer following its live event stream. Each server runs in its own child
// process so its CPU time can be read. Prints server CPU per delivery and the ratios to `off`.
//
// Sizes: BENCH_MEMBERS, BENCH_MESSAGES, BENCH_ROUNDS.
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { built } from "./built.js";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 300);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 64;
const MODES = ["off", "on", "viewer"] as const;
type Mode = (typeof MODES)[number];

async function runChild(mode: Mode): Promise<void> {
  const { createServer, DEFAULT_CONSOLE_CREDENTIAL } =
    await built<typeof import("../src/server/index.js")>("server/index.js");
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-console-"));
  const server = await createServer({
    port: 0,
    db: path.join(dir, "bench.db"),
    logLevel: "silent",
    ...(mode === "off" ? { console: false as const } : {}),
  });
  process.send?.({ port: server.port, credential: DEFAULT_CONSOLE_CREDENTIAL });
  process.on("message", (m) => {
    if (m === "cpu") {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system });
    } else if (m === "exit") {
      void server.close().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
}

interface Child {
  port: number;
  credential: string;
  cpu(): Promise<number>;
  exit(): Promise<void>;
}

function startChild(mode: Mode): Promise<Child> {
  const child = fork(fileURLToPath(import.meta.url), ["--child", mode], { execArgv: ["--import", "tsx"] });
  const replies: ((cpu: number) => void)[] = [];
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: { port?: number; credential?: string; cpu?: number }) => {
      if (m.port !== undefined) {
        resolve({
          port: m.port,
          credential: m.credential ?? "",
          cpu: () =>
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
      } else if (m.cpu !== undefined) replies.shift()?.(m.cpu);
    });
  });
}

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/v2/account/authenticate/device?create=true`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from("defaultkey:").toString("base64")}` },
    body: JSON.stringify({ id: `bench-${randomUUID()}` }),
  });
  if (!res.ok) throw new Error(`authenticate: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function joined(wsBase: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${wsBase}/ws?token=${token}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  await new Promise<void>((resolve) => {
    ws.once("message", () => resolve());
    ws.send(JSON.stringify({ cid: "j", channel_join: { target: "bench", type: 1, hidden: true } }));
  });
  return ws;
}

/** One run: returns server CPU µs per delivery, or throws on a missing delivery. */
async function run(mode: Mode): Promise<number> {
  const child = await startChild(mode);
  const base = `http://127.0.0.1:${child.port}`;
  const wsBase = `ws://127.0.0.1:${child.port}`;
  const sockets: WebSocket[] = [];
  const viewer = new AbortController();
  try {
    const tokens: string[] = [];
    for (let i = 0; i <= MEMBERS; i += 50) {
      tokens.push(
        ...(await Promise.all(Array.from({ length: Math.min(50, MEMBERS + 1 - i) }, () => signIn(base)))),
      );
    }
    for (let i = 0; i < tokens.length; i += 50) {
      sockets.push(...(await Promise.all(tokens.slice(i, i + 50).map((t) => joined(wsBase, t)))));
    }
    const [sender, ...members] = sockets;
    if (sender === undefined) throw new Error("no sender");
    if (mode === "viewer") {
      const res = await fetch(`${base}/console/api/events`, {
        headers: { authorization: `Bearer ${child.credential}` },
        signal: viewer.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      void (async () => {
        try {
          while (!(await reader.read()).done);
        } catch {
          // Aborted at the end of the run.
        }
      })();
    }
    let remaining = members.length * MESSAGES;
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    for (const ws of members) {
      ws.on("message", (data) => {
        if (data.toString().startsWith('{"channel_message"') && --remaining === 0) finish();
      });
    }
    let sent = 0;
    const sendNext = () => {
      if (sent >= MESSAGES) return;
      const i = sent++;
      sender.send(
        JSON.stringify({
          cid: String(i),
          channel_message_send: { channel_id: "2...bench", content: `{"i":${i}}` },
        }),
      );
    };
    sender.on("message", (data) => {
      if (data.toString().startsWith('{"cid"')) sendNext();
    });
    const before = await child.cpu();
    for (let k = 0; k < WINDOW; k++) sendNext();
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), 180_000).unref(),
    );
    if ((await Promise.race([finished, timeout])) === "timeout")
      throw new Error(`${remaining} deliveries missing`);
    const after = await child.cpu();
    return (after - before) / (members.length * MESSAGES);
  } finally {
    viewer.abort();
    for (const ws of sockets) ws.terminate();
    await child.exit();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  console.log(
    `console cost: room of ${MEMBERS} members x ${MESSAGES} messages, ${ROUNDS} rounds of ${MODES.join(" ")}`,
  );
  const results: Record<Mode, number[]> = { off: [], on: [], viewer: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const us = await run(mode);
      results[mode].push(us);
      console.log(`  round ${round + 1} ${mode}: ${us.toFixed(3)} µs server CPU per delivery`);
    }
  }
  const off = median(results.off);
  for (const mode of MODES) {
    const m = median(results[mode]);
    console.log(`${mode.padEnd(7)} median ${m.toFixed(3)} µs/delivery  ${(m / off).toFixed(3)}x of off`);
  }
}

if (process.argv[2] === "--child") await runChild((process.argv[3] as Mode | undefined) ?? "on");
else await main();
