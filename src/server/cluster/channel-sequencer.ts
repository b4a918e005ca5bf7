import type { StoredOrder } from "./cluster-adapter.js";

/** A stored message read back from history, as a frame for the node's sockets. */
export interface StoredFrame<F> {
  seq: number;
  frame: F;
}

/** What a gap fill did, for metrics and logs. */
export interface GapFill {
  channelId: string;
  /** The last seq delivered before the fill. */
  after: number;
  /** The last seq delivered after it. */
  to: number;
  /** Messages read from storage and delivered. */
  delivered: number;
  /**
   * Why: the wait ran out, too many messages were held, or the node subscribed again after losing
   * its subscription (reported only when it delivered something).
   */
  reason: "timeout" | "held" | "resubscribed";
}

/** Options of {@link ChannelSequencer}. */
export interface ChannelSequencerOptions<F> {
  /** Hands a frame to this node's members of the channel. */
  deliver: (channelId: string, frame: F) => void;
  /** Up to `limit` stored messages of the channel after `seq`, oldest first, as frames. */
  read: (channelId: string, seq: number, limit: number) => Promise<StoredFrame<F>[]>;
  /** The seq of the channel's newest stored message (0 if none). */
  newest: (channelId: string) => Promise<number>;
  /**
   * How long a message waits for the one before it before the gap is filled from storage.
   * @default 300
   */
  gapFillMs?: number;
  /**
   * How many messages a channel may hold behind a gap; one more fills the gap at once.
   * @default 1000
   */
  maxHeld?: number;
  /**
   * Told of every gap filled from storage.
   * @default does nothing
   */
  onFill?: (fill: GapFill) => void;
  /**
   * Told of a fill that could not read storage (it is tried again after `gapFillMs`), or of a gap
   * given up on (storage unreadable with `maxHeld` messages held: they go out without it).
   * @default does nothing
   */
  onError?: (channelId: string, err: unknown, gaveUp: boolean) => void;
}

/** How long a channel's stored message waits for the one before it, by default (ms). */
export const DEFAULT_GAP_FILL_MS = 300;

/** Rows read per storage request while filling a gap. */
const FILL_PAGE = 100;

interface Held<F> extends StoredOrder {
  frame: F;
}

/** An edit or removal waiting for the stored message it changes. */
interface Change<F> {
  /** The seq of the message it changes. */
  target: number;
  frame: F;
}

/** One channel's chain on this node. */
interface Chain<F> {
  /** The last seq handed to the members; undefined until the chain's start is known. */
  last: number | undefined;
  /** Messages waiting for the one before them, by seq. */
  held: Held<F>[];
  /** Edits and removals waiting for the message they change, in the order they came. */
  changes: Change<F>[];
  /**
   * The newest seq another node said it stored (see {@link ChannelSequencer.tip}); while above
   * `last`, the gap is filled after `gapFillMs` like any other.
   */
  tip: number | undefined;
  timer: NodeJS.Timeout | undefined;
  /** A storage read (the start, or a fill) is under way: everything offered meanwhile waits. */
  reading: boolean;
}

/**
 * Hands a cluster node's stored channel messages to its sockets in history order. Every node
 * stores and publishes on its own, so the publishes of two commits can reach a node in either
 * order, and a node killed between its commit and its publish leaves a message nobody delivers
 * live. Each stored message carries its `seq` and the seq before it in its channel (`prevSeq`,
 * read under the commit's lock): a message goes out once its `prevSeq` is the last one this node
 * delivered in that channel, waits otherwise, and one at or below that is a late duplicate and
 * dropped. A gap still open after `gapFillMs`, or with `maxHeld` messages behind it, is filled
 * from storage: the history after the last delivered seq goes out in order, as live messages.
 *
 * An edit or removal waits for the message it changes ({@link offerChange}), and another node's
 * word of the newest seq it stored ({@link tip}) opens a gap like an early message does, so that a
 * lost publish is filled even when nothing follows it in the channel.
 *
 * A chain lives while the node listens to the channel ({@link open} to {@link close}); it starts
 * from the channel's newest stored seq once the node listens ({@link begin}): what is at or below
 * it was stored before and goes out at once. A single server needs none of this: it delivers its
 * own commits in commit order.
 */
export class ChannelSequencer<F> {
  private readonly chains = new Map<string, Chain<F>>();
  private readonly gapFillMs: number;
  private readonly maxHeld: number;

  constructor(private readonly options: ChannelSequencerOptions<F>) {
    this.gapFillMs = options.gapFillMs ?? DEFAULT_GAP_FILL_MS;
    this.maxHeld = options.maxHeld ?? 1000;
  }

  /** Starts a channel's chain (the node listens to it from now on); its start is not known yet. */
  open(channelId: string): void {
    if (!this.chains.has(channelId))
      this.chains.set(channelId, {
        last: undefined,
        held: [],
        changes: [],
        tip: undefined,
        timer: undefined,
        reading: false,
      });
  }

  /** True while the channel's chain has no start (see {@link begin}). */
  needsStart(channelId: string): boolean {
    const chain = this.chains.get(channelId);
    return chain !== undefined && chain.last === undefined && !chain.reading;
  }

  /**
   * Gives a chain its start: the channel's newest stored seq, read after the node began to listen.
   * Without `newest`, reads it. A chain already started keeps its own.
   */
  begin(channelId: string, newest?: number): void {
    const chain = this.chains.get(channelId);
    if (chain === undefined || chain.last !== undefined) return;
    if (newest !== undefined) {
      this.start(chain, channelId, newest);
      return;
    }
    if (!chain.reading) void this.fill(channelId, chain, "timeout");
  }

  /**
   * Fills every started chain from storage: the node was not subscribed for a while, so what other
   * nodes published meanwhile never came, and maybe nothing after it will.
   */
  fillAll(): void {
    for (const [channelId, chain] of this.chains) {
      if (chain.last !== undefined && !chain.reading) void this.fill(channelId, chain, "resubscribed");
    }
  }

  /** Ends a channel's chain (the node no longer listens to it); what it held is dropped. */
  close(channelId: string): void {
    const chain = this.chains.get(channelId);
    if (chain === undefined) return;
    clearTimeout(chain.timer);
    this.chains.delete(channelId);
  }

  /** Channels with a chain, and messages held behind gaps (for tests and the console). */
  get size(): { channels: number; held: number } {
    let held = 0;
    for (const chain of this.chains.values()) held += chain.held.length + chain.changes.length;
    return { channels: this.chains.size, held };
  }

  /** A stored message for the channel's members: delivered in its turn, held, or dropped. */
  offer(channelId: string, order: StoredOrder, frame: F): void {
    const chain = this.chains.get(channelId);
    // Nobody here listens to the channel: nothing to order.
    if (chain === undefined) {
      this.options.deliver(channelId, frame);
      return;
    }
    if (chain.last !== undefined && order.seq <= chain.last) return;
    if (chain.last !== undefined && !chain.reading && order.prevSeq <= chain.last) {
      this.pass(channelId, chain, order.seq, frame);
      this.drain(channelId, chain);
      return;
    }
    this.hold(chain, { ...order, frame });
    if (chain.reading) return;
    if (chain.held.length > this.maxHeld) void this.fill(channelId, chain, "held");
    else this.arm(channelId, chain);
  }

  /**
   * An edit or removal of the channel's stored message `target`: delivered once that message has
   * gone out on this node (at once if it has), so that nobody gets a change before its original.
   */
  offerChange(channelId: string, target: number, frame: F): void {
    const chain = this.chains.get(channelId);
    if (chain === undefined || (chain.last !== undefined && target <= chain.last)) {
      this.options.deliver(channelId, frame);
      return;
    }
    chain.changes.push({ target, frame });
    if (chain.reading) return;
    if (chain.held.length + chain.changes.length > this.maxHeld) void this.fill(channelId, chain, "held");
    else this.arm(channelId, chain);
  }

  /**
   * Another node's word that it stored the channel's message `seq`: when this node has not
   * delivered that far, a publish was lost (or is late), and with nothing after it in the channel
   * nothing else would tell. The gap is filled after `gapFillMs` unless the messages come first.
   */
  tip(channelId: string, seq: number): void {
    const chain = this.chains.get(channelId);
    // A chain without a start reads the newest seq anyway.
    if (chain === undefined || chain.last === undefined || seq <= chain.last) return;
    if (chain.tip === undefined || seq > chain.tip) chain.tip = seq;
    this.arm(channelId, chain);
  }

  private pass(channelId: string, chain: Chain<F>, seq: number, frame: F): void {
    chain.last = seq;
    this.options.deliver(channelId, frame);
    if (chain.changes.length > 0) this.release(channelId, chain, seq);
  }

  /** Delivers the changes of messages up to `seq`, in the order they came. */
  private release(channelId: string, chain: Chain<F>, seq: number): void {
    const due = chain.changes.filter((c) => c.target <= seq);
    if (due.length === 0) return;
    chain.changes = chain.changes.filter((c) => c.target > seq);
    for (const c of due) this.options.deliver(channelId, c.frame);
  }

  /** True while the chain waits for something: a held message, a change, or a tip above it. */
  private waiting(chain: Chain<F>): boolean {
    return (
      chain.held.length > 0 ||
      chain.changes.length > 0 ||
      (chain.tip !== undefined && chain.last !== undefined && chain.tip > chain.last)
    );
  }

  /** Inserts in seq order (usually at the end); the same seq twice is kept once. */
  private hold(chain: Chain<F>, held: Held<F>): void {
    const list = chain.held;
    let at = list.length;
    while (at > 0 && (list[at - 1] as Held<F>).seq > held.seq) at--;
    if (at > 0 && (list[at - 1] as Held<F>).seq === held.seq) return;
    list.splice(at, 0, held);
  }

  /** Delivers the held messages whose turn has come; drops those already delivered. */
  private drain(channelId: string, chain: Chain<F>): void {
    const list = chain.held;
    let taken = 0;
    while (taken < list.length && chain.last !== undefined) {
      const next = list[taken] as Held<F>;
      if (next.seq <= chain.last) {
        taken++;
        continue;
      }
      if (next.prevSeq > chain.last) break;
      taken++;
      this.pass(channelId, chain, next.seq, next.frame);
    }
    if (taken > 0) list.splice(0, taken);
    if (!this.waiting(chain)) {
      clearTimeout(chain.timer);
      chain.timer = undefined;
      chain.tip = undefined;
    } else this.arm(channelId, chain);
  }

  private start(chain: Chain<F>, channelId: string, newest: number): void {
    chain.last = newest;
    // Stored before the node listened: out at once, in seq order, as a single server would.
    const before = chain.held.filter((h) => h.seq <= newest);
    chain.held = chain.held.filter((h) => h.seq > newest);
    for (const h of before) this.options.deliver(channelId, h.frame);
    this.release(channelId, chain, newest);
    this.drain(channelId, chain);
  }

  private arm(channelId: string, chain: Chain<F>): void {
    if (chain.timer !== undefined || chain.reading) return;
    chain.timer = setTimeout(() => {
      chain.timer = undefined;
      void this.fill(channelId, chain, "timeout");
    }, this.gapFillMs);
    chain.timer.unref?.();
  }

  /** Reads what the chain misses from storage (its start first, if it has none), then goes on. */
  private async fill(channelId: string, chain: Chain<F>, reason: GapFill["reason"]): Promise<void> {
    clearTimeout(chain.timer);
    chain.timer = undefined;
    chain.reading = true;
    const live = () => this.chains.get(channelId) === chain;
    try {
      if (chain.last === undefined) {
        const newest = await this.options.newest(channelId);
        if (!live()) return;
        chain.reading = false;
        // A join's mark may have given the start meanwhile: the first one stands.
        if (chain.last === undefined) this.start(chain, channelId, newest);
        else this.drain(channelId, chain);
        return;
      }
      const after = chain.last;
      let last = after;
      let delivered = 0;
      // Changes already waiting target messages committed before this read: those it does not
      // return were removed, and the changes go out after what it does return.
      const pending = new Set(chain.changes);
      const tipBefore = chain.tip;
      for (;;) {
        const rows = await this.options.read(channelId, last, FILL_PAGE);
        if (!live()) return;
        for (const row of rows) {
          if (row.seq <= last) continue;
          last = row.seq;
          this.pass(channelId, chain, row.seq, row.frame);
          delivered++;
        }
        if (rows.length < FILL_PAGE) break;
      }
      chain.reading = false;
      // The read saw every message stored before it began, so a tip that came before is met (its
      // message was removed if the read did not return it); one that came meanwhile may not be.
      if (chain.tip === tipBefore || (chain.tip !== undefined && chain.tip <= last)) chain.tip = undefined;
      const orphans = chain.changes.filter((c) => pending.has(c));
      if (orphans.length > 0) {
        chain.changes = chain.changes.filter((c) => !pending.has(c));
        // Their messages were removed, and every seq up to theirs was committed before the read:
        // the chain stands past them, so a late publish of one is dropped, not delivered after
        // its removal (members, and the console's counts, would show it again).
        for (const c of orphans) if (chain.last !== undefined && c.target > chain.last) chain.last = c.target;
        for (const c of orphans) this.options.deliver(channelId, c.frame);
      }
      if (delivered > 0 || reason !== "resubscribed")
        this.options.onFill?.({ channelId, after, to: last, delivered, reason });
      this.drain(channelId, chain);
    } catch (err) {
      if (!live()) return;
      chain.reading = false;
      const gaveUp = chain.held.length + chain.changes.length > this.maxHeld;
      this.options.onError?.(channelId, err, gaveUp);
      if (gaveUp) {
        // Storage cannot say what is missing and memory is spent: what is held goes out in order.
        const held = chain.held;
        chain.held = [];
        for (const h of held) {
          if (chain.last === undefined || h.seq > chain.last) this.pass(channelId, chain, h.seq, h.frame);
        }
        const changes = chain.changes;
        chain.changes = [];
        chain.tip = undefined;
        for (const c of changes) this.options.deliver(channelId, c.frame);
      } else this.arm(channelId, chain);
    }
  }
}
