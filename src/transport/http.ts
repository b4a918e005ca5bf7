import { type CallOptions, startDeadline } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Models } from "../gen/model.js";
import { type RouteName, type RouteTypes, routes } from "../gen/routes.js";
import { toModel } from "../protocol/model.js";
import { buildRestRequest, decodeRestResponse } from "../protocol/rest.js";
import type { FetchFunction, FetchInit } from "./fetch.js";

/** The app-model type of a route's response. */
export type RouteResult<N extends RouteName> = Models[RouteTypes[N]["responseName"]];

/** Where and how REST calls go. */
export interface HttpConfig {
  /** `http(s)://host:port`, no trailing slash. */
  readonly baseUrl: string;
  readonly serverKey: string;
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

function errorFromBody(status: number, text: string): HeraldError {
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = JSON.parse(text) as { code?: unknown; message?: unknown });
  } catch {
    // Not JSON: fall back to the status below.
  }
  const serverCode = typeof code === "number" ? code : (grpcByStatus[status] ?? 13);
  const text2 = typeof message === "string" && message ? message : `HTTP ${status}`;
  return HeraldError.fromServer(serverCode, text2, { status });
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
  if (route.auth === "basic") headers.Authorization = `Basic ${btoa(`${config.serverKey}:`)}`;
  else if (route.auth === "bearer") headers.Authorization = `Bearer ${token ?? ""}`;
  if (parts.body !== undefined) headers["Content-Type"] = "application/json";
  const deadline = startDeadline(name, options, config.timeoutMs);
  const init: FetchInit = { method: parts.method, headers, signal: deadline.signal };
  if (parts.body !== undefined) init.body = parts.body;
  const fetchFn = config.fetch;
  try {
    let status: number;
    let text: string;
    try {
      // Racing the deadline settles the call even if a fetch ignores its signal.
      const response = await Promise.race([fetchFn(config.baseUrl + parts.path, init), deadline.expired]);
      status = response.status;
      text = await Promise.race([response.text(), deadline.expired]);
    } catch (cause) {
      throw (
        deadline.reason ?? new HeraldError("server_error", `${name}: could not reach the server`, { cause })
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
    deadline.done();
  }
}
