// Helpers shared by the SDK's unit and integration tests. Tokens, waits and the scripted servers
// are the test kit's, so that herald's tests and apps' tests run on one code.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebSocket as WsSocket } from "ws";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import type { FakeConnection } from "../../src/testing/fake-connection.js";
import type { FakeHttpReply } from "../../src/testing/fake-rest.js";
import { startFakeServer } from "../../src/testing/fake-server.js";
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

/** What a handler may do with its response: a status and headers, then the body. */
type Answer = Pick<ServerResponse, "writeHead" | "end">;

// The handlers of these tests write to a response as to node:http's; this one turns what they
// wrote into the fake server's reply. A handler that never ends its response never answers.
function recordedResponse(done: (reply: FakeHttpReply) => void): ServerResponse {
  const reply: FakeHttpReply = {};
  const answer: Answer = {
    writeHead(status: number, headers?: unknown) {
      reply.status = status;
      if (headers && typeof headers === "object") reply.headers = headers as Record<string, string>;
      return answer as ServerResponse;
    },
    end(chunk?: unknown) {
      done({ ...reply, raw: typeof chunk === "string" ? chunk : "" });
      return answer as ServerResponse;
    },
  } as Answer;
  return answer as ServerResponse;
}

/**
 * Starts the kit's fake server with `handler` answering every HTTP request (and deciding WebSocket
 * upgrades when it answers them at once); `t` (a test context) closes it when the test ends, even
 * if the test fails before its own `close()`.
 */
export async function startHttp(
  t: { after(fn: () => Promise<void>): void } | undefined,
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<TestHttpServer> {
  const fake = await startFakeServer();
  const request = (method: string, url: string, headers: IncomingMessage["headers"]) =>
    ({ method, url, headers }) as IncomingMessage;
  fake.onHttp(
    (r) =>
      new Promise((resolve) =>
        handler(request(r.method, r.url, r.headers), r.text, recordedResponse(resolve)),
      ),
  );
  fake.onUpgrade(({ query }) => {
    let status: number | undefined;
    handler(
      request("GET", `/ws?${new URLSearchParams(query)}`, {}),
      "",
      recordedResponse((r) => {
        status = r.status ?? 200;
      }),
    );
    return status;
  });
  const close = () => fake.close();
  t?.after(close);
  return {
    port: fake.port,
    get requests() {
      return fake.httpRequests.map((r) => ({
        method: r.method,
        url: r.url,
        headers: r.headers,
        body: r.text,
      }));
    },
    close,
  };
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
  /** Resolves with the next connection accepted from now on. */
  nextConnection(): Promise<WsSocket>;
  close(): Promise<void>;
}

/**
 * The kit's fake server in both formats, answering nothing on its own (the tests script every
 * reply) and, like a stock server, without herald's capabilities route.
 */
export async function startWs(): Promise<TestWsServer> {
  const fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec], capabilities: null });
  fake.on("connection", (connection) => {
    connection.silent = true;
  });
  return {
    port: fake.port,
    get sockets() {
      return fake.connections.map((c) => c.ws);
    },
    get urls() {
      return fake.connections.map((c) => c.url);
    },
    get frames() {
      return fake.connections.map((c) =>
        c.frames.map((f) => (typeof f === "string" ? f : Buffer.from(f.buffer, f.byteOffset, f.byteLength))),
      );
    },
    nextConnection: () =>
      kitNextEvent<FakeConnection>((fn) => fake.on("connection", fn), { what: "a connection" }).then(
        (c) => c.ws,
      ),
    close: () => fake.close(),
  };
}
