import { HeraldError } from "../errors.js";

/** The request options the SDK passes to `fetch`. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** The part of a fetch `Response` the SDK reads. */
export interface FetchResponse {
  readonly status: number;
  text(): Promise<string>;
}

/** A fetch function, as `new Client({ fetch })` takes it: the platform's `fetch` fits. */
export type FetchFunction = (url: string, init: FetchInit) => Promise<FetchResponse>;

/**
 * The platform's own `fetch`: every browser, worker, React Native and Node 20+ has one. It is read
 * at call time, so a page may install its own later, and called on `globalThis`, which browsers
 * require ("Illegal invocation" otherwise).
 *
 * Only a platform without `fetch` loads `cross-fetch`, on first use. Browser and React Native
 * builds never need it, so package.json maps it to nothing for them (the `browser` and
 * `react-native` fields): a bundler leaves its ponyfill out of the app.
 */
export const defaultFetch: FetchFunction = (url, init) => {
  if (typeof globalThis.fetch === "function") return globalThis.fetch(url, init);
  return import("cross-fetch").then((loaded) => {
    const fallback: unknown = loaded.default ?? (loaded as { fetch?: unknown }).fetch;
    if (typeof fallback !== "function") {
      throw new HeraldError("unsupported", "this platform has no fetch: pass one as new Client({ fetch })");
    }
    return (fallback as FetchFunction)(url, init);
  });
};
