import { REMEMBER_MS, STAMP_BYTES, STAMPED, type Stamp } from "./publish-stamp.js";
import type { RedisConnection } from "./redis-connection.js";

/** Options of {@link PublishOrder}. */
export interface PublishOrderOptions {
  /**
   * How long a publish that comes before the one its sender issued just before it on its channel
   * waits for that one; then it goes out anyway, and the missing one is dropped if it comes later.
   * @default 750 (past the last resend of a publish whose hub broke: see `PUBLISH_ATTEMPTS`)
   */
  gapMs?: number;
  /** How many publishes of one sender and channel may wait; past that they go out at once. @default 1000 */
  maxWaiting?: number;
}

/** What a receiver knows of one sender's publishes on one channel. */
interface Track {
  /** The channel's name, and as the subscriber got it. */
  name: string;
  channel: Buffer;
  /** The `seq` of the last publish handed on. */
  last: number;
  /** Publishes that came early, by `prev`. */
  waiting: Map<number, Stamp>;
  /** When the oldest waiting one stops waiting (ms). */
  due: number;
}

/**
 * Puts each sender's publishes on each channel back in the order the sender issued them (see
 * {@link PublishStamper}). On a Redis Cluster a node's publishes go through one primary, but when
 * that primary's connection breaks they go on through another, and each crosses the cluster bus
 * from the server it was published on: one published on the new primary can reach a subscriber
 * before one published on the old, still in the old one's bus link (a few tens of milliseconds are
 * usual). A sender also sends again the publishes whose connection broke before their reply, some
 * of which Redis had taken: those arrive twice.
 *
 * So a publish goes out when it follows the last one handed on (its `prev` is that one's `seq`), or
 * its sender named none before it; one that comes early waits (for at most `gapMs`), and one at or
 * below the last handed on is a duplicate or too late, and dropped. Publishes of different senders
 * are not ordered among themselves: Redis Cluster's bus interleaves them, and so does this.
 * Unstamped publishes (a single Redis, where one connection keeps the order) pass as they are.
 */
export class PublishOrder {
  private readonly gapMs: number;
  private readonly maxWaiting: number;
  /** Tracks by channel, then sender: the current generation, then the one before. */
  private recent = new Map<string, Map<number, Track>>();
  private older = new Map<string, Map<number, Track>>();
  private rotatedAt = Date.now();
  /** Tracks with publishes waiting. */
  private readonly stalled = new Set<Track>();
  private timer: NodeJS.Timeout | undefined;
  /** Publishes dropped as duplicates or too late, since the start. */
  dropped = 0;

  /** @param deliver what gets each publish's payload, in order */
  constructor(
    private readonly deliver: (channel: Buffer, payload: Buffer) => void,
    options: PublishOrderOptions = {},
  ) {
    this.gapMs = options.gapMs ?? 750;
    this.maxWaiting = options.maxWaiting ?? 1000;
  }

  /** Takes one message as the subscriber got it. */
  receive(channel: Buffer, data: Buffer): void {
    if (data.length < STAMP_BYTES || data[0] !== STAMPED) {
      this.deliver(channel, data);
      return;
    }
    const stamp: Stamp = {
      sender: data.readUIntBE(1, 6),
      seq: data.readUIntBE(7, 6),
      prev: data.readUIntBE(13, 6),
      payload: data.subarray(STAMP_BYTES),
    };
    const now = Date.now();
    if (now - this.rotatedAt >= REMEMBER_MS) this.rotate(now);
    const name = channel.toString();
    let senders = this.recent.get(name);
    if (senders === undefined) {
      senders = this.older.get(name) ?? new Map<number, Track>();
      this.recent.set(name, senders);
    }
    const track = senders.get(stamp.sender);
    if (track === undefined) {
      // Nothing known of this sender on this channel (just subscribed, or long quiet): start here.
      senders.set(stamp.sender, { name, channel, last: stamp.seq, waiting: new Map(), due: 0 });
      this.deliver(channel, stamp.payload);
      return;
    }
    if (stamp.seq <= track.last) {
      this.dropped += 1;
      return;
    }
    if (stamp.prev === 0 || stamp.prev <= track.last) {
      track.last = stamp.seq;
      this.deliver(channel, stamp.payload);
      if (track.waiting.size > 0) this.release(track);
      return;
    }
    // Early: the publish before it is still on its way.
    if (track.waiting.size === 0) {
      track.due = now + this.gapMs;
      this.stalled.add(track);
      this.schedule();
    }
    track.waiting.set(stamp.prev, stamp);
    if (track.waiting.size > this.maxWaiting) this.flush(track);
  }

  /**
   * Hands on what waits now and forgets every sender: after the subscription was lost, what was
   * published meanwhile will never come, and must not be waited for.
   */
  reset(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const track of [...this.stalled]) this.flush(track);
    this.recent = new Map();
    this.older = new Map();
  }

  /**
   * Forgets a channel (this node stopped listening to it): what is published on it until it listens
   * again never comes, and must not be waited for then. What waits is handed on now.
   */
  forget(name: string): void {
    for (const generation of [this.recent, this.older]) {
      for (const track of generation.get(name)?.values() ?? []) {
        if (track.waiting.size > 0) this.flush(track);
      }
      generation.delete(name);
    }
  }

  /** Hands on the waiting publishes that follow the last handed on, in order. */
  private release(track: Track): void {
    for (let next = track.waiting.get(track.last); next !== undefined; next = track.waiting.get(track.last)) {
      track.waiting.delete(track.last);
      track.last = next.seq;
      this.deliver(track.channel, next.payload);
    }
    if (track.waiting.size === 0) {
      this.stalled.delete(track);
      return;
    }
    // One whose `prev` is already behind would wait for nothing: no need to wait at all.
    for (const prev of track.waiting.keys()) {
      if (prev < track.last) {
        this.flush(track);
        return;
      }
    }
  }

  /** Gives up on what is missing: hands on every waiting publish, in `seq` order. */
  private flush(track: Track): void {
    const waiting = [...track.waiting.values()].sort((a, b) => a.seq - b.seq);
    track.waiting.clear();
    this.stalled.delete(track);
    for (const stamp of waiting) {
      if (stamp.seq <= track.last) {
        this.dropped += 1;
        continue;
      }
      track.last = stamp.seq;
      this.deliver(track.channel, stamp.payload);
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    let due = Number.POSITIVE_INFINITY;
    for (const track of this.stalled) due = Math.min(due, track.due);
    if (due === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(this.expire, Math.max(0, due - Date.now()));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    for (const track of [...this.stalled]) if (track.due <= now) this.flush(track);
    this.schedule();
  };

  private rotate(now: number): void {
    this.older = this.recent;
    this.recent = new Map();
    this.rotatedAt = now;
    // A channel with publishes waiting stays current whatever its age.
    for (const track of this.stalled) {
      const senders = this.older.get(track.name);
      if (senders !== undefined) this.recent.set(track.name, senders);
    }
  }
}

/**
 * Listens to `sub`'s messages and hands each to `deliver` in its sender's order (see
 * {@link PublishOrder}). When the subscriber's connection is ready again, what was known is
 * forgotten (see {@link PublishOrder.reset}). Returns the order keeper: `reset` it on close.
 */
export function receiveInOrder(
  sub: RedisConnection,
  deliver: (channel: Buffer, payload: Buffer) => void,
  options: PublishOrderOptions = {},
): PublishOrder {
  const order = new PublishOrder(deliver, options);
  sub.on("messageBuffer", (channel: Buffer, data: Buffer) => order.receive(channel, data));
  sub.on("ready", () => order.reset());
  return order;
}
