/** Options of {@link StoredTips}. */
export interface StoredTipsOptions {
  /** Sends the other nodes the newest seq this node stored in a channel. */
  publish: (channelId: string, seq: number) => void;
  /**
   * How often the tips of the channels written to recently go out (ms).
   * @default 1000
   */
  intervalMs?: number;
  /**
   * How many rounds a channel's tip is repeated after its last write, so that one lost tip is
   * made good by the next.
   * @default 2
   */
  rounds?: number;
}

/** How often a node tells the newest seqs it stored, by default (ms). */
export const DEFAULT_TIP_MS = 1000;

interface Written {
  seq: number;
  /** Rounds left before the channel is forgotten. */
  left: number;
}

/**
 * Tells the other nodes, every `intervalMs`, the newest seq this node stored in each channel it
 * wrote to lately. A node that has not delivered that far lost a publish (a broken subscription,
 * a message Redis dropped) and reads the gap from storage, even when nothing else is ever sent in
 * that channel. The cost follows the writes, not the channels: a channel goes out `rounds` times
 * after its last write, then is forgotten; a node that writes nothing sends nothing.
 */
export class StoredTips {
  private readonly written = new Map<string, Written>();
  private readonly rounds: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: StoredTipsOptions) {
    this.rounds = Math.max(1, options.rounds ?? 2);
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? DEFAULT_TIP_MS);
    this.timer.unref?.();
  }

  /** Notes a message this node stored (and published). */
  note(channelId: string, seq: number): void {
    const known = this.written.get(channelId);
    if (known === undefined) this.written.set(channelId, { seq, left: this.rounds });
    else {
      if (seq > known.seq) known.seq = seq;
      known.left = this.rounds;
    }
  }

  /** Channels whose tip is still to go out (for tests and the console). */
  get size(): number {
    return this.written.size;
  }

  /** Sends this round's tips. */
  flush(): void {
    for (const [channelId, w] of this.written) {
      this.options.publish(channelId, w.seq);
      if (--w.left <= 0) this.written.delete(channelId);
    }
  }

  /** Stops sending. */
  close(): void {
    clearInterval(this.timer);
    this.written.clear();
  }
}
