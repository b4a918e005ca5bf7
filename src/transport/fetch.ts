import crossFetch from "cross-fetch";

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
 * The platform's fetch through cross-fetch's ponyfill (no globals are patched). Wrapped so that it
 * is never called with an unexpected `this` (browsers refuse that with "Illegal invocation").
 */
export const defaultFetch: FetchFunction = (url, init) => crossFetch(url, init);
