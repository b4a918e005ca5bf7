// `npm run bench:roundtrip`: send-to-ack latency and messages per second through the bundled
// server, herald's SDK (Socket.writeChatMessage) next to a raw `ws` client sending the same frames
// and waiting for the same acks, measured alternately (A B A B) in one run against one server.
// Prints p50/p99 latency, messages/s and the SDK's ratio to the raw client. Target: <= 1.10x.
//
// BENCH_MESSAGES (per round, default 2000), BENCH_ROUNDS (default 4), BENCH_FORMAT (json or
// protobuf, default json), BENCH_PERSIST (1 to store messages, default 0: the SDK's own cost is
// what is measured, a database write per message would dominate both sides).
import WebSocket from "ws";
import { ChannelType, Client } from "../src/index.js";
import { protobufCodec } from "../src/protobuf.js";
import type { Codec } from "../src/protocol/codec.js";
import { jsonCodec } from "../src/protocol/json-codec.js";
import { createServer } from "../src/server/index.js";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const codec: Codec = process.env.BENCH_FORMAT === "protobuf" ? protobufCodec : jsonCodec;
const persistence = process.env.BENCH_PERSIST === "1";

interface RoundResult {
  latenciesMs: number[];
  seconds: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

const server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
const client = new Client({ port: server.port });
const room = `bench-${Date.now()}`;

async function sdkRound(socket: import("../src/index.js").Socket, channelId: string): Promise<RoundResult> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (let n = 0; n < MESSAGES; n++) {
    const t = performance.now();
    await socket.writeChatMessage(channelId, { n });
    latenciesMs.push(performance.now() - t);
  }
  return { latenciesMs, seconds: (performance.now() - start) / 1000 };
}

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

async function rawRound(raw: Awaited<ReturnType<typeof rawClient>>, channelId: string): Promise<RoundResult> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (let n = 0; n < MESSAGES; n++) {
    const t = performance.now();
    await raw.request({ kind: "channelMessageSend", body: { channelId, content: JSON.stringify({ n }) } });
    latenciesMs.push(performance.now() - t);
  }
  return { latenciesMs, seconds: (performance.now() - start) / 1000 };
}

try {
  const sdkSession = await client.authenticateDevice({ id: "bench-device-sdk", username: "bench_sdk" });
  const rawSession = await client.authenticateDevice({ id: "bench-device-raw", username: "bench_raw" });
  const socket = client.createSocket({ codec });
  await socket.connect(sdkSession);
  const channel = await socket.joinChat(room, ChannelType.Room, { persistence, hidden: true });
  const raw = await rawClient(rawSession.token);
  await raw.request({
    kind: "channelJoin",
    body: { target: room, type: ChannelType.Room, persistence, hidden: true },
  });
  // Warm both paths up before measuring.
  await sdkRound(socket, channel.id);
  await rawRound(raw, channel.id);

  const results: Record<"sdk" | "raw", RoundResult[]> = { sdk: [], raw: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first (A B, B A, ...) so that order effects hit both alike.
    if (round % 2 === 0) {
      results.sdk.push(await sdkRound(socket, channel.id));
      results.raw.push(await rawRound(raw, channel.id));
    } else {
      results.raw.push(await rawRound(raw, channel.id));
      results.sdk.push(await sdkRound(socket, channel.id));
    }
  }

  const summary = (rounds: RoundResult[]) => ({
    p50: median(
      rounds.map((r) =>
        percentile(
          [...r.latenciesMs].sort((a, b) => a - b),
          50,
        ),
      ),
    ),
    p99: median(
      rounds.map((r) =>
        percentile(
          [...r.latenciesMs].sort((a, b) => a - b),
          99,
        ),
      ),
    ),
    perSecond: median(rounds.map((r) => MESSAGES / r.seconds)),
  });
  const sdk = summary(results.sdk);
  const rawSummary = summary(results.raw);
  console.log(
    `roundtrip: ${codec.format}, ${ROUNDS} rounds x ${MESSAGES} messages, persistence ${persistence ? "on" : "off"}, one message in flight`,
  );
  for (const [name, s] of [
    ["herald SDK", sdk],
    ["raw ws", rawSummary],
  ] as const) {
    console.log(
      `  ${name.padEnd(10)} p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ${Math.round(s.perSecond)} msg/s`,
    );
  }
  const ratio = sdk.p50 / rawSummary.p50;
  console.log(
    `  ratio SDK/raw: p50 ${ratio.toFixed(2)}x, p99 ${(sdk.p99 / rawSummary.p99).toFixed(2)}x, throughput ${(rawSummary.perSecond / sdk.perSecond).toFixed(2)}x slower (target <= 1.10x)`,
  );
  await socket.disconnect();
  raw.ws.close();
} finally {
  await server.close();
}
