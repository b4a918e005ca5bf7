// Node only: answers the fake server's HTTP requests.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CapabilitiesInit } from "../gen/wire.js";
import { fakeToken, tokenUser } from "./fake-session.js";

/** One HTTP request the fake server received. */
export interface FakeHttpRequest {
  method: string;
  /** The path without the query, e.g. `/v2/account/authenticate/device`. */
  path: string;
  /** The path and query as sent, e.g. `/v2/group/g1/kick?user_ids=a&user_ids=b` (repeated parameters kept). */
  url: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  /** The body parsed as JSON (undefined when empty or not JSON). */
  body: unknown;
  /** The body as received. */
  text: string;
}

/** What an HTTP hook answers: a status (default 200) and a JSON body (default `{}`). */
export interface FakeHttpReply {
  /** @default 200 */
  status?: number | undefined;
  /** Sent as JSON. @default {} */
  body?: unknown;
  /** Sent as it is instead of `body` (e.g. a malformed or non-JSON reply). */
  raw?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** An HTTP hook: answers a request, or returns undefined to let the next hook or the default answer. */
export type FakeHttpHandler = (
  request: FakeHttpRequest,
) => FakeHttpReply | undefined | Promise<FakeHttpReply | undefined>;

function issue(userId: string, username: string, created: boolean): FakeHttpReply {
  const now = Math.floor(Date.now() / 1000);
  return {
    body: {
      created,
      token: fakeToken({ uid: userId, usn: username, vrs: {}, iat: now, exp: now + 3600 }),
      refresh_token: fakeToken({ uid: userId, usn: username, iat: now, exp: now + 86_400 }),
    },
  };
}

/**
 * The fake server's default REST answers: a health check, the capabilities route (404 when
 * `capabilities` is null, as on stock Nakama), authentication (any id signs in as user
 * `user-<id>`, with unsigned tokens), session refresh and an empty channel history (see
 * `FakeServer.onHistory` for others). Anything else
 * is a 404 in Nakama's shape.
 */
export function defaultHttpReply(
  request: FakeHttpRequest,
  capabilities: CapabilitiesInit | null,
): FakeHttpReply {
  const { method, path } = request;
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (method === "GET" && path === "/healthcheck") return { body: {} };
  if (method === "GET" && path === "/v2/herald/capabilities" && capabilities) return { body: capabilities };
  const auth = /^\/v2\/account\/authenticate\/(device|custom|email)$/.exec(path);
  if (method === "POST" && auth) {
    const id = String(body.id ?? body.email ?? "");
    if (!id) return { status: 400, body: { code: 3, message: "An identifier is required." } };
    return issue(`user-${id}`, request.query.username || id, true);
  }
  // An empty history: a socket catching up after a reconnection finds nothing missed.
  if (method === "GET" && path.startsWith("/v2/channel/")) return { body: { messages: [] } };
  if (method === "POST" && path === "/v2/account/session/refresh") {
    const { userId, username } = tokenUser(String(body.token ?? ""));
    if (!userId) return { status: 401, body: { code: 16, message: "Refresh token invalid or expired." } };
    return issue(userId, username, false);
  }
  return { status: 404, body: { code: 5, message: "Not Found" } };
}

/** Reads a request's body and its parts. */
export async function readRequest(req: IncomingMessage): Promise<FakeHttpRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const url = new URL(req.url ?? "/", "http://fake");
  return {
    method: req.method ?? "GET",
    path: url.pathname,
    url: req.url ?? "/",
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    text,
  };
}

/** Writes a reply as JSON. */
export function writeReply(res: ServerResponse, reply: FakeHttpReply): void {
  const text = reply.raw ?? JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
  res.end(text);
}
