// Starting herald's server in tests, signing users in over REST, and driving raw WebSockets. The
// temporary database, the log recorder, the waits and the raw socket are the test kit's.

import { after, before, type TestContext } from "node:test";
import WebSocket from "ws";
import type { Envelope, EnvelopeKind, EnvelopeMessages } from "../../src/gen/wire.js";
import { Client, type Session } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { createServer, type HeraldServer, type Logger, type ServerOptions } from "../../src/server/index.js";
import { RawSocket as KitRawSocket, openRawSocketAs, rawSocketUrl } from "../../src/testing/raw-socket.js";
import {
  uniqueName as kitUniqueName,
  recordingLogger,
  temporaryDatabase,
} from "../../src/testing/test-server.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { startClusterAsServer, targetsCluster } from "./cluster.js";
import {
  DEFAULT_SERVER_KEY,
  externalStockServer,
  isStockModeOptions,
  serverKeyOf,
  useExternalServer,
} from "./stock-server.js";
import { testDatabase } from "./test-db.js";

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
  /** The key of its authentication routes ("defaultkey" unless asked otherwise). */
  serverKey: string;
  /** The database (":memory:" unless a file was asked for, or a PostgreSQL URL with HERALD_TEST_DB=postgres). */
  dbPath: string;
  /** Closes the server and removes its temporary directory, if any. */
  close(): Promise<void>;
}

/**
 * Starts a server on an ephemeral port with an in-memory database and no logs. `file: true` uses a
 * fresh SQLite file in a temporary directory instead (removed by `close`).
 */
export async function startServer(options: ServerOptions & { file?: boolean } = {}): Promise<TestServer> {
  // HERALD_TEST_STOCK_URL: the stock mode's tests against a real stock server (stock-server.ts).
  const external = externalStockServer();
  if (external !== undefined && isStockModeOptions(options)) return useExternalServer(external, options);
  const { file, ...rest } = options;
  // HERALD_TEST_TARGET=cluster: the same tests against three nodes behind one balancer.
  if (targetsCluster())
    return { ...(await startClusterAsServer(rest)), serverKey: rest.serverKey ?? DEFAULT_SERVER_KEY };
  const { db: kitDb, remove } = await temporaryDatabase(file, rest.db);
  // HERALD_TEST_DB=postgres runs the same tests on a fresh PostgreSQL schema (see test-db.ts).
  const db = file || rest.db !== undefined ? kitDb : await testDatabase();
  // Suites send bursts no real client would; a test of the rate limits passes its own.
  const server = await createServer({ port: 0, logLevel: "silent", rateLimits: false, ...rest, db });
  return {
    server,
    url: server.url,
    port: server.port,
    serverKey: rest.serverKey ?? DEFAULT_SERVER_KEY,
    dbPath: server.dbPath,
    async close() {
      await server.close();
      await remove();
    },
  };
}

/**
 * One server for every test of the enclosing `describe`: started before the first test, closed
 * after the last. The returned object is filled in when the server has started.
 */
export function serverForSuite(options: ServerOptions & { file?: boolean } = {}): TestServer {
  const srv = {} as TestServer;
  before(async () => {
    // Property by property, getters included (an external server's have nothing to read).
    Object.defineProperties(srv, Object.getOwnPropertyDescriptors(await startServer(options)));
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
  const client = new Client({ port: server.port, serverKey: server.serverKey });
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

/** A logger that keeps every event (the test kit's), for tests that wait on what the server did. */
export function captureLog(): CapturedLog {
  const { logger, logs } = recordingLogger();
  return {
    logger,
    // The inbox's own record, kept up to date as events come.
    events: logs.received as CapturedLog["events"],
    waitFor: (event, ms = WAIT_MS) =>
      waitFor(() => logs.received.find((e) => e.event === event)?.fields, {
        what: `a "${event}" log event`,
        timeoutMs: ms,
      }),
  };
}

/** A signed-in test user. */
export interface TestUser {
  userId: string;
  username: string;
  token: string;
  refreshToken: string;
}

/** A unique name for test data (users, rooms, groups): the test kit's. */
export const uniqueName: (prefix?: string) => string = kitUniqueName;

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

/**
 * Reads with `read` until `done` holds for what it read, or `ms` have passed; resolves with the
 * last read either way, for the assertion that follows to check (and show, if it fails). For
 * state the server changes after it has answered: a membership change's event message is stored
 * after the change's reply, so a read at once (on PostgreSQL, or a loaded machine) may miss it.
 */
export async function readUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Creates (or signs in) a user with a device id; `username` defaults to a unique one, `serverKey`
 * to the key of the server at `baseUrl`.
 */
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
    { basic: options.serverKey ?? serverKeyOf(baseUrl), body: { id: deviceId } },
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

/**
 * The test kit's raw socket, with what herald's server tests add: `codec`, and looser `call` and
 * `callEmpty` that take any body, for requests that are wrong on purpose.
 */
export class RawSocket extends KitRawSocket {
  constructor(
    ws: WebSocket,
    readonly codec: Codec,
    timeoutMs = WAIT_MS,
  ) {
    super(ws, codec, timeoutMs);
  }

  /** Sends a request and returns the reply, failing unless it is of `expected` kind. */
  override call<K extends EnvelopeKind>(
    kind: EnvelopeKind,
    body: object,
    expected: K,
  ): Promise<EnvelopeMessages[K]> {
    return super.call(kind, body as never, expected);
  }

  /** Sends a request that answers with an empty reply, failing on anything else. */
  override callEmpty(kind: EnvelopeKind, body: object): Promise<void> {
    return super.callEmpty(kind, body as never);
  }

  /** Proves no push of `kind` is pending, after a ping round trip (see `none`). */
  assertNoPush(kind: EnvelopeKind, match: (body: never) => boolean = () => true): Promise<void> {
    return this.none(kind, match as never);
  }
}

/** The WebSocket URL of a server for a token. */
export function socketUrl(
  baseUrl: string,
  token: string,
  options: { format?: string; status?: boolean; invisible?: boolean } = {},
): string {
  return rawSocketUrl(baseUrl, token, options);
}

/**
 * Opens a raw socket for a user in a codec's format; `status: true` appears online at connect,
 * `invisible` sets the user's stored invisible flag at connect.
 */
export function openSocket(
  baseUrl: string,
  user: { token: string },
  codec: Codec = jsonCodec,
  options: { status?: boolean; invisible?: boolean } = {},
): Promise<RawSocket> {
  return openRawSocketAs((ws, c, ms) => new RawSocket(ws, c, ms), baseUrl, user.token, {
    codec,
    ...options,
    timeoutMs: WAIT_MS,
  });
}

/**
 * Stock's words for a cursor a REST listing cannot use: "Cursor is invalid." for friends, a
 * group's members and a user's groups, "Malformed cursor was used." for notifications and the
 * group listing.
 */
export function cursorWords(path: string): string {
  return /^\/v2\/(?:friend\b|group\/[^/?]+\/user|user\/[^/?]+\/group)/.test(path)
    ? "Cursor is invalid."
    : "Malformed cursor was used.";
}

/**
 * Two new users with sockets in one new room, and the message `{"v":1}` the first sent there: the
 * set-up of the edit and removal tests. `close` closes both sockets.
 */
export async function twoInARoomWithMessage(baseUrl: string, codec: Codec = jsonCodec) {
  const [ada, bob] = [await authenticate(baseUrl), await authenticate(baseUrl)];
  const a = await openSocket(baseUrl, ada, codec);
  const b = await openSocket(baseUrl, bob, codec);
  const close = async () => {
    await a.close();
    await b.close();
  };
  try {
    const room = uniqueName("room");
    const channel = await a.call("channelJoin", { target: room, type: 1 }, "channel");
    await b.call("channelJoin", { target: room, type: 1 }, "channel");
    const sent = await a.call(
      "channelMessageSend",
      { channelId: channel.id, content: '{"v":1}' },
      "channelMessageAck",
    );
    return { a, b, channel, sent, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The HTTP status of a refused WebSocket upgrade to `url`, or 101 when it went through. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("open", () => {
      resolve(101);
      ws.close();
    });
    ws.once("error", (err) => {
      if (!String(err.message).includes("Unexpected server response")) reject(err);
    });
  });
}
