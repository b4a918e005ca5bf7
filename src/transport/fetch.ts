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
 * builds never need it. Its name is not a literal in the import, so that app bundlers leave it out
 * altogether (the comments keep webpack and Vite from warning): a literal mapped to nothing by
 * package.json's `browser` field still made a bundler add its CommonJS interop helpers to every
 * browser bundle, about 240 bytes gzipped. Node resolves it at run time, from this package.
 */
export const defaultFetch: FetchFunction = (url, init) => {
  if (typeof globalThis.fetch === "function") return globalThis.fetch(url, init);
  const fallback = "cross-fetch";
  return import(/* webpackIgnore: true */ /* @vite-ignore */ fallback).then((loaded) => {
    const fetch: unknown = loaded.default ?? loaded.fetch;
    if (typeof fetch !== "function") {
      throw new HeraldError("unsupported", "this platform has no fetch: pass one as new Client({ fetch })");
    }
    return (fetch as FetchFunction)(url, init);
  });
};
