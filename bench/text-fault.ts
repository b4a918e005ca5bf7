// `npx tsx bench/text-fault.ts`: what the realtime duplicate-field scan (json-text-fault.ts, run
// on every JSON text frame the server reads) costs per frame, set against decoding the same frame
// (which every frame pays anyway), for the requests of `bench:server`'s two rounds: a status update
// and a room message. The two take turns (A B B A ...) for BENCH_ROUNDS pairs; printed: ns per
// frame of each, their ratio, and what the scan adds per delivery when one frame fans out to
// BENCH_MEMBERS sockets (as in `bench:server`). Counted in-process from the sources (tsx), so the
// absolute figures carry the loader's small overhead on both sides alike; the ratio is the figure.
//
// BENCH_ROUNDS (7), BENCH_CALLS (200000 per turn), BENCH_MEMBERS (500).
import { jsonCodec } from "../src/protocol/json-codec.js";
import { jsonTextFault } from "../src/server/transport/json-text-fault.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 500);

/** The requests `bench:server` sends, as it spells them. */
const FRAMES = {
  status: JSON.stringify({ cid: "123", status_update: { status: `t${(12345.678).toFixed(3)}` } }),
  room: JSON.stringify({
    cid: "m123",
    channel_message_send: { channel_id: "2...bench-room-1234abcd", content: '{"t":12345.678}' },
  }),
};

/** ns per call of `f` over CALLS calls; the result is kept so the calls cannot be dropped. */
function time(f: () => unknown): number {
  let keep = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) if (f() !== undefined) keep++;
  const ns = Number(process.hrtime.bigint() - start) / CALLS;
  if (keep === -1) console.log(keep);
  return ns;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

for (const [name, frame] of Object.entries(FRAMES)) {
  const scan = () => jsonTextFault(frame, { spellings: true });
  const decode = () => jsonCodec.decodeEnvelope(frame);
  if (scan() !== undefined) throw new Error(`the scan finds fault with the ${name} frame`);
  // Warm-up: both optimised before anything is timed.
  time(scan);
  time(decode);
  const ratios: number[] = [];
  const scans: number[] = [];
  const decodes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let scanNs: number;
    let decodeNs: number;
    if (round % 2 === 0) {
      scanNs = time(scan);
      decodeNs = time(decode);
    } else {
      decodeNs = time(decode);
      scanNs = time(scan);
    }
    scans.push(scanNs);
    decodes.push(decodeNs);
    ratios.push(scanNs / decodeNs);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${name} request (${frame.length} characters): scan ${median(scans).toFixed(0)} ns, decode ${median(decodes).toFixed(0)} ns per frame; ` +
      `scan / decode ${median(ratios).toFixed(2)}x (range ${sorted[0]?.toFixed(2)}x to ${sorted.at(-1)?.toFixed(2)}x, ${ROUNDS} pairs); ` +
      `per delivery at ${MEMBERS} members: ${(median(scans) / MEMBERS).toFixed(2)} ns`,
  );
}
