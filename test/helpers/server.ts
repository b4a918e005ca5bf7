// Starting herald's server in tests, signing users in over REST, and driving raw WebSockets.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, type TestContext } from "node:test";
import WebSocket from "ws";
import type {
  Envelope,
  EnvelopeInit,
  EnvelopeKind,
  EnvelopeMessageInits,
  EnvelopeMessages,
} from "../../src/gen/wire.js";
import { Client, type Session } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { createServer, type HeraldServer, type Logger, type ServerOptions } from "../../src/server/index.js";
import { startClusterAsServer, targetsCluster } from "./cluster.js";

/** How long helpers wait for a reply, push or log event before failing. */
const WAIT_MS = 5000;

/** Both wire formats, for running each scenario in JSON and in protobuf. */
export const codecs: readonly Codec[] = [jsonCodec, protobufCodec];

/** A server started for a test. */
export interface TestServer {
  server: HeraldServer;
  /** Base HTTP URL. */
  url: string;
  port: number;
  /** The database path (":memory:" unless a file was asked for). */
  dbPath: string;
  /** Closes the server and removes its temporary directory, if any. */
  close(): Promise<void>;
}

/**
 * Starts a server on an ephemeral port with an in-memory database and no logs. `file: true` uses a
 * fresh SQLite file in a temporary directory instead (removed by `close`).
 */
export async function startServer(options: ServerOptions & { file?: boolean } = {}): Promise<TestServer> {
  const { file, ...rest } = options;
  // HERALD_TEST_TARGET=cluster: the same tests against three nodes behind one balancer.
  if (targetsCluster()) return startClusterAsServer(rest);
  let dir: string | undefined;
  let db = rest.db ?? ":memory:";
  if (file && rest.db === undefined) {
    dir = mkdtempSync(path.join(tmpdir(), "herald-test-"));
    db = path.join(dir, "herald.db");
  }
  // Suites send bursts no real client would; a test of the rate limits passes its own.
  const server = await createServer({ port: 0, logLevel: "silent", rateLimits: false, ...rest, db });
  return {
    server,
    url: server.url,
    port: server.port,
    dbPath: db,
    async close() {
      await server.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every event, for tests that wait on what the server did. */
/**
 * One server for every test of the enclosing `describe`: started before the first test, closed
 * after the last. The returned object is filled in when the server has started.
 */
export function serverForSuite(options: ServerOptions & { file?: boolean } = {}): TestServer {
  const srv = {} as TestServer;
  before(async () => {
    Object.assign(srv, await startServer(options));
  });
  after(() => srv.close());
  return srv;
}

/**
 * A server for one test (closed when the test ends), an SDK client for it, and `signIn(name)`,
 * which signs a new user in by device with a username made from `name`.
 */
export async function serverWithClient(
  t: TestContext,
  options: ServerOptions & { file?: boolean } = {},
): Promise<{ server: TestServer; client: Client; signIn(name: string): Promise<Session> }> {
  const server = await startServer(options);
  t.after(() => server.close());
  const client = new Client({ port: server.port });
  const signIn = (name: string) =>
    client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });
  return { server, client, signIn };
}

export interface CapturedLog {
  logger: Logger;
  events: { level: string; event: string; fields: Record<string, unknown> }[];
  /** Resolves with the first event named `event` (already logged or still to come); fails after `ms`. */
  waitFor(event: string, ms?: number): Promise<Record<string, unknown>>;
}

export function captureLog(): CapturedLog {
  const events: CapturedLog["events"] = [];
  const waiters: { event: string; resolve: (f: Record<string, unknown>) => void }[] = [];
  const record =
    (level: string) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      events.push({ level, event, fields });
      for (const w of [...waiters]) {
        if (w.event !== event) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(fields);
      }
    };
  return {
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
    events,
    waitFor(event, ms = WAIT_MS) {
      const found = events.find((e) => e.event === event);
      if (found !== undefined) return Promise.resolve(found.fields);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${event}" log event within ${ms} ms`)), ms);
        waiters.push({
          event,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      });
    },
  };
}

/** A signed-in test user. */
export interface TestUser {
  userId: string;
  username: string;
  token: string;
  refreshToken: string;
}

let counter = 0;

/** A unique name for test data (users, rooms, groups). */
export function uniqueName(prefix = "u"): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}x${Math.random().toString(36).slice(2, 8)}`;
}

/** Calls a REST route; returns the HTTP status and parsed JSON body. */
export async function rest(
  baseUrl: string,
  method: string,
  pathAndQuery: string,
  options: { token?: string; basic?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.basic !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${options.basic}:`).toString("base64")}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const res = await fetch(`${baseUrl}${pathAndQuery}`, init);
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Creates (or signs in) a user with a device id; `username` defaults to a unique one. */
export async function authenticate(
  baseUrl: string,
  options: { deviceId?: string; username?: string; serverKey?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueName("user");
  const deviceId = options.deviceId ?? `device-${uniqueName()}`;
  const res = await rest(
    baseUrl,
    "POST",
    `/v2/account/authenticate/device?create=true&username=${encodeURIComponent(username)}`,
    { basic: options.serverKey ?? "defaultkey", body: { id: deviceId } },
  );
  if (res.status !== 200) throw new Error(`authenticate failed: ${res.status} ${JSON.stringify(res.body)}`);
  const token = res.body.token as string;
  const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    uid: string;
    usn: string;
  };
  return { userId: claims.uid, username: claims.usn, token, refreshToken: res.body.refresh_token as string };
}

/** A frame the raw socket received: a decoded envelope, or an empty reply holding only a cid. */
export type Received = Envelope;

/** What a request resolved with, narrowed to its kind. */
export type ReplyOf<K extends EnvelopeKind> = { cid?: string; kind: K; body: EnvelopeMessages[K] };

/** A raw WebSocket speaking herald's envelopes through a codec, with request/reply and push helpers. */
export class RawSocket {
  /** Every frame received, in order. */
  readonly received: Received[] = [];
  private readonly pushes: Envelope[] = [];
  private readonly replies = new Map<string, (r: Received) => void>();
  private waiters: (() => void)[] = [];
  private nextCid = 0;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly ws: WebSocket,
    readonly codec: Codec,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on("message", (data, isBinary) => this.onFrame(data as Buffer, isBinary));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    const received: Received = this.codec.decodeEnvelope(
      isBinary ? new Uint8Array(data) : data.toString("utf8"),
      {
        allowEmptyReply: true,
      },
    );
    this.received.push(received);
    if (received.cid !== undefined && this.replies.has(received.cid)) {
      const resolve = this.replies.get(received.cid);
      this.replies.delete(received.cid);
      resolve?.(received);
    } else if (received.kind !== "empty") {
      this.pushes.push(received);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Sends a request and resolves with the reply carrying its cid (an error reply included). */
  request<K extends EnvelopeKind>(kind: K, body: EnvelopeMessageInits[K], ms = WAIT_MS): Promise<Received> {
    this.nextCid += 1;
    const cid = String(this.nextCid);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(cid);
        reject(new Error(`no reply to ${kind} (cid ${cid}) within ${ms} ms; received ${this.describe()}`));
      }, ms);
      this.replies.set(cid, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.sendEnvelope({ cid, kind, body } as EnvelopeInit);
    });
  }

  /** Sends a request and returns the reply, failing unless it is of `expected` kind. */
  async call<K extends EnvelopeKind>(
    kind: EnvelopeKind,
    body: object,
    expected: K,
  ): Promise<EnvelopeMessages[K]> {
    const reply = await this.request(kind, body as never);
    if (reply.kind !== expected) {
      throw new Error(`expected a ${expected} reply to ${kind}, got ${JSON.stringify(reply)}`);
    }
    return reply.body as EnvelopeMessages[K];
  }

  /** Sends a request that answers with an empty reply, failing on anything else. */
  async callEmpty(kind: EnvelopeKind, body: object): Promise<void> {
    const reply = await this.request(kind, body as never);
    if (reply.kind !== "empty")
      throw new Error(`expected an empty reply to ${kind}, got ${JSON.stringify(reply)}`);
  }

  sendEnvelope(envelope: EnvelopeInit): void {
    this.ws.send(this.codec.encodeEnvelope(envelope), { binary: this.codec.binary });
  }

  /** Consumes the first unread push of `kind` matching `match`, waiting for it if needed. */
  async next<K extends EnvelopeKind>(
    kind: K,
    match: (body: EnvelopeMessages[K]) => boolean = () => true,
    ms = WAIT_MS,
  ): Promise<EnvelopeMessages[K]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.pushes.findIndex((e) => e.kind === kind && match(e.body as EnvelopeMessages[K]));
      if (i >= 0) {
        const [found] = this.pushes.splice(i, 1);
        return (found as Envelope).body as EnvelopeMessages[K];
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${kind} push within ${ms} ms; unread pushes: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Unread pushes of a kind (without consuming them). */
  unread<K extends EnvelopeKind>(kind: K): EnvelopeMessages[K][] {
    return this.pushes.filter((e) => e.kind === kind).map((e) => e.body as EnvelopeMessages[K]);
  }

  /**
   * Proves no push of `kind` is pending: a ping round trip orders after anything the server sent
   * before it, so a push that was coming would be here by the time the pong is.
   */
  async assertNoPush(kind: EnvelopeKind, match: (body: never) => boolean = () => true): Promise<void> {
    await this.call("ping", {}, "pong");
    const found = this.pushes.find((e) => e.kind === kind && match(e.body as never));
    if (found !== undefined) throw new Error(`unexpected ${kind} push: ${JSON.stringify(found)}`);
  }

  private describe(): string {
    return JSON.stringify(this.pushes.map((e) => e.kind));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** The WebSocket URL of a server for a token. */
export function socketUrl(
  baseUrl: string,
  token: string,
  options: { format?: string; status?: boolean; invisible?: boolean } = {},
): string {
  const params = new URLSearchParams({ token, lang: "en", status: String(options.status ?? false) });
  if (options.format !== undefined && options.format !== "json") params.set("format", options.format);
  if (options.invisible !== undefined) params.set("invisible", String(options.invisible));
  return `${baseUrl.replace(/^http/, "ws")}/ws?${params}`;
}

/**
 * Opens a raw socket for a user in a codec's format; `status: true` appears online at connect,
 * `invisible` sets the user's stored invisible flag at connect.
 */
export async function openSocket(
  baseUrl: string,
  user: { token: string },
  codec: Codec = jsonCodec,
  options: { status?: boolean; invisible?: boolean } = {},
): Promise<RawSocket> {
  const ws = new WebSocket(socketUrl(baseUrl, user.token, { format: codec.format, ...options }));
  const socket = new RawSocket(ws, codec);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)),
    );
  });
  return socket;
}
