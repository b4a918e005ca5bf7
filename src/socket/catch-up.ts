import { HeraldError } from "../errors.js";
import type { Channel, ChannelMessage } from "../gen/model.js";
import type { Session } from "../session.js";
import { mark, newTrack, notDelivered, type Track, timeOf } from "./catch-up-track.js";
import { ping } from "./heartbeat.js";
import type { Deliver, Layer, LayerHost, Send } from "./layer.js";
import { retryForNow } from "./retry-for-now.js";
import type { CatchUpOptions, GapEvent } from "./socket-types.js";

const PAGE_SIZE = 100;
/**
 * Delivers the messages a channel received while the connection was down, from history, before
 * the live ones held back meanwhile: each once, in order. It reads back from the newest message
 * to the last one delivered, at most `maxPages` pages (held in memory until delivered), and
 * reports a `gap` for anything older. On a server whose cursors cannot page reliably (stock
 * Nakama 3.26) it trusts one page. `disconnect()` stops it.
 */
export class CatchUpLayer implements Layer {
  readonly #host: LayerHost;
  readonly #maxPages: number;
  readonly #tracks = new Map<string, Track>();
  #deliver: Deliver | undefined;
  /**
   * One controller per history read running, to stop them all on a loss. Not one signal shared by
   * every read: past ten channels, Node would warn of a leak for the listeners on it.
   */
  readonly #reads = new Set<AbortController>();

  constructor(host: LayerHost, options: CatchUpOptions) {
    this.#host = host;
    this.#maxPages = Math.max(1, options.maxPages ?? 10);
  }

  push = (next: Deliver): Deliver => {
    this.#deliver = next;
    return (message, catchUp) => {
      const track = this.#tracks.get(message.channelId);
      if (!track?.persistent) return next(message, catchUp);
      if (track.recent.size && track.recent.has(message.messageId)) return;
      if (track.buffer) track.buffer.push(message);
      else this.#pass(track, message, catchUp);
    };
  };

  request =
    (next: Send): Send =>
    (request) => {
      const { message } = request;
      if (message.kind === "channelLeave") this.#tracks.delete(message.body.channelId ?? "");
      if (message.kind !== "channelJoin") return next(request);
      const persistent = message.body.persistence ?? true;
      return next(request).then((reply) => {
        const channel = reply?.body as Channel | undefined;
        const id = channel?.id ?? "";
        if (!this.#tracks.has(id)) this.#track(id, persistent, channel);
        return reply;
      });
    };

  #pass(track: Track, message: ChannelMessage, catchUp?: boolean): void {
    // Only a new stored message marks where to read back to: one sent without persistence is never
    // in history (its time, another sender's clock, may pass stored ones); an edit or a removal
    // (codes 1, 2: numbers for the core's size) names an older message, read back to it would
    // deliver the messages after it again.
    const code = message.code ?? 0;
    if (message.persistent !== false && (code < 1 || code > 2))
      mark(track, message.messageId, message.createTime);
    this.#deliver?.(message, catchUp);
  }

  #track(id: string, persistent: boolean, channel: Channel | undefined): void {
    // herald's server names the mark in the reply, exactly (none: the channel had no history).
    const exact = this.#host.profile.joinMark;
    const track = newTrack(persistent, exact ? channel?.markId : undefined, channel?.markTime);
    this.#tracks.set(id, track);
    const session = this.#host.session;
    if (persistent && session && !exact) void this.#mark(session, id, track);
  }

  /**
   * On a server without `join_mark` (stock Nakama), finds where catch-up will read back to if
   * nothing is delivered first: the newest stored message now. That answer holds only if the
   * socket got, or will get, every message stored after it, so it must not come from after a loss
   * began: it could name a message stored after the loss, which this socket never got, and reading
   * back only to it would skip it silently. A loss noticed before the answer drops it (`lost`
   * stops the read). One not noticed yet (a connection gone silent, a message lost on the wire) is
   * ruled out by a ping on the same connection after the answer: once its pong is in, the messages
   * sent before the answer have come in before it. An answer not so confirmed (or a read that
   * failed) leaves no mark: catch-up then reads back as far as its pages allow. Where delivery
   * lags behind storage this is not enough: see `join_mark`, which leaves no such window.
   */
  async #mark(session: Session, id: string, track: Track): Promise<void> {
    const generation = this.#host.generation;
    const current = () => !track.marks.length && this.#host.generation === generation;
    try {
      const newest = (await this.#list(session, id, 1, undefined)).messages[0];
      if (newest && current() && (await ping(this.#host, 5000).then(current, () => false)))
        mark(track, newest.messageId, newest.createTime);
    } catch {
      // No mark, as for an answer not confirmed.
    }
  }

  /** Whether messages of a channel matter to catch-up even when nobody listens (a persistent one). */
  follows(channelId: string): boolean {
    return !!this.#tracks.get(channelId)?.persistent;
  }

  /** Forgets a channel that could not be joined again. */
  forget(channelId: string): void {
    this.#tracks.delete(channelId);
  }

  lost(): void {
    // Reads begun under the lost connection stop: a catch-up's (of no use now; its waits would
    // compete with the next catch-up's) and a mark's (whose answer may be from after the loss).
    this.#stop();
    for (const track of this.#tracks.values()) if (track.persistent) track.buffer ??= [];
  }

  opened(reconnected: boolean): void {
    if (!reconnected) return;
    const generation = this.#host.generation;
    for (const [id, track] of this.#tracks) {
      if (track.persistent) void this.#catchUp(id, track, generation);
      else this.#host.emit("gap", { channelId: id, reason: "not_persistent" });
    }
  }

  closed(): void {
    this.#stop();
    this.#tracks.clear();
  }

  #stop(): void {
    for (const read of this.#reads) read.abort();
    this.#reads.clear();
  }

  /**
   * One page of history, newest first. Many channels read at once after a reconnection can go over
   * the server's REST rate (or find it busy): such a refusal for now is waited out, not a gap.
   */
  #list(session: Session, id: string, limit: number, cursor: string | undefined) {
    const read = new AbortController();
    const { signal } = read;
    this.#reads.add(read);
    return retryForNow(
      () => this.#host.client.listChannelMessages(session, id, { forward: false, limit, cursor, signal }),
      signal,
      true,
    ).finally(() => this.#reads.delete(read));
  }

  #current(id: string, track: Track, generation: number): boolean {
    return this.#host.generation === generation && this.#tracks.get(id) === track;
  }

  #gap(id: string, track: Track, generation: number, reason: GapEvent["reason"], error?: HeraldError): void {
    if (this.#flush(id, track, generation, []))
      this.#host.emit("gap", error ? { channelId: id, reason, error } : { channelId: id, reason });
  }

  /** Delivers `missed`, then the live ones held, while a listener has not left the channel or disconnected. */
  #flush(id: string, track: Track, generation: number, missed: ChannelMessage[]): boolean {
    const held = track.buffer ?? [];
    const live = new Set(held.map((m) => m.messageId));
    track.buffer = undefined;
    for (const message of [...missed, ...held.filter((m) => !track.recent.has(m.messageId))]) {
      if (!this.#current(id, track, generation)) return false;
      this.#pass(track, message, !live.has(message.messageId));
    }
    return this.#current(id, track, generation);
  }

  async #catchUp(id: string, track: Track, generation: number): Promise<void> {
    // Started as the connection opens (no wait before this): still the current one.
    const session = this.#host.session;
    if (!session) return this.#gap(id, track, generation, "history_unreadable");
    const pages: ChannelMessage[][] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    let complete = false;
    let marked = false;
    try {
      for (let n = 0; n < this.#maxPages && !complete; n++) {
        const page = await this.#list(session, id, PAGE_SIZE, cursor);
        if (!this.#current(id, track, generation)) return;
        const kept: ChannelMessage[] = [];
        let repeated = false;
        for (const m of page.messages) {
          marked = track.marks.includes(m.messageId);
          if (marked || timeOf(m) < track.markTime) {
            complete = true;
            break;
          }
          if (seen.has(m.messageId)) {
            repeated = true;
            break;
          }
          seen.add(m.messageId);
          kept.push(m);
        }
        pages.push(kept);
        // The oldest message reached: nothing more was missed.
        if (!complete && !repeated && (page.messages.length < PAGE_SIZE || !page.nextCursor)) complete = true;
        // Cursors that do not page reliably, or that repeat: no further page can be trusted.
        if (repeated || !this.#host.profile.exactCursors || page.nextCursor === cursor) break;
        cursor = page.nextCursor;
      }
    } catch (error) {
      if (!this.#current(id, track, generation)) return;
      return this.#gap(id, track, generation, "history_unreadable", HeraldError.from(error));
    }
    track.recent = seen;
    // Oldest first: pages, and the messages in each, come newest first.
    const [missed, unsure] = notDelivered(track, pages.flat().reverse(), marked);
    // Older ones are out of reach: said before the newer ones arrive, so an app can mark the hole.
    if (!complete || unsure) this.#host.emit("gap", { channelId: id, reason: "too_far_behind" });
    this.#flush(id, track, generation, missed);
  }
}
