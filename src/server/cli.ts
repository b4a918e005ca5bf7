import { parseArgs } from "node:util";
import { DEFAULT_GAP_FILL_MS } from "./cluster/channel-sequencer.js";
import { DEFAULT_CONSOLE_CREDENTIAL, MIN_CREDENTIAL_LENGTH } from "./console/console-options.js";
import { createServer } from "./index.js";
import { parseRates } from "./limits/parse-rates.js";
import { isLogLevel } from "./logger.js";
import type { ServerOptions } from "./options.js";
import { urlWithoutPassword } from "./url-without-password.js";

// `herald-server` / `npm start`: flags win over HERALD_* environment variables, which win over defaults.

const usage = `Usage: herald-server [options]

  --host HOST             interface to listen on (HERALD_HOST, default 127.0.0.1)
  --port PORT             port, 0 for any free one (HERALD_PORT, default 7350)
  --db PATH|URL           SQLite file, :memory:, or postgres://user:password@host:port/database to
                          keep data in PostgreSQL, shared by any number of servers (needs the pg
                          package) (HERALD_DB, default ./herald.db)
  --server-key KEY        key for authentication routes (HERALD_SERVER_KEY, default defaultkey)
  --token-secret SECRET   token signing secret (HERALD_TOKEN_SECRET, default: generated beside the
                          SQLite file, or stored in PostgreSQL for every server to share)
  --token-expiry SEC      session token lifetime (HERALD_TOKEN_EXPIRY, default 7200)
  --refresh-expiry SEC    refresh token lifetime (HERALD_REFRESH_EXPIRY, default 604800)
  --log-level LEVEL       debug, info, warn, error or silent (HERALD_LOG_LEVEL, default info)
  --compat nakama         behave as stock Nakama 3.26: no extensions, its frame limit (HERALD_COMPAT)
  --history-cursors MODE  with --compat nakama: exact, or 3.26 for that release's cursor bug
                          (HERALD_HISTORY_CURSORS, default exact)
  --console-credential C  operator credential of the console at / (HERALD_CONSOLE_CREDENTIAL, default
                          herald-dev-console, accepted on loopback addresses only)
  --no-console            serve no console (HERALD_CONSOLE=off)
  --rate NAME=BURST/PER_SEC  a rate limit, repeatable; NAME is messages, statusUpdates, joins,
                          socketRequests, restCalls, signUps or wrongPasswords; "NAME=off" turns
                          one off, "all=off" every one (HERALD_RATES, space-separated)
  --channels-per-socket N channels one socket may be in (HERALD_CHANNELS_PER_SOCKET, default 100)
  --follows-per-socket N  users one socket may follow (HERALD_FOLLOWS_PER_SOCKET, default 5000)
  --sockets-per-user N    sockets one user may hold open (HERALD_SOCKETS_PER_USER, default 16)
  --max-total-buffered B  unsent bytes all sockets together may hold (HERALD_MAX_TOTAL_BUFFERED,
                          default 67108864)
  --max-body-bytes B      largest REST request body (HERALD_MAX_BODY_BYTES, default 1048576;
                          262144 with --compat nakama)
  --max-frame-bytes B     largest incoming WebSocket frame (HERALD_MAX_FRAME_BYTES, default 65536;
                          4096 with --compat nakama)
  --request-timeout-ms MS time a client has to send a whole HTTP request, upgrade included; one still
                          arriving is answered 408 (HERALD_REQUEST_TIMEOUT_MS, default 10000)
  --synchronous MODE      normal or full: what a commit survives (HERALD_SYNCHRONOUS, default normal)
  --history-max-age SEC   delete channel messages older than this (HERALD_HISTORY_MAX_AGE, default: keep)
  --history-per-channel N keep only the newest N messages per channel (HERALD_HISTORY_PER_CHANNEL,
                          default: keep all)
  --metrics-port PORT     serve Prometheus metrics at GET /metrics on this port (HERALD_METRICS_PORT,
                          default: off)
  --metrics-host HOST     interface of the metrics port (HERALD_METRICS_HOST, default 127.0.0.1)
  --redis URL             run as one node of a cluster sharing presences and fan-out through Redis,
                          e.g. redis://127.0.0.1:6379 (HERALD_REDIS, default: a single server)
  --redis-prefix P        prefix of the cluster's Redis keys and channels (HERALD_REDIS_PREFIX,
                          default herald:)
  --node-id ID            this node's id in the cluster (HERALD_NODE_ID, default: random)
  --redis-heartbeat-ms MS lease renewal and dead-node check period (HERALD_REDIS_HEARTBEAT_MS,
                          default 1000)
  --redis-lease-ms MS     a silent node's presences go after this plus a heartbeat
                          (HERALD_REDIS_LEASE_MS, default 5000)
  --gap-fill-ms MS        how long a channel's stored message waits for the one before it before
                          that one is read from storage (HERALD_GAP_FILL_MS, default 300)
  --help                  show this help
`;

function fail(message: string): never {
  process.stderr.write(`herald-server: ${message}\n\n${usage}`);
  process.exit(2);
}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) fail(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** A port number: 0 (a free one) to 65535, named in the message (the listener's own says "options.port"). */
function port(name: string, raw: string | undefined): number | undefined {
  const n = integer(name, raw, 0);
  if (n !== undefined && n > 65535) fail(`${name} must be a port from 0 to 65535, got "${raw}"`);
  return n;
}

// Flags whose empty value is a mistake: `--host ""` listened on every interface while printing
// "http://:PORT". An empty prefix is a real choice.
const mayBeEmpty = new Set(["redis-prefix"]);

/** The start line saying where the console is, with which credential, or why it is off. */
function consoleLine(consoleUrl: string | undefined, options: ServerOptions): string {
  if (options.console === false) return "console: off (--no-console)";
  if (consoleUrl === undefined) {
    return "console: off: set an operator credential (--console-credential or HERALD_CONSOLE_CREDENTIAL) to serve it on a non-loopback address (at least 8 characters)";
  }
  const credential = options.console?.credential;
  return credential === undefined
    ? `console: ${consoleUrl} (operator credential: ${DEFAULT_CONSOLE_CREDENTIAL}, the local-development default)`
    : `console: ${consoleUrl} (operator credential: the one you set)`;
}

/** The Redis URL without its password, for the start line. */
function redisUrlForLog(redis: ServerOptions["redis"]): string {
  const raw = typeof redis === "string" ? redis : (redis?.url ?? "redis://127.0.0.1:6379");
  return urlWithoutPassword(raw, "redis");
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string" },
        port: { type: "string" },
        db: { type: "string" },
        "server-key": { type: "string" },
        "token-secret": { type: "string" },
        "token-expiry": { type: "string" },
        "refresh-expiry": { type: "string" },
        "log-level": { type: "string" },
        compat: { type: "string" },
        "history-cursors": { type: "string" },
        "console-credential": { type: "string" },
        "no-console": { type: "boolean" },
        rate: { type: "string", multiple: true },
        "channels-per-socket": { type: "string" },
        "follows-per-socket": { type: "string" },
        "sockets-per-user": { type: "string" },
        "max-total-buffered": { type: "string" },
        "max-body-bytes": { type: "string" },
        "max-frame-bytes": { type: "string" },
        "request-timeout-ms": { type: "string" },
        synchronous: { type: "string" },
        "metrics-port": { type: "string" },
        "history-max-age": { type: "string" },
        "history-per-channel": { type: "string" },
        "metrics-host": { type: "string" },
        redis: { type: "string" },
        "node-id": { type: "string" },
        "redis-prefix": { type: "string" },
        "redis-heartbeat-ms": { type: "string" },
        "redis-lease-ms": { type: "string" },
        "gap-fill-ms": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const env = process.env;
  const pick = (flag: string, envName: string): string | undefined => {
    const v = values[flag];
    if (v === "" && !mayBeEmpty.has(flag)) fail(`--${flag} needs a value`);
    return typeof v === "string" ? v : env[envName] || undefined;
  };
  const logLevel = pick("log-level", "HERALD_LOG_LEVEL") ?? "info";
  if (!isLogLevel(logLevel)) fail(`unknown log level "${logLevel}"`);
  const options: ServerOptions = { logLevel };
  const host = pick("host", "HERALD_HOST");
  if (host !== undefined) options.host = host;
  const listenPort = port("--port", pick("port", "HERALD_PORT"));
  if (listenPort !== undefined) options.port = listenPort;
  const db = pick("db", "HERALD_DB");
  if (db !== undefined) options.db = db;
  const serverKey = pick("server-key", "HERALD_SERVER_KEY");
  if (serverKey !== undefined) options.serverKey = serverKey;
  const tokenSecret = pick("token-secret", "HERALD_TOKEN_SECRET");
  if (tokenSecret !== undefined) options.tokenSecret = tokenSecret;
  const tokenExpiry = integer("--token-expiry", pick("token-expiry", "HERALD_TOKEN_EXPIRY"), 1);
  if (tokenExpiry !== undefined) options.tokenExpirySec = tokenExpiry;
  const refreshExpiry = integer("--refresh-expiry", pick("refresh-expiry", "HERALD_REFRESH_EXPIRY"), 1);
  if (refreshExpiry !== undefined) options.refreshExpirySec = refreshExpiry;
  const compat = pick("compat", "HERALD_COMPAT");
  const historyCursors = pick("history-cursors", "HERALD_HISTORY_CURSORS");
  if (compat !== undefined && compat !== "nakama") fail(`unknown compat mode "${compat}" (only nakama)`);
  if (historyCursors !== undefined) {
    if (compat === undefined) fail("--history-cursors needs --compat nakama");
    if (historyCursors !== "exact" && historyCursors !== "3.26")
      fail(`--history-cursors must be exact or 3.26, got "${historyCursors}"`);
    options.compat = { nakama: true, historyCursors };
  } else if (compat !== undefined) {
    options.compat = compat;
  }

  const consoleCredential = pick("console-credential", "HERALD_CONSOLE_CREDENTIAL");
  if (values["no-console"] === true || env.HERALD_CONSOLE === "off") options.console = false;
  else if (consoleCredential !== undefined) {
    // Refused here rather than started with the console silently off, even on loopback.
    if (consoleCredential.length < MIN_CREDENTIAL_LENGTH)
      fail(
        `--console-credential (or HERALD_CONSOLE_CREDENTIAL) must be at least ${MIN_CREDENTIAL_LENGTH} characters long`,
      );
    options.console = { credential: consoleCredential };
  }

  const rates = Array.isArray(values.rate) ? values.rate : env.HERALD_RATES?.split(/\s+/).filter(Boolean);
  if (rates !== undefined && rates.length > 0) {
    const parsed = parseRates(rates);
    if (typeof parsed === "string") fail(parsed);
    options.rateLimits = parsed;
  }
  const caps: NonNullable<ServerOptions["caps"]> = {};
  const channelsPerSocket = integer(
    "--channels-per-socket",
    pick("channels-per-socket", "HERALD_CHANNELS_PER_SOCKET"),
    1,
  );
  if (channelsPerSocket !== undefined) caps.channelsPerSocket = channelsPerSocket;
  const followsPerSocket = integer(
    "--follows-per-socket",
    pick("follows-per-socket", "HERALD_FOLLOWS_PER_SOCKET"),
    1,
  );
  if (followsPerSocket !== undefined) caps.followsPerSocket = followsPerSocket;
  const socketsPerUser = integer(
    "--sockets-per-user",
    pick("sockets-per-user", "HERALD_SOCKETS_PER_USER"),
    1,
  );
  if (socketsPerUser !== undefined) caps.socketsPerUser = socketsPerUser;
  options.caps = caps;
  const maxTotal = integer(
    "--max-total-buffered",
    pick("max-total-buffered", "HERALD_MAX_TOTAL_BUFFERED"),
    1,
  );
  if (maxTotal !== undefined) options.maxTotalBufferedBytes = maxTotal;
  const maxBody = integer("--max-body-bytes", pick("max-body-bytes", "HERALD_MAX_BODY_BYTES"), 1);
  if (maxBody !== undefined) options.maxBodyBytes = maxBody;
  const maxFrame = integer("--max-frame-bytes", pick("max-frame-bytes", "HERALD_MAX_FRAME_BYTES"), 1);
  if (maxFrame !== undefined) options.maxFrameBytes = maxFrame;
  const requestTimeout = integer(
    "--request-timeout-ms",
    pick("request-timeout-ms", "HERALD_REQUEST_TIMEOUT_MS"),
    1,
  );
  if (requestTimeout !== undefined) options.requestTimeoutMs = requestTimeout;
  const synchronous = pick("synchronous", "HERALD_SYNCHRONOUS");
  if (synchronous !== undefined) {
    if (synchronous !== "normal" && synchronous !== "full")
      fail(`--synchronous must be normal or full, got "${synchronous}"`);
    options.synchronous = synchronous;
  }
  const maxAge = integer("--history-max-age", pick("history-max-age", "HERALD_HISTORY_MAX_AGE"), 1);
  const perChannel = integer(
    "--history-per-channel",
    pick("history-per-channel", "HERALD_HISTORY_PER_CHANNEL"),
    1,
  );
  if (maxAge !== undefined || perChannel !== undefined) {
    options.historyRetention = {};
    if (maxAge !== undefined) options.historyRetention.maxAgeSec = maxAge;
    if (perChannel !== undefined) options.historyRetention.maxPerChannel = perChannel;
  }
  const metricsPort = port("--metrics-port", pick("metrics-port", "HERALD_METRICS_PORT"));
  if (metricsPort !== undefined) options.metricsPort = metricsPort;
  const metricsHost = pick("metrics-host", "HERALD_METRICS_HOST");
  if (metricsHost !== undefined) options.metricsHost = metricsHost;
  const redis = pick("redis", "HERALD_REDIS");
  const heartbeatMs = integer(
    "--redis-heartbeat-ms",
    pick("redis-heartbeat-ms", "HERALD_REDIS_HEARTBEAT_MS"),
    1,
  );
  const leaseMs = integer("--redis-lease-ms", pick("redis-lease-ms", "HERALD_REDIS_LEASE_MS"), 2);
  const keyPrefix = pick("redis-prefix", "HERALD_REDIS_PREFIX");
  const gapFillMs = integer("--gap-fill-ms", pick("gap-fill-ms", "HERALD_GAP_FILL_MS"), 0);
  // Only a cluster orders its channels' messages: on a single server the flag would do nothing.
  if (gapFillMs !== undefined) {
    if (redis === undefined) fail("--gap-fill-ms needs --redis");
    options.gapFillMs = gapFillMs;
  }
  if (redis !== undefined) {
    if (!/^rediss?:\/\//.test(redis)) fail(`--redis must be a redis:// or rediss:// URL, got "${redis}"`);
    options.redis = {
      url: redis,
      ...(heartbeatMs !== undefined && { heartbeatMs }),
      ...(leaseMs !== undefined && { leaseMs }),
      ...(keyPrefix !== undefined && { keyPrefix }),
    };
  } else if (heartbeatMs !== undefined || leaseMs !== undefined || keyPrefix !== undefined) {
    fail("--redis-heartbeat-ms, --redis-lease-ms and --redis-prefix need --redis");
  }
  const nodeId = pick("node-id", "HERALD_NODE_ID");
  if (nodeId !== undefined) options.nodeId = nodeId;

  const server = await createServer(options);
  process.stdout.write(`herald server listening on ${server.url}\n`);
  if (server.nodeId !== undefined)
    process.stdout.write(
      `cluster node ${server.nodeId} on ${redisUrlForLog(options.redis)}, channel gaps filled after ${options.gapFillMs ?? DEFAULT_GAP_FILL_MS} ms\n`,
    );
  process.stdout.write(`${consoleLine(server.consoleUrl, options)}\n`);
  if (server.metricsPort !== undefined)
    process.stdout.write(
      `herald metrics on http://${options.metricsHost ?? "127.0.0.1"}:${server.metricsPort}/metrics\n`,
    );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`herald server: ${signal}, shutting down\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`herald server: shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  // A stray rejection is a bug to report, not a reason to drop every user's connection.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(
      `herald server: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
    );
  });
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`herald-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
