// A Client `fetch` that holds chosen requests, so that a test decides when (and whether) the
// server sees them: the timing of a REST answer against a lost connection is controlled, not raced.

import type { FetchFunction } from "../../src/index.js";

/** A request held back, and its controls. */
export interface HeldRequest {
  url: string;
  /** The signal the SDK gave the request: aborted once the SDK gave up on it. */
  signal: AbortSignal;
  /** Sends it on to the server now (nothing, if the SDK aborted it meanwhile). */
  release(): void;
  /** Fails it as a network failure would, without the server seeing it. */
  fail(): void;
}

/** The fetch to hand to `new Client({ fetch })`, and the requests it holds. */
export interface HoldingFetch {
  fetch: FetchFunction;
  /** Requests held so far and not yet taken out by the test. */
  held: HeldRequest[];
  /** Released requests whose answer the SDK has read. */
  answered: { count: number };
  /** Holds the requests whose URL matches `pattern` from now on; `undefined` holds none. */
  hold(pattern: RegExp | undefined): void;
}

/** The join-time catch-up mark read: one message of a channel's history. */
export const MARK_READ = /\/v2\/channel\/[^?]+\?(.*&)?limit=1(&|$)/;
/** A catch-up page: a hundred messages of a channel's history. */
export const CATCH_UP_PAGE = /\/v2\/channel\/[^?]+\?(.*&)?limit=100(&|$)/;
/** The capabilities read every connection attempt makes. */
export const CAPABILITIES = /\/v2\/herald\/capabilities/;

/** A fetch over the platform's own that holds matching requests until released or aborted. */
export function holdingFetch(): HoldingFetch {
  const held: HeldRequest[] = [];
  const answered = { count: 0 };
  let pattern: RegExp | undefined;
  const fetch: FetchFunction = (url, init) => {
    if (!pattern?.test(url)) return globalThis.fetch(url, init);
    // Held like a request stuck in the network: the server sees it only when released, and an
    // abort ends it meanwhile, as it would a real fetch.
    return new Promise((resolve, reject) => {
      const aborted = () => reject(init.signal.reason ?? new DOMException("aborted", "AbortError"));
      init.signal.addEventListener("abort", aborted, { once: true });
      held.push({
        url,
        signal: init.signal,
        fail: () => {
          init.signal.removeEventListener("abort", aborted);
          reject(new TypeError("fetch failed (held, then failed by the test)"));
        },
        release: () => {
          init.signal.removeEventListener("abort", aborted);
          if (init.signal.aborted) return;
          globalThis.fetch(url, init).then(
            // Counted once the body is read: the SDK's handling of it follows in the same turn.
            (res) =>
              resolve({
                status: res.status,
                text: () =>
                  res.text().then((text) => {
                    answered.count++;
                    return text;
                  }),
              }),
            reject,
          );
        },
      });
    });
  };
  return {
    fetch,
    held,
    answered,
    hold(next) {
      pattern = next;
    },
  };
}
