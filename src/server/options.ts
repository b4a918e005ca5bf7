import type { NakamaCompat } from "./compat.js";
import type { ConsoleOptions } from "./console/console-options.js";
import type { Extension } from "./extensions.js";
import type { ServerHooks } from "./hooks.js";
import type { CapOptions, RateLimitOptions } from "./limits/limits-options.js";
import type { Logger, LogLevel } from "./logger.js";

/** How long channel history is kept; every message is kept when neither is set. */
export interface RetentionOptions {
  /** Messages older than this many seconds are deleted. @default undefined (no age limit) */
  maxAgeSec?: number;
  /** Only the newest this many messages of each channel are kept. @default undefined (no count limit) */
  maxPerChannel?: number;
}

/** PostgreSQL storage with pool settings: `{ url: "postgres://…", maxConnections: 20 }`. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`). */
  url: string;
  /** Most connections this server opens. @default 10 */
  maxConnections?: number;
  /** A query (or a wait for a free connection) that takes longer fails with `timeout`. @default 5000 */
  queryTimeoutMs?: number;
  /** Time allowed to open a connection. @default 5000 */
  connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity`. @default "herald" */
  applicationName?: string;
}

/** What `ServerOptions.db` may be: an SQLite file, ":memory:", a PostgreSQL URL or its options. */
export type DatabaseOption = string | PostgresDatabaseOptions;

/** Where a cluster's Redis is, and how its nodes watch each other (see docs/scaling.md). */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://…` for TLS. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** Prefix of every key and pub/sub channel, so several deployments can share one Redis. @default "herald:" */
  keyPrefix?: string;
  /** How often a node renews its lease and looks for dead nodes. @default 1000 */
  heartbeatMs?: number;
  /**
   * How long a node's lease lasts without renewal. A node that stops (kill -9, a network split) has
   * its sessions' presences removed everywhere, with leave events, within `leaseMs + heartbeatMs`.
   * Must be longer than `heartbeatMs`. @default 5000
   */
  leaseMs?: number;
  /**
   * Single Redis only: how long a node holds a publish while its connection to Redis is not ready
   * (cut, reconnecting) before giving it up and reporting it; 0 to 60000. @default 300
   */
  publishHoldMs?: number;
}

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `HeraldServer.port`). @default 7350 */
  port?: number;
  /**
   * Where data lives. An SQLite file path (or ":memory:") keeps it in this process; a
   * `postgres://user:password@host:port/database` URL (or `postgresql://`), or an object with that
   * `url` and pool settings, keeps it in PostgreSQL, which any number of servers may share (the
   * schema is created or migrated at start; the optional `pg` package must be installed).
   * @default "./herald.db"
   */
  db?: DatabaseOption;
  /**
   * How long a batch of chat messages keeps retrying its commit while another process holds the
   * database's write lock. Meanwhile the server keeps answering everyone else; after it, each
   * sender gets a retryable error (`disconnected`, code 14) and the messages are not acknowledged.
   * @default 5000
   */
  commitTimeoutMs?: number;
  /** Key clients send (HTTP Basic) on authentication routes. @default "defaultkey" */
  serverKey?: string;
  /**
   * Secret signing session tokens. When not given, one is generated and saved beside the database
   * file (`DB.token-secret`) so sessions survive restarts; with ":memory:" it is random per run.
   */
  tokenSecret?: string;
  /** Session token lifetime in seconds. @default 7200 */
  tokenExpirySec?: number;
  /** Refresh token lifetime in seconds. @default 604800 (7 days) */
  refreshExpirySec?: number;
  /** Least severe log level written. @default "info" (ignored when `logger` is given) */
  logLevel?: LogLevel;
  /** Where logs go. @default JSON lines on stdout at `logLevel` */
  logger?: Logger;
  /**
   * The protocol extensions to offer; the others behave as on a stock Nakama server (for testing
   * clients against one). Without `user_presence`, users carry no `last_active` or `status` and
   * accounts no `invisible` flag; without `client_msg_id`, client message ids are ignored.
   * @default every extension: ["client_msg_id", "exact_cursors", "user_presence"]
   */
  extensions?: readonly Extension[];
  /** Server-side hooks (message filtering and the like). */
  hooks?: ServerHooks;
  /**
   * How long a `before` hook may take; after that the request is refused (code 4) and the
   * sender's later requests go on. @default 5000
   */
  hookTimeoutMs?: number;
  /** Keepalive ping period for WebSockets; dead sockets are dropped after one missed pong. @default 15000 */
  pingIntervalMs?: number;
  /** How often connected users' `last_active` is refreshed. @default 900000 (15 minutes) */
  lastActiveRefreshMs?: number;
  /**
   * Unsent bytes a socket may hold before the server gives up on it as a slow reader and closes it
   * with 1013. Below this, nothing is dropped. @default 16777216 (16 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Largest incoming WebSocket frame; a larger one closes the socket with 1009, once the requests
   * before it are answered (at once for a frame more than 64 KiB over the limit).
   * @default 65536, or 4096 (stock Nakama's default) with `compat: "nakama"`
   */
  maxFrameBytes?: number;
  /**
   * How long a client has to send a whole HTTP request (headers and body, or the WebSocket upgrade
   * request); one still arriving after that (a slowloris client dripping bytes) is answered 408 and
   * its connection closed, so slow senders cannot hold sockets and buffers for long. Stock Nakama's
   * read timeout is the same 10 s.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * Largest REST request body; a larger one is refused (413 `bad_input`, or 400 with code 3 as stock
   * answers with `compat: "nakama"`) and nothing of it is read into the request.
   * @default 1048576 (1 MiB), or 262144 (stock Nakama's 256 KiB) with `compat: "nakama"`
   */
  maxBodyBytes?: number;
  /**
   * Behave as a stock Nakama 3.26 server does, for testing clients against one: no herald
   * extensions (and no `/v2/herald/capabilities` route: 404), a JSON envelope holding a field
   * stock does not know closes the socket with no error frame and no close code (1005), as does
   * any malformed envelope, while protobuf frames' unknown fields are skipped; frames over 4096
   * bytes close with 1009. `{ nakama: true, historyCursors: "3.26" }` also reproduces 3.26.0's
   * history-cursor bug. Cannot be combined with `extensions`.
   * @default undefined (herald's own behaviour)
   */
  compat?: "nakama" | NakamaCompat;
  /**
   * The operator console served at the root URL (see docs/console.md), or `false` for none.
   * @default {} (on, with the local-development credential on loopback addresses only)
   */
  console?: ConsoleOptions | false;
  /**
   * Rate limits per socket, user and address (see {@link RateLimitOptions} for each default);
   * `false` turns them all off.
   */
  rateLimits?: RateLimitOptions | false;
  /** Count caps per socket and user (see {@link CapOptions} for each default). */
  caps?: CapOptions;
  /**
   * Unsent bytes all sockets together may hold; past it the socket holding the most is closed with
   * 1013 first, so other users keep their latency. Checked every 100 ms, counting what readers
   * left unread since the previous check; a reader taking its bytes at a pace that empties its
   * socket within a second is not closed. @default 67108864 (64 MiB)
   */
  maxTotalBufferedBytes?: number;
  /**
   * Port of the Prometheus metrics endpoint (`GET /metrics`), served apart from the public port; 0
   * picks a free one (see `HeraldServer.metricsPort`). @default undefined (no metrics endpoint)
   */
  metricsPort?: number;
  /**
   * How hard each commit is pushed to disk (SQLite's `synchronous`, in WAL mode). "normal": every
   * acknowledged message survives the process being killed, but the last commits before a power
   * loss or OS crash may be lost (the database stays consistent). "full": an acknowledged message
   * survives power loss too, at the cost of one disk flush per commit.
   * @default "normal"
   */
  synchronous?: "normal" | "full";
  /**
   * How long channel history is kept: by age, by count per channel, or both. Checked at start and
   * once a minute. @default undefined (every message is kept)
   */
  historyRetention?: RetentionOptions;
  /** Interface the metrics endpoint listens on. @default "127.0.0.1" */
  metricsHost?: string;
  /**
   * Runs this server as one node of a cluster sharing presences and fan-out through Redis (a URL,
   * or {@link RedisOptions}): nodes started on the same Redis and database behave as one server.
   * Needs the `ioredis` package. @default undefined (a single server: nothing is shared)
   */
  redis?: string | RedisOptions;
  /** This node's id in a cluster, unique among its nodes. @default a random UUID */
  nodeId?: string;
  /**
   * In a cluster, how long (ms) a node holds a channel's stored message whose predecessor in
   * history has not reached it yet (another node's publish still on its way, or lost) before it
   * reads the missing messages from storage and delivers them, in order. Ignored without `redis`.
   * @default 300
   */
  gapFillMs?: number;
}

/** A running server. */
export interface HeraldServer {
  /** The port it listens on (the chosen one when started with port 0). */
  readonly port: number;
  /** The host it listens on. */
  readonly host: string;
  /** Base HTTP URL, e.g. `http://127.0.0.1:7350`. The WebSocket endpoint is `ws://.../ws`. */
  readonly url: string;
  /**
   * The database in use: the SQLite file (":memory:" for an in-memory one), or the PostgreSQL URL
   * with its password masked.
   */
  readonly dbPath: string;
  /** The operator console's URL; undefined when it is off (`console: false`, or refused). */
  readonly consoleUrl: string | undefined;
  /** Number of connected sockets (of this node, in a cluster). */
  readonly sessionCount: number;
  /** This node's id in a cluster; undefined without `redis`. */
  readonly nodeId: string | undefined;
  /** Port of the metrics endpoint, when `metricsPort` was given. */
  readonly metricsPort: number | undefined;
  /**
   * Stops accepting connections, closes every socket with 1001 (going away), finishes pending
   * writes and closes the database.
   */
  close(): Promise<void>;
}
