// `npm run bench:codec`: envelope encode+decode throughput of herald's JSON and protobuf codecs
// next to the stock nakama-js text adapter and nakama-js-protobuf adapter, on the same messages,
// measured alternately in one run. Targets: herald protobuf >= 2x nakama-js-protobuf; herald
// JSON >= 1x nakama-js text. Prints a table of medians and ratios.
import { WebSocketAdapterText } from "@heroiclabs/nakama-js";
import { WebSocketAdapterPb } from "@heroiclabs/nakama-js-protobuf";
import type { EnvelopeInit } from "../src/gen/wire.js";
import { sampleEnvelopes } from "../test/fixtures/envelopes.js";
import { built } from "./built.js";

const { jsonCodec } = await built<typeof import("../src/index.js")>("index.js");
const { protobufCodec } = await built<typeof import("../src/protobuf.js")>("protobuf.js");

// The mix a chat client sees most: message pushes, presence events, sends and their acks.
const mix: EnvelopeInit[] = [
  sampleEnvelopes.channelMessage,
  sampleEnvelopes.channelMessage,
  sampleEnvelopes.channelMessage,
  sampleEnvelopes.channelMessageSend,
  sampleEnvelopes.channelMessageAck,
  sampleEnvelopes.statusPresenceEvent,
  sampleEnvelopes.channelPresenceEvent,
  sampleEnvelopes.statusUpdate,
];
// nakama-js callers hand its adapters the snake_case JSON form of the same envelopes; the
// protobuf adapter takes timestamps as Dates.
const nakamaTextMix = mix.map((env) => JSON.parse(jsonCodec.encodeEnvelope(env) as string));
const nakamaPbMix = mix.map((env) =>
  JSON.parse(jsonCodec.encodeEnvelope(env) as string, (key, value) =>
    key.endsWith("_time") ? new Date(value) : value,
  ),
);

interface Contender {
  name: string;
  /** Encodes and decodes every envelope of the mix once. */
  round(): void;
}

type StockAdapter = {
  _socket: { send(data: unknown): void; onmessage?: (e: { data: unknown }) => void };
  onMessage: (e: unknown) => void;
  send(msg: unknown): void;
};

/** Drives a stock adapter through a stand-in socket so only its own encode/decode code runs. */
function stock(adapter: StockAdapter, name: string, binary: boolean, messages: unknown[]): Contender {
  let frame: unknown;
  let sink: unknown;
  adapter._socket = { send: (data) => (frame = data) };
  adapter.onMessage = (e) => (sink = e);
  return {
    name,
    round() {
      for (const msg of messages) {
        // The adapters rewrite only match and party payloads, none of which are in the mix, so
        // the same objects can be handed over every round.
        adapter.send(msg);
        let data = frame;
        if (binary) {
          const b = frame as Uint8Array;
          data = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        }
        adapter._socket.onmessage?.({ data });
      }
      if (sink === undefined) throw new Error(`${name} decoded nothing`);
    },
  };
}

function herald(name: string, codec: typeof jsonCodec): Contender {
  return {
    name,
    round() {
      for (const env of mix) {
        const decoded = codec.decodeEnvelope(codec.encodeEnvelope(env));
        if (decoded.kind !== env.kind) throw new Error(`${name} decoded ${decoded.kind} for ${env.kind}`);
      }
    },
  };
}

const contenders: Contender[] = [
  herald("herald json", jsonCodec),
  stock(new WebSocketAdapterText() as unknown as StockAdapter, "nakama-js text", false, nakamaTextMix),
  herald("herald protobuf", protobufCodec),
  stock(new WebSocketAdapterPb() as unknown as StockAdapter, "nakama-js-protobuf", true, nakamaPbMix),
];

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const millis = Number(process.env.BENCH_MS ?? 400);

/** Envelopes (encode + decode) per second over one timed slice. */
function measure(c: Contender): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < millis) {
    for (let i = 0; i < 50; i++) c.round();
    n += 50;
    now = performance.now();
  }
  return (n * mix.length * 1000) / (now - start);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

for (const c of contenders) measure(c); // warm up every path before timing
const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  // Alternate the order each round so drift in machine load hits every contender alike.
  const order = r % 2 === 0 ? contenders : [...contenders].reverse();
  for (const c of order) samples.get(c.name)?.push(measure(c));
}

const med = (name: string) => median(samples.get(name) ?? []);
const rows = contenders.map((c) => [c.name, Math.round(med(c.name)).toLocaleString("en-US")]);
console.log(
  `\nEnvelope encode+decode per second (median of ${rounds} rounds of ${millis} ms, mix of ${mix.length})\n`,
);
console.log(`${"codec".padEnd(22)}${"envelopes/s".padStart(14)}`);
for (const [name, value] of rows) console.log(`${String(name).padEnd(22)}${String(value).padStart(14)}`);
const jsonRatio = med("herald json") / med("nakama-js text");
const pbRatio = med("herald protobuf") / med("nakama-js-protobuf");
console.log(`\nherald json / nakama-js text:          ${jsonRatio.toFixed(2)}x  (target >= 1.00x)`);
console.log(`herald protobuf / nakama-js-protobuf:  ${pbRatio.toFixed(2)}x  (target >= 2.00x)`);
