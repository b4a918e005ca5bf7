// `npm run bench:roundtrip`: send-to-ack latency and messages per second through the bundled
// server, herald's SDK (Socket.writeChatMessage, reconnect on: through the outbox, restore and
// catch-up layers, heartbeat running) next to a raw `ws` client sending the same frames and
// waiting for the same acks, against one server in one run. The two take turns message by
// message (which goes first alternates), so drift in machine load falls on both alike; each has
// a room of its own. Prints p50/p99 latency, messages/s and the SDK's ratio to the raw client.
// Target: <= 1.05x.
//
// Time per message is a mean, so a burst of load from elsewhere on the machine (another process
// taking the CPU for a few milliseconds) lands on whichever client was waiting and moves it by
// several percent. The run is therefore also cut into blocks of BENCH_BLOCK turns (default 500);
// each block gives the ratio of the SDK's total time to the raw client's, and the median of those
// (with their quartiles) is printed next to the whole-run figure: it measures the same thing,
// without letting one disturbed block decide.
//
// BENCH_MESSAGES (per client, default 10000), BENCH_FORMAT (json or protobuf, default json),
// BENCH_PERSIST (1 to store messages, default 0: the SDK's own cost is what is measured, a
// database write per message would dominate both sides), BENCH_PLAIN (1: a socket made with
// `reconnect: false`, default 0).
import WebSocket from "ws";
import type { Codec } from "../src/protocol/codec.js";
import { built } from "./built.js";

const { ChannelType, Client, jsonCodec } = await built<typeof import("../src/index.js")>("index.js");
const { protobufCodec } = await built<typeof import("../src/protobuf.js")>("protobuf.js");
const { createServer } = await built<typeof import("../src/server/index.js")>("server/index.js");

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10000);
const WARMUP = Math.min(2000, MESSAGES);
const BLOCK = Math.max(1, Number(process.env.BENCH_BLOCK ?? 500));
const codec: Codec = process.env.BENCH_FORMAT === "protobuf" ? protobufCodec : jsonCodec;
const persistence = process.env.BENCH_PERSIST === "1";
// BENCH_PLAIN=1 measures a socket made with `reconnect: false` instead.
const plain = process.env.BENCH_PLAIN === "1";

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

// Rate limits off: one client sends as fast as acks come back, far above the per-socket default,
// and what is measured is the SDK's cost, not the server's refusals.
const server = await createServer({ port: 0, db: ":memory:", logLevel: "silent", rateLimits: false });
const client = new Client({ port: server.port });
const room = `bench-${Date.now()}`;

/** A raw client: encodes the same envelopes with the same codec and matches acks by cid. */
async function rawClient(token: string) {
  const format = codec.format === "json" ? "" : `&format=${codec.format}`;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token}&status=false${format}`);
  ws.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let cid = 0;
  let waiting: { cid: string; resolve: () => void } | undefined;
  ws.on("message", (data: ArrayBuffer | Buffer, isBinary: boolean) => {
    const envelope = codec.decodeEnvelope(isBinary ? new Uint8Array(data as ArrayBuffer) : data.toString());
    if (waiting && envelope.cid === waiting.cid) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  });
  const request = (message: Parameters<Codec["encodeEnvelope"]>[0]) =>
    new Promise<void>((resolve) => {
      cid += 1;
      waiting = { cid: String(cid), resolve };
      ws.send(codec.encodeEnvelope({ ...message, cid: String(cid) }));
    });
  return { ws, request };
}

try {
  const sdkSession = await client.authenticateDevice({ id: "bench-device-sdk", username: "bench_sdk" });
  const rawSession = await client.authenticateDevice({ id: "bench-device-raw", username: "bench_raw" });
  // The default socket: it reconnects, so every write goes through the outbox.
  const socket = client.createSocket(plain ? { codec, reconnect: false } : { codec });
  await socket.connect(sdkSession);
  const channel = await socket.joinChat(`${room}-sdk`, ChannelType.Room, { persistence, hidden: true });
  const raw = await rawClient(rawSession.token);
  const rawChannelId = `2...${room}-raw`;
  await raw.request({
    kind: "channelJoin",
    body: { target: `${room}-raw`, type: ChannelType.Room, persistence, hidden: true },
  });

  const sdkOnce = async (n: number) => {
    const t = performance.now();
    await socket.writeChatMessage(channel.id, { n });
    return performance.now() - t;
  };
  const rawOnce = async (n: number) => {
    const t = performance.now();
    await raw.request({
      kind: "channelMessageSend",
      // The same frame as the SDK's: its outbox gives every message a client message id.
      body: {
        channelId: rawChannelId,
        content: JSON.stringify({ n }),
        ...(plain ? {} : { clientMsgId: crypto.randomUUID() }),
      },
    });
    return performance.now() - t;
  };
  const sdkMs: number[] = [];
  const rawMs: number[] = [];
  for (let n = 0; n < WARMUP + MESSAGES; n++) {
    // Turns alternate (SDK then raw, raw then SDK) so neither always runs right after the other.
    const [first, second] = n % 2 === 0 ? [sdkOnce, rawOnce] : [rawOnce, sdkOnce];
    const a = await first(n);
    const b = await second(n);
    if (n < WARMUP) continue;
    sdkMs.push(first === sdkOnce ? a : b);
    rawMs.push(first === sdkOnce ? b : a);
  }

  const summary = (ms: number[]) => {
    const sorted = [...ms].sort((x, y) => x - y);
    const totalMs = ms.reduce((sum, x) => sum + x, 0);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      perSecond: (ms.length * 1000) / totalMs,
    };
  };
  const sdk = summary(sdkMs);
  const rawSummary = summary(rawMs);
  // Ratio of the two clients' total time in each block of BLOCK turns.
  const blockRatios: number[] = [];
  for (let at = 0; at + BLOCK <= sdkMs.length; at += BLOCK) {
    const total = (ms: number[]) => ms.slice(at, at + BLOCK).reduce((sum, x) => sum + x, 0);
    blockRatios.push(total(sdkMs) / total(rawMs));
  }
  blockRatios.sort((x, y) => x - y);
  console.log(
    `roundtrip: ${codec.format}, ${MESSAGES} messages per client taking turns, persistence ${persistence ? "on" : "off"}, one message in flight`,
  );
  for (const [name, s] of [
    ["herald SDK", sdk],
    ["raw ws", rawSummary],
  ] as const) {
    console.log(
      `  ${name.padEnd(10)} p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ${Math.round(s.perSecond)} msg/s`,
    );
  }
  console.log(
    `  ratio SDK/raw: p50 ${(sdk.p50 / rawSummary.p50).toFixed(2)}x, p99 ${(sdk.p99 / rawSummary.p99).toFixed(2)}x, time per message ${(rawSummary.perSecond / sdk.perSecond).toFixed(2)}x (target <= 1.05x)`,
  );
  if (blockRatios.length) {
    console.log(
      `  time per message, median of ${blockRatios.length} blocks of ${BLOCK}: ${percentile(blockRatios, 50).toFixed(3)}x (quartiles ${percentile(blockRatios, 25).toFixed(3)}x to ${percentile(blockRatios, 75).toFixed(3)}x)`,
    );
  }
  await socket.disconnect();
  raw.ws.close();
} finally {
  await server.close();
}
