import { randomBytes } from "node:crypto";

// A stamped publish on the wire: one marker byte (STAMPED, outside cluster-wire's versions 1 to 3),
// the sending connection's id (6 random bytes), the publish's number (`seq`) among all that
// connection sent, and the number of its previous publish on the same channel (`prev`; 0 when there
// is none it remembers), each 6 bytes BE, then the payload as it was, untouched.
// `seq` counts every channel, so one counter serves them all; `prev` names the one publish a
// receiver must have seen first, which on a channel it does not listen to would never come.

/** The first byte of a stamped publish. */
export const STAMPED = 0x10;
/** Where the payload starts. */
export const STAMP_BYTES = 19;

/**
 * How long a sender remembers a channel's last publish (and a receiver a sender's channel): at
 * least this, at most twice. A publish later than that behind the one before it is not waited for.
 */
export const REMEMBER_MS = 30_000;

/** A stamped publish, read back by {@link readStamp}. */
export interface Stamp {
  /** The sender's id. */
  sender: number;
  seq: number;
  prev: number;
  payload: Buffer;
}

/** Reads a stamped publish; undefined when `data` is not one (an unstamped publish passes as is). */
export function readStamp(data: Buffer): Stamp | undefined {
  if (data.length < STAMP_BYTES || data[0] !== STAMPED) return undefined;
  return {
    sender: data.readUIntBE(1, 6),
    seq: data.readUIntBE(7, 6),
    prev: data.readUIntBE(13, 6),
    payload: data.subarray(STAMP_BYTES),
  };
}

/**
 * Numbers one connection's publishes, in the order they are issued, so that each receiver can put
 * them back in that order whichever way each one travelled (see {@link PublishOrder}).
 */
export class PublishStamper {
  /** Random: two senders sharing one among a cluster's few is a 2^-48 chance. */
  private readonly id = randomBytes(6);
  private seq = 0;
  /** The last publish per channel: the current generation, then the one before. */
  private recent = new Map<string, number>();
  private older = new Map<string, number>();
  private rotatedAt = Date.now();

  /** Stamps `payload`, the next publish on `channel`. */
  stamp(channel: string, payload: Buffer): Buffer {
    this.seq += 1;
    const prev = this.recent.get(channel) ?? this.older.get(channel) ?? 0;
    this.recent.set(channel, this.seq);
    const out = Buffer.allocUnsafe(STAMP_BYTES + payload.length);
    out[0] = STAMPED;
    out.set(this.id, 1);
    out.writeUIntBE(this.seq, 7, 6);
    out.writeUIntBE(prev, 13, 6);
    out.set(payload, STAMP_BYTES);
    return out;
  }

  /**
   * Forgets `channel`'s last publish, given up for lost: the next one on it names none before it,
   * so that no receiver waits for one that may never come.
   */
  forget(channel: string): void {
    this.recent.delete(channel);
    this.older.delete(channel);
  }

  /** Drops what is older than two generations; called once per batch, not per publish. */
  tick(now = Date.now()): void {
    if (now - this.rotatedAt < REMEMBER_MS) return;
    this.older = this.recent;
    this.recent = new Map();
    this.rotatedAt = now;
  }
}
