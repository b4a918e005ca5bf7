// Helpers shared by the SDK's unit and integration tests. Tokens and waits are the test kit's,
// so that herald's tests and apps' tests run on one code.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket as WsSocket } from "ws";
import { fakeToken } from "../../src/testing/fake-session.js";
import { nextEvent as kitNextEvent, waitFor as kitWaitFor } from "../../src/testing/wait-for.js";

/** An unsigned JWT with the given claims (the SDK reads tokens without verifying them). */
export function makeJwt(claims: Record<string, unknown>): string {
  return fakeToken(claims);
}

/** A session token and refresh token pair expiring `expiresInSec` and `refreshInSec` from now. */
export function makeTokens(
  expiresInSec: number,
  refreshInSec = 3600,
  extra: Record<string, unknown> = {},
): { token: string; refreshToken: string } {
  const now = Math.floor(Date.now() / 1000);
  return {
    token: makeJwt({ uid: "u-1", usn: "ada", vrs: { k: "v" }, iat: now, exp: now + expiresInSec, ...extra }),
    refreshToken: makeJwt({ uid: "u-1", usn: "ada", iat: now, exp: now + refreshInSec }),
  };
}

/** Waits for `predicate` to hold, checking on every turn of the event loop; fails after `ms`. */
export async function waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  await kitWaitFor(predicate, { what, timeoutMs: ms });
}

/** Resolves with the first event `subscribe` reports that matches `match`; fails after `ms`. */
export function nextEvent<T>(
  subscribe: (fn: (value: T) => void) => () => void,
  what: string,
  match: (value: T) => boolean = () => true,
  ms = 5000,
): Promise<T> {
  return kitNextEvent(subscribe, { what, match, timeoutMs: ms });
}

/** A real HTTP server on an ephemeral port whose answers the test decides. */
export interface TestHttpServer {
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

/**
 * Starts the server; `t` (a test context) closes it when the test ends, even if the test fails
 * before its own `close()`.
 */
export async function startHttp(
  t: { after(fn: () => Promise<void>): void } | undefined,
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<TestHttpServer> {
  const requests: TestHttpServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, body, res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  t?.after(close);
  return { port: (server.address() as AddressInfo).port, requests, close };
}

/** A real WebSocket server on an ephemeral port that the test drives frame by frame. */
export interface TestWsServer {
  port: number;
  /** Connections so far, newest last. */
  sockets: WsSocket[];
  /** Request URLs of the connections. */
  urls: string[];
  /** Frames received, per connection, as text (JSON) or Buffer (protobuf). */
  frames: (string | Buffer)[][];
  nextConnection(): Promise<WsSocket>;
  close(): Promise<void>;
}

export async function startWs(): Promise<TestWsServer> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  const state: TestWsServer = {
    port: (wss.address() as AddressInfo).port,
    sockets: [],
    urls: [],
    frames: [],
    nextConnection: () => once(wss, "connection").then(([ws]) => ws as WsSocket),
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on("connection", (ws, req) => {
    const frames: (string | Buffer)[] = [];
    state.sockets.push(ws);
    state.urls.push(req.url ?? "");
    state.frames.push(frames);
    ws.on("message", (data: Buffer, isBinary: boolean) => frames.push(isBinary ? data : data.toString()));
  });
  return state;
}
