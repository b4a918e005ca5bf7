// Node only: runs herald's bundled server, loaded when the first test server starts.
import { checkFields, checkSession, describeValue } from "../arguments.js";
import { Client, type ClientOptions } from "../client.js";
import { HeraldError } from "../errors.js";
import type { ConnectOptions, Socket, SocketOptions } from "../index.js";
import type { Codec } from "../protocol/codec.js";
import type { Logger } from "../server/logger.js";
import type { HeraldServer, ServerOptions } from "../server/options.js";
import type { Session } from "../session.js";
import { Inbox, type WaitOptions } from "./inbox.js";
import { checkListenOptions } from "./kit-arguments.js";

/** Options of {@link startTestServer}: the server's own options, with test-friendly defaults. */
export interface TestServerOptions extends ServerOptions {
  /**
   * Keep the data in a fresh SQLite file in a temporary folder (removed by `close()`) instead of
   * in memory, e.g. to restart a server on the same data.
   * @default false
   */
  file?: boolean | undefined;
}

/** One event the server logged (kept in {@link TestServer.logs}). */
export interface LogEvent {
  level: "debug" | "info" | "warn" | "error";
  event: string;
  fields: Record<string, unknown>;
}

/** Options of {@link TestServer.user}. */
export interface TestUserOptions {
  /** The username (made unique unless `exactUsername`). @default "user" */
  username?: string | undefined;
  /** Use `username` exactly as given. @default false */
  exactUsername?: boolean | undefined;
  /** The wire format: `protobufCodec` from "herald/protobuf" for binary. @default jsonCodec */
  codec?: Codec | undefined;
  /** Connect the socket (otherwise `socket` is created but closed). @default true */
  connect?: boolean | undefined;
  /** Options of `connect()`. @default { appearOnline: false } */
  connectOptions?: ConnectOptions | undefined;
  /** Options of `createSocket()` (`codec` above wins). */
  socketOptions?: SocketOptions | undefined;
}

/** A signed-in user of a test server: its client, session and socket (connected unless asked not to). */
export interface TestUser {
  client: Client;
  session: Session;
  socket: Socket;
  userId: string;
  username: string;
}

/** `N` values of `T`: a tuple when `N` is a literal (so `const [a, b] = ...` needs no checks), else an array. */
export type Tuple<T, N extends number, R extends T[] = []> = number extends N
  ? T[]
  : R["length"] extends N
    ? R
    : Tuple<T, N, [...R, T]>;

/** A herald server started for tests. Closed by `close()` or `await using`. */
export interface TestServer {
  /** The running server. */
  readonly server: HeraldServer;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The database in use: ":memory:", or the temporary file with `file: true`. */
  readonly dbPath: string;
  /** A Client for this server (one per call; options such as `timeoutMs` may be given). */
  client(options?: Omit<ClientOptions, "host" | "port" | "ssl" | "serverKey">): Client;
  /** Signs a new user in by device (unique id and username) and connects its socket. */
  user(options?: TestUserOptions): Promise<TestUser>;
  /**
   * Connects another socket (another device) for an existing session; like the sockets of
   * `user()`, it is disconnected by `close()`.
   */
  socket(
    session: Session,
    options?: Omit<TestUserOptions, "username" | "exactUsername" | "connect">,
  ): Promise<Socket>;
  /** Signs in several new users at once (names `prefix1`, `prefix2`, ...); `const [ada, bob] = await server.users(2)`. */
  users<N extends number>(count: N, options?: TestUserOptions): Promise<Tuple<TestUser, N>>;
  /**
   * Every event the server logged, at every level, oldest first (unless a `logger` option was
   * given, which then gets them instead).
   */
  readonly logs: readonly LogEvent[];
  /** Consumes the first logged event named `event` (already logged or still to come) that `match` accepts. */
  nextLog(event: string, match?: (entry: LogEvent) => boolean, options?: WaitOptions): Promise<LogEvent>;
  /** Disconnects every socket made by `user()`, stops the server, removes a temporary database. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

let counter = 0;

/** A name unique within this process and across processes running tests in parallel. */
export function uniqueName(prefix = "u"): string {
  counter += 1;
  return `${prefix}${counter}x${Math.random().toString(36).slice(2, 8)}`;
}

async function loadServer(): Promise<typeof import("../server/index.js")> {
  try {
    return await import("../server/index.js");
  } catch (cause) {
    throw HeraldError.from(
      cause,
      "unsupported",
      `startTestServer needs herald's server and its SQLite driver: npm install --save-dev better-sqlite3 (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
}

/**
 * The database of a test server: `db` as given, else ":memory:", else with `file` a fresh SQLite
 * file in a temporary folder that `remove()` deletes. (herald's own test helpers share it.)
 */
export async function temporaryDatabase<D extends string | object>(
  file: boolean | undefined,
  db: D | undefined,
): Promise<{ db: D | string; remove(): Promise<void> }> {
  if (!file || db !== undefined) return { db: db ?? ":memory:", remove: async () => {} };
  const [{ mkdtempSync, rmSync }, { tmpdir }, path] = await Promise.all([
    import("node:fs"),
    import("node:os"),
    import("node:path"),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), "herald-test-"));
  return {
    db: path.join(dir, "herald.db"),
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A server logger that keeps every event in an inbox instead of printing it. (herald's own test helpers share it.) */
export function recordingLogger(): { logger: Logger; logs: Inbox<LogEvent> } {
  let record: ((entry: LogEvent) => void) | undefined;
  const logs = new Inbox<LogEvent>((fn) => {
    record = fn;
    return () => {
      record = undefined;
    };
  }, "log event");
  const at =
    (level: LogEvent["level"]) =>
    (event: string, fields: Record<string, unknown> = {}) =>
      record?.({ level, event, fields });
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, logs };
}

function checkUserOptions(what: string, options: unknown): void {
  checkFields(what, "username:s exactUsername:b codec:c connect:b connectOptions:o socketOptions:o", options);
}

/**
 * Signs users in through `client` and connects their sockets, adding every socket made to
 * `sockets` (for closing): what {@link TestServer.user} and {@link TestServer.socket} do, for any
 * server. (herald's own test helpers share it.)
 */
export function userSignIn(client: Client, sockets: Set<Socket>): Pick<TestServer, "user" | "socket"> {
  const make = (options: Pick<TestUserOptions, "codec" | "socketOptions">) => {
    const made = client.createSocket({ ...options.socketOptions, codec: options.codec });
    sockets.add(made);
    return made;
  };
  const socket: TestServer["socket"] = async (session, options = {}) => {
    checkSession("socket", session);
    checkUserOptions("socket", options);
    const made = make(options);
    await made.connect(session, { appearOnline: false, ...options.connectOptions });
    return made;
  };
  const user: TestServer["user"] = async (options = {}) => {
    checkUserOptions("user", options);
    const name = options.username ?? "user";
    const username = options.exactUsername ? name : uniqueName(name);
    const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, username });
    const made = make(options);
    if (options.connect ?? true) {
      await made.connect(session, { appearOnline: false, ...options.connectOptions });
    }
    return { client, session, socket: made, userId: session.userId, username: session.username };
  };
  return { user, socket };
}

/**
 * Starts herald's bundled server for a test: a free loopback port, an in-memory database, logs
 * kept in memory (`logs`, `nextLog`) instead of printed, and helpers that sign users in with a connected socket. The server (and better-sqlite3)
 * is loaded on the first call, so a test file that only uses the fake server never loads it.
 *
 * ```ts
 * await using server = await startTestServer();
 * const ada = await server.user({ username: "ada" });
 * await ada.socket.updateStatus("online");
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  checkFields("startTestServer", "file:b", options);
  checkListenOptions("startTestServer", options);
  const { file, ...rest } = options;
  const { createServer } = await loadServer();
  const database = await temporaryDatabase(file, rest.db);
  const db = database.db;
  const { logger, logs } = recordingLogger();
  const server = await createServer({ port: 0, logger, ...rest, db }).catch(async (error: unknown) => {
    await database.remove();
    throw error;
  });
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  const clientOptions = (
    extra: Omit<ClientOptions, "host" | "port" | "ssl" | "serverKey"> = {},
  ): ClientOptions => ({
    ...extra,
    host: server.host.includes(":") ? `[${server.host}]` : server.host,
    port: server.port,
    serverKey: rest.serverKey ?? "defaultkey",
  });
  const shared = new Client(clientOptions());
  const signIn = userSignIn(shared, sockets);

  const testServer: TestServer = {
    server,
    url: server.url,
    host: server.host,
    port: server.port,
    dbPath: server.dbPath,
    logs: logs.received,
    nextLog: (event, match = () => true, waitOptions) =>
      logs.next((entry) => entry.event === event && match(entry), {
        what: `a "${event}" log event`,
        ...waitOptions,
      }),
    client: (extra) => new Client(clientOptions(extra)),
    user: (userOptions) => {
      if (closing) return Promise.reject(new HeraldError("disconnected", "user: the test server is closed"));
      return signIn.user(userOptions);
    },
    socket: (session, socketOptions) => {
      if (closing)
        return Promise.reject(new HeraldError("disconnected", "socket: the test server is closed"));
      return signIn.socket(session, socketOptions);
    },
    users<N extends number>(count: N, userOptions: TestUserOptions = {}) {
      if (!Number.isInteger(count) || count < 0) {
        return Promise.reject(
          new HeraldError(
            "bad_input",
            `users: count must be a whole number, got ${typeof count === "number" ? count : describeValue(count)}`,
          ),
        );
      }
      try {
        checkUserOptions("users", userOptions);
      } catch (error) {
        return Promise.reject(error);
      }
      const prefix = userOptions.username ?? "user";
      return Promise.all(
        Array.from({ length: count }, (_, i) =>
          testServer.user({ ...userOptions, username: `${prefix}${i + 1}` }),
        ),
      ) as Promise<Tuple<TestUser, N>>;
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...sockets].map((s) => s.disconnect().catch(() => {})));
        await server.close();
        await database.remove();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return testServer.close();
    },
  };
  return testServer;
}
