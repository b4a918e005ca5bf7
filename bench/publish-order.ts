// What ordering a node's publishes on a Redis Cluster costs, without Redis: the CPU per message of
// the path a publish takes through one sending and one receiving node (encode the cluster message,
// stamp it, read the stamp back, decode the message), stamped (Redis Cluster) against unstamped (a
// single Redis, the path as it was), run alternately (A B A B) in one process.
//
//   npx tsx bench/publish-order.ts [messages per round] [rounds]

import { performance } from "node:perf_hooks";
import { decodeClusterMessages, encodeClusterMessage } from "../src/server/cluster/cluster-wire.js";
import { PublishOrder } from "../src/server/cluster/publish-order.js";
import { PublishStamper } from "../src/server/cluster/publish-stamp.js";

const messages = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const channels = Array.from({ length: 100 }, (_, i) => `herald:r:channel:${i}`);
const channelBytes = channels.map((name) => Buffer.from(name));
// A chat message envelope's JSON, about the size of a short message with its metadata.
const text = new TextEncoder().encode(
  JSON.stringify({
    channel_message: {
      channel_id: "2...room",
      message_id: "6b1c3a52-2f0e-4b5e-9d6a-0f5e0c3f1a2b",
      content: '{"text":"hello there, how is everyone doing today?"}',
      sender_id: "f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
      username: "ada",
      create_time: "2026-12-01T07:00:00Z",
      persistent: true,
    },
  }),
);

function run(stamped: boolean): number {
  const stamper = new PublishStamper();
  let delivered = 0;
  const order = new PublishOrder((_channel, payload) => {
    delivered += decodeClusterMessages(payload).length;
  });
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    const at = i % channels.length;
    const payload = encodeClusterMessage("node-1", { kind: "frame", text });
    const data = stamped ? stamper.stamp(channels[at] as string, payload) : payload;
    order.receive(channelBytes[at] as Buffer, data);
  }
  const elapsed = performance.now() - start;
  if (delivered !== messages) throw new Error(`delivered ${delivered} of ${messages}`);
  return (elapsed * 1e6) / messages;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

run(false);
run(true);
const plain: number[] = [];
const ordered: number[] = [];
for (let r = 0; r < rounds; r++) {
  plain.push(run(false));
  ordered.push(run(true));
}
const a = median(plain);
const b = median(ordered);
console.log(`messages per round: ${messages}, rounds: ${rounds}, channels: ${channels.length}`);
console.log(`unstamped (single Redis): ${a.toFixed(0)} ns per message (median)`);
console.log(`stamped (Redis Cluster):  ${b.toFixed(0)} ns per message (median)`);
console.log(`ratio stamped / unstamped: ${(b / a).toFixed(3)}`);
