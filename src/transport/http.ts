import { type CallOptions, startDeadline } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Models } from "../gen/model.js";
import { type RouteName, type RouteTypes, routes } from "../gen/routes.js";
import { PRECISE_CODE_KEY } from "../protocol/error-codes.js";
import { toModel } from "../protocol/model.js";
import { buildRestRequest, decodeRestResponse } from "../protocol/rest.js";
import type { FetchFunction, FetchInit } from "./fetch.js";

/** The app-model type of a route's response. */
export type RouteResult<N extends RouteName> = Models[RouteTypes[N]["responseName"]];

/** Where and how REST calls go. */
export interface HttpConfig {
  /** `http(s)://host:port`, no trailing slash. */
  readonly baseUrl: string;
  /** The server key as HTTP Basic credentials (base64 of `KEY:` in UTF-8). */
  readonly basic: string;
  readonly fetch: FetchFunction;
  readonly timeoutMs: number;
}

// Servers answering without a `{code}` body (proxies, stock gateways) still get a precise code.
const grpcByStatus: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  408: 4,
  409: 6,
  429: 8,
  504: 4,
};

/**
 * The error for a non-2xx reply. Stock Nakama's body is `{ code, message }`; herald's server adds
 * its precise code under {@link PRECISE_CODE_KEY}, which wins where present and valid.
 */
function errorFromBody(status: number, text: string): HeraldError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, say): the HTTP status says what it can.
  }
  const { code, message } = body;
  const serverCode = typeof code === "number" ? code : (grpcByStatus[status] ?? 13);
  const description = typeof message === "string" && message ? message : `HTTP ${status}`;
  return HeraldError.fromServer(serverCode, description, { status, precise: body[PRECISE_CODE_KEY] });
}

/**
 * Why a fetch failed, down to what the platform says underneath where it says more than "fetch
 * failed": "fetch failed (ECONNREFUSED)", "fetch failed (bad port)".
 */
function describeFailure(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error ? cause.cause : undefined;
  let detail: string | undefined;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    detail = typeof code === "string" ? code : inner.message;
  }
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}

/**
 * Calls one REST route and returns its response as an app model. `token` is the session token
 * for bearer routes. Rejects only with HeraldError: the server's `{code, message}` mapped, or
 * `timeout`, `aborted`, `server_error` (network failure or an unreadable reply).
 */
export async function callRoute<N extends RouteName>(
  config: HttpConfig,
  name: N,
  request: RouteTypes[N]["request"],
  token: string | undefined,
  options: CallOptions | undefined,
): Promise<RouteResult<N>> {
  const route = routes[name];
  const parts = buildRestRequest(name, request);
  const headers: Record<string, string> = { Accept: "application/json" };
  if (route.auth === "basic") headers.Authorization = `Basic ${config.basic}`;
  else if (route.auth === "bearer") headers.Authorization = `Bearer ${token ?? ""}`;
  const deadline = startDeadline(name, options, config.timeoutMs);
  // fetch gets a signal of its own, aborted without a reason: Node's fetch re-captures the stack of
  // the error it rejects with, which would overwrite the stack of the HeraldError this call rejects
  // with (the deadline's) if that were the abort reason.
  const fetchAbort = new AbortController();
  const abortFetch = () => fetchAbort.abort();
  deadline.signal.addEventListener("abort", abortFetch, { once: true });
  const init: FetchInit = { method: parts.method, headers, signal: fetchAbort.signal };
  if (parts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = parts.body;
  }
  const fetchFn = config.fetch;
  const url = config.baseUrl + parts.path;
  try {
    let status: number;
    let text: string;
    try {
      // Racing the deadline settles the call even if a fetch ignores its signal.
      const response = await Promise.race([fetchFn(url, init), deadline.expired]);
      status = response.status;
      text = await Promise.race([response.text(), deadline.expired]);
    } catch (cause) {
      // The address is in the message: "could not reach" alone leaves a user guessing which
      // host, port or scheme is wrong. The socket words its failure the same way. The query
      // string is left out: it is noise here, and logs need not carry it.
      throw (
        deadline.reason ??
        new HeraldError(
          "server_error",
          `${name}: could not reach ${url.split("?")[0]}: ${describeFailure(cause)}`,
          {
            cause,
          },
        )
      );
    }
    if (status < 200 || status > 299) throw errorFromBody(status, text);
    try {
      const decoded = decodeRestResponse(name, text.trim() ? JSON.parse(text) : {});
      return toModel(route.response as never, decoded as never) as RouteResult<N>;
    } catch (cause) {
      throw new HeraldError("server_error", `${name}: unexpected reply`, { status, cause });
    }
  } finally {
    deadline.signal.removeEventListener("abort", abortFetch);
    deadline.done();
  }
}
