import { type CallOptions, watchCall } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Envelope, EnvelopeKind, EnvelopeMessages } from "../gen/wire.js";
import { PRECISE_CODE_KEY } from "./error-codes.js";

interface Entry {
  cid: string;
  what: string;
  expect: EnvelopeKind | undefined;
  stop: () => void;
  resolve(envelope: Envelope | undefined): void;
  reject(error: HeraldError): void;
}

/**
 * The HeraldError of a realtime `error` envelope: stock Nakama's code, refined by the precise
 * herald code a herald server puts in the error's context.
 */
export function refusal(body: EnvelopeMessages["error"], fallback: string): HeraldError {
  return HeraldError.fromServer(body.code, body.message || fallback, {
    precise: body.context?.[PRECISE_CODE_KEY],
  });
}

/**
 * Realtime requests waiting for their reply, by cid. Each settles exactly once (reply, error
 * reply, timeout, abort or close), and settling always clears its timer and signal listener.
 */
export class PendingRequests {
  #nextCid = 1;
  // The newest request waits outside the map: a caller that awaits each reply before the next
  // request (the common case) then never touches the map, whose inserts and deletes cost more
  // than the rest of the bookkeeping. Older requests move into the map when a newer one opens.
  #last: Entry | undefined;
  readonly #entries = new Map<string, Entry>();

  /** Number of requests waiting. */
  get size(): number {
    return this.#entries.size + (this.#last ? 1 : 0);
  }

  /**
   * Registers a request and returns its cid and the promise of its reply. `expect` is the reply
   * kind a success carries (undefined: a reply without a message). Throws `aborted` at once if
   * the signal has already fired.
   */
  open(
    what: string,
    expect: EnvelopeKind | undefined,
    options: CallOptions | undefined,
    defaultTimeoutMs: number,
  ): { cid: string; reply: Promise<Envelope | undefined> } {
    const cid = String(this.#nextCid++);
    // Watching first: an already aborted signal throws before anything is registered.
    const stop = watchCall(what, options, defaultTimeoutMs, (error) => this.reject(cid, error));
    const reply = new Promise<Envelope | undefined>((resolve, reject) => {
      const last = this.#last;
      if (last) this.#entries.set(last.cid, last);
      this.#last = { cid, what, expect, stop, resolve, reject };
    });
    return { cid, reply };
  }

  #take(cid: string): Entry | undefined {
    let entry = this.#last;
    if (entry?.cid === cid) this.#last = undefined;
    else {
      entry = this.#entries.get(cid);
      this.#entries.delete(cid);
    }
    entry?.stop();
    return entry;
  }
  /**
   * Settles the request a reply belongs to: an `error` envelope rejects with the mapped
   * HeraldError, a reply of another kind than expected rejects `server_error`. `envelope`
   * undefined is a reply without a message. Returns false for an unknown cid (e.g. timed out).
   */
  settle(cid: string, envelope: Envelope | undefined): boolean {
    const entry = this.#take(cid);
    if (!entry) return false;
    if (envelope?.kind === "error") {
      entry.reject(refusal(envelope.body, `${entry.what} refused`));
    } else if (entry.expect !== undefined && envelope?.kind !== entry.expect) {
      entry.reject(new HeraldError("server_error", `${entry.what}: unexpected reply ${envelope?.kind}`));
    } else {
      entry.resolve(envelope);
    }
    return true;
  }

  /** Rejects one request. */
  reject(cid: string, error: HeraldError): void {
    this.#take(cid)?.reject(error);
  }

  /** Rejects every waiting request with an error made for it. */
  rejectAll(makeError: (what: string) => HeraldError): void {
    const entries = [...this.#entries.values(), this.#last];
    this.#entries.clear();
    this.#last = undefined;
    for (const entry of entries) {
      if (!entry) continue;
      entry.stop();
      entry.reject(makeError(entry.what));
    }
  }
}
