// A stream of numbered frames from one cluster node to another, one per event-loop turn, with a
// connection cut every 100 frames, and its numbered frames and receiving room: what the publish-order
// tests on Redis and Redis Cluster share.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ClusterMessage, Room } from "../../src/server/cluster/cluster-adapter.js";
import type { RedisClusterAdapter } from "../../src/server/cluster/redis-adapter.js";
import { turn } from "../helpers/event-loop.js";

/** What {@link streamThroughCuts} saw. */
export interface CutStream {
  /** The numbers of the frames the receiver got, in arrival order; still filled after resolving. */
  received: number[];
  /** How many of the cuts found a connection to cut. */
  cutsMade: number;
}

/** A frame carrying the number `n` as its text, then a space and `padding` bytes if asked. */
export const numberedFrame = (n: number, padding = 0): ClusterMessage => ({
  kind: "frame",
  text: new TextEncoder().encode(padding > 0 ? `${n} ${"x".repeat(padding)}` : String(n)),
});

/**
 * Subscribes `receiver` to `count` new rooms; `received` lists the numbers of the frames it gets
 * in any of them, in arrival order, and goes on filling.
 */
export async function numberedRooms(
  receiver: RedisClusterAdapter,
  count: number,
): Promise<{ rooms: Room[]; received: number[] }> {
  const rooms = Array.from({ length: count }, (): Room => `channel:${randomUUID()}`);
  const received: number[] = [];
  receiver.on("message", (_room, message) => {
    if (message.kind === "frame" && message.text !== undefined)
      received.push(Number(new TextDecoder().decode(message.text).split(" ")[0]));
  });
  for (const room of rooms) await receiver.subscribe(room);
  return { rooms, received };
}

/** The frame numbers from 0 to `total - 1` that `received` lacks. */
export function missingFrames(received: readonly number[], total: number): number[] {
  const got = new Set(received);
  return Array.from({ length: total }, (_, n) => n).filter((n) => !got.has(n));
}

/** Each number's first arrival, in arrival order (later copies of a number left out). */
function firstCopies(received: readonly number[]): number[] {
  const seen = new Set<number>();
  return received.filter((n) => !seen.has(n) && seen.add(n) !== undefined);
}

/** Asserts that each number's first copy arrived after those published (numbered) before it. */
export function assertFirstCopiesInOrder(received: readonly number[], message: string): void {
  const first = firstCopies(received);
  assert.deepEqual(
    first,
    [...first].sort((a, b) => a - b),
    message,
  );
}

/** {@link numberedRooms} of one room. */
export async function numberedRoom(
  receiver: RedisClusterAdapter,
): Promise<{ room: Room; received: number[] }> {
  const { rooms, received } = await numberedRooms(receiver, 1);
  return { room: rooms[0] as Room, received };
}

/**
 * Subscribes `receiver` to a new room and has `sender` publish frames `0` to `total - 1` there, one
 * per turn, calling `cut` (not awaited: the stream goes on while the connection breaks) before
 * every hundredth, once the cut before has settled. Resolves once all are published and every cut
 * has settled.
 */
export async function streamThroughCuts(
  sender: RedisClusterAdapter,
  receiver: RedisClusterAdapter,
  cut: () => Promise<boolean>,
  total: number,
): Promise<CutStream> {
  const { room, received } = await numberedRoom(receiver);
  const cuts: Promise<boolean>[] = [];
  for (let i = 0; i < total; i++) {
    sender.publish(room, numberedFrame(i));
    if (i > 0 && i % 100 === 0) {
      // One cut at a time: on a busy machine the stream could outrun slow cuts, which then all came
      // after it and mostly found nothing left to cut.
      await cuts[cuts.length - 1];
      cuts.push(cut());
    }
    await turn();
  }
  const cutsMade = (await Promise.all(cuts)).filter(Boolean).length;
  return { received, cutsMade };
}
