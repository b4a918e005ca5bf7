import { type CallOptions, watchCall } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Envelope, EnvelopeKind, EnvelopeMessages } from "../gen/wire.js";
import { PRECISE_CODE_KEY } from "./error-codes.js";

interface Entry {
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
  readonly #entries = new Map<string, Entry>();

  /** Number of requests waiting. */
  get size(): number {
    return this.#entries.size;
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
      this.#entries.set(cid, { what, expect, stop, resolve, reject });
    });
    return { cid, reply };
  }

  #take(cid: string): Entry | undefined {
    const entry = this.#entries.get(cid);
    if (!entry) return undefined;
    this.#entries.delete(cid);
    entry.stop();
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
    for (const cid of [...this.#entries.keys()]) {
      const entry = this.#take(cid);
      entry?.reject(makeError(entry.what));
    }
  }
}
