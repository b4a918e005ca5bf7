// `npm run bench:incoming`: CPU per incoming chat message, from the frame a WebSocket delivers to
// the app's listener, herald's Socket next to nakama-js's socket (its text adapter and its own
// content parsing). A stand-in WebSocket hands both the same JSON chat-message frames; no server
// and no network are involved, so what is measured is the SDKs' own work per push.
//
// Both listeners read the same fields (message id, sender, one property of the content), as an
// app showing the message would. herald's listener gets the typed, camelCase model with Dates;
// nakama-js's gets the snake_case wire object with its content parsed. A third row runs herald's
// Socket with `lazyJsonCodec`, whose pushes are views converted field by field when read.
//
// The two run alternately in slices (A B A B ...); the figure is the median CPU time per message
// of each, and their ratio. Target: herald <= 1.00x nakama-js.
//
// BENCH_ROUNDS (default 9), BENCH_MESSAGES per slice (default 20000).
import { Client as NakamaClient } from "@heroiclabs/nakama-js";
import { built } from "./built.js";
import { chatFrames, FrameFeed, fakeToken } from "./incoming-frames.js";

const { Client, Session, jsonCodec } = await built<typeof import("../src/index.js")>("index.js");
// Not exported by the package: taken from the sources (transpiled once at load; per message the
// code is the same).
const { lazyJsonCodec } = await import("../src/protocol/message-view.js");

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const frames = chatFrames(1000);

interface Contender {
  readonly name: string;
  /** The stand-in WebSocket the SDK opened. */
  readonly feed: FrameFeed;
  /** How many messages reached the app's listener, and a checksum of what it read. */
  readonly seen: { count: number; sum: number };
}

async function heraldContender(name: string, codec = jsonCodec): Promise<Contender> {
  const seen = { count: 0, sum: 0 };
  const client = new Client({ fetch: () => Promise.reject(new Error("no REST in this bench")) });
  const socket = client.createSocket({ WebSocket: FrameFeed, codec });
  socket.onChannelMessage((m) => {
    seen.count++;
    seen.sum += m.messageId.length + m.senderId.length + String(m.content.text).length;
  });
  await socket.connect(new Session(fakeToken(), ""), {});
  return { name, feed: FrameFeed.last(), seen };
}

async function nakamaContender(): Promise<Contender> {
  const seen = { count: 0, sum: 0 };
  const client = new NakamaClient("defaultkey", "127.0.0.1", "7350");
  const socket = client.createSocket(false, false);
  socket.onchannelmessage = (m) => {
    seen.count++;
    seen.sum += m.message_id.length + m.sender_id.length + String(m.content.text).length;
  };
  // nakama-js's adapter opens the global WebSocket.
  (globalThis as { WebSocket?: unknown }).WebSocket = FrameFeed;
  await socket.connect({ token: fakeToken() } as Parameters<typeof socket.connect>[0], false);
  return { name: "nakama-js socket", feed: FrameFeed.last(), seen };
}

/** CPU microseconds per message over one slice of MESSAGES frames. */
function slice(c: Contender, offset: number): number {
  const before = c.seen.count;
  const start = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i++) c.feed.push(frames[(offset + i) % frames.length] as string);
  const used = process.cpuUsage(start);
  if (c.seen.count - before !== MESSAGES) {
    throw new Error(`${c.name}: ${c.seen.count - before} of ${MESSAGES} messages reached the listener`);
  }
  return (used.user + used.system) / MESSAGES;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const contenders = [
  await heraldContender("herald Socket"),
  await heraldContender("herald, lazyJsonCodec", lazyJsonCodec),
  await nakamaContender(),
];
for (const c of contenders) for (let i = 0; i < 3; i++) slice(c, i); // warm up both paths
const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? contenders : [...contenders].reverse();
  for (const c of order) samples.get(c.name)?.push(slice(c, r));
}

const [herald, lazy, nakama] = contenders.map((c) => median(samples.get(c.name) ?? [])) as [
  number,
  number,
  number,
];
console.log(
  `\nCPU per incoming chat message, frame to app listener (median of ${ROUNDS} alternating slices of ${MESSAGES}; ${frames.length} distinct frames of ~${Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length)} bytes)\n`,
);
console.log(`${"socket".padEnd(22)}${"µs/message".padStart(12)}`);
console.log(`${"herald Socket".padEnd(22)}${herald.toFixed(3).padStart(12)}`);
console.log(`${"herald, lazyJsonCodec".padEnd(22)}${lazy.toFixed(3).padStart(12)}`);
console.log(`${"nakama-js socket".padEnd(22)}${nakama.toFixed(3).padStart(12)}`);
console.log(`\nherald / nakama-js:                ${(herald / nakama).toFixed(2)}x  (target <= 1.00x)`);
console.log(`herald lazyJsonCodec / nakama-js: ${(lazy / nakama).toFixed(2)}x`);
for (const c of contenders)
  console.log(`${c.name}: ${c.seen.count} messages delivered, checksum ${c.seen.sum}`);
// nakama-js's connect and heartbeat timers would keep the process alive for half a minute.
process.exit(0);
