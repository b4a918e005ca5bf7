import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HeraldError } from "../errors.js";
import {
  HERALD_MAX_BODY_BYTES,
  HERALD_MAX_FRAME_BYTES,
  STOCK_MAX_BODY_BYTES,
  STOCK_MAX_FRAME_BYTES,
} from "../protocol/limits.js";
import type { ClusterAdapter } from "./cluster/cluster-adapter.js";
import { ClusterNode } from "./cluster/cluster-node.js";
import { RedisClusterAdapter } from "./cluster/redis-adapter.js";
import { SharedUserViews } from "./cluster/shared-user-views.js";
import { resolveCompat } from "./compat.js";
import { checkConsoleOptions } from "./console/console-options.js";
import { OperatorConsole } from "./console/operator-console.js";
import { allExtensions, type Extension } from "./extensions.js";
import { Limits } from "./limits/limits.js";
import { createJsonLogger } from "./logger.js";
import { MetricsServer } from "./metrics/metrics-server.js";
import { ServerMetrics } from "./metrics/server-metrics.js";
import type { HeraldServer, ServerOptions } from "./options.js";
import { Accounts } from "./services/accounts.js";
import { AuthService } from "./services/auth/auth-service.js";
import { resolveTokenSecret } from "./services/auth/token-secret.js";
import { Authentication } from "./services/authentication.js";
import { ChannelRegistry } from "./services/channel-registry.js";
import { Chat } from "./services/chat.js";
import { Friends } from "./services/friends.js";
import { Groups } from "./services/groups.js";
import { History } from "./services/history.js";
import { Notifications } from "./services/notifications.js";
import { Notifier } from "./services/notifier.js";
import { PeerRegistry } from "./services/peer-registry.js";
import { Status } from "./services/status.js";
import { StatusTracker } from "./services/status-tracker.js";
import { UserViews } from "./services/user-views.js";
import { Visibility } from "./services/visibility.js";
import { describeDatabase, openStorage } from "./storage/open-storage.js";
import { answerClientError } from "./transport/http/client-error.js";
import { routeHandlers } from "./transport/http/route-handlers.js";
import { Router } from "./transport/http/router.js";
import { refuseAsStockRequestLine } from "./transport/http/stock-bad-request-line.js";
import { answerWithoutUpgrade } from "./transport/http/upgrade-offer.js";
import { Connection } from "./transport/realtime/connection.js";
import { Dispatcher } from "./transport/realtime/dispatcher.js";
import { WsGateway } from "./transport/realtime/gateway.js";
import { SocketWriter } from "./transport/realtime/writer.js";
import { version } from "./version.js";

export { HeraldError } from "../errors.js";
export type { HistoryCursorMode, NakamaCompat } from "./compat.js";
export {
  type ConsoleOptions,
  DEFAULT_CONSOLE_CREDENTIAL,
} from "./console/console-options.js";
export type { Extension } from "./extensions.js";
export { allExtensions } from "./extensions.js";
export type {
  ChannelMessageDraft,
  HookContext,
  HookResult,
  SentChannelMessage,
  ServerHooks,
} from "./hooks.js";
export type { Logger, LogLevel } from "./logger.js";
export { createJsonLogger } from "./logger.js";
export type {
  DatabaseOption,
  HeraldServer,
  PostgresDatabaseOptions,
  RedisOptions,
  ServerOptions,
} from "./options.js";
export { tokenSecretPath } from "./services/auth/token-secret.js";

/** How long a client has to send a whole HTTP request, by default (stock's read timeout). */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Node's HTTP server settings that give up on a request still arriving after `timeoutMs`: Node's
 * own defaults wait 60 s for headers and 300 s for a body, and check only every 30 s.
 */
function slowRequestLimits(timeoutMs: number) {
  return {
    requestTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    // Checked often enough that a limit is kept to within a quarter of it (at most once a second).
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeoutMs / 4))),
  };
}

/**
 * Starts herald's server: REST and WebSocket on one port, state in SQLite (or, with a
 * `postgres://` URL as `db`, in PostgreSQL, which several servers may share).
 *
 * ```ts
 * const server = await createServer({ port: 0, db: ":memory:" });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function createServer(options: ServerOptions = {}): Promise<HeraldServer> {
  const compat = resolveCompat(options.compat);
  checkConsoleOptions(options.console);
  const { maxBodyBytes } = options;
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    throw new HeraldError(
      "bad_input",
      `maxBodyBytes must be a whole number above 0, got ${String(maxBodyBytes)}`,
    );
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs > 0)) {
    throw new HeraldError(
      "bad_input",
      `requestTimeoutMs must be a whole number above 0, got ${String(requestTimeoutMs)}`,
    );
  }
  const { gapFillMs } = options;
  if (gapFillMs !== undefined && !(Number.isFinite(gapFillMs) && gapFillMs >= 0)) {
    throw new HeraldError("bad_input", `gapFillMs must be a number of ms >= 0, got ${String(gapFillMs)}`);
  }
  if (compat.nakama && options.extensions !== undefined && options.extensions.length > 0) {
    throw new HeraldError("bad_input", 'compat "nakama" offers no extensions: leave out `extensions`');
  }
  const retention = options.historyRetention;
  if (
    (retention?.maxPerChannel !== undefined &&
      (!Number.isInteger(retention.maxPerChannel) || retention.maxPerChannel < 1)) ||
    (retention?.maxAgeSec !== undefined && !(retention.maxAgeSec > 0))
  ) {
    throw new HeraldError(
      "bad_input",
      "historyRetention: maxPerChannel must be an integer >= 1 and maxAgeSec a number > 0",
    );
  }
  const host = options.host ?? "127.0.0.1";
  const dbOption = options.db ?? "./herald.db";
  const dbPath = describeDatabase(dbOption);
  const logger = options.logger ?? createJsonLogger(options.logLevel ?? "info");
  const preciseCodes = !compat.nakama;

  // Cluster: started first, so a Redis that cannot be reached fails the start before anything opens.
  let cluster: ClusterAdapter | undefined;
  if (options.redis !== undefined) {
    const redis = typeof options.redis === "string" ? { url: options.redis } : options.redis;
    cluster = new RedisClusterAdapter({
      ...redis,
      ...(options.nodeId !== undefined && { nodeId: options.nodeId }),
    });
    await cluster.start();
  }
  const sharedViews = cluster === undefined ? undefined : new SharedUserViews(cluster);

  // Storage: SQLite in this process, or PostgreSQL shared by any number of servers.
  const storage = await openStorage(dbOption, {
    synchronous: options.synchronous ?? "normal",
    onCommitError: (err) => {
      metrics.commitsFailed += 1;
      logger.error("message_commit_failed", { err });
    },
    onCommit: (durationMs, batchSize) => metrics.observeCommit(durationMs, batchSize),
    onFileLost: (err) => logger.error("storage_file_lost", { db: dbPath, err }),
    ...(options.commitTimeoutMs !== undefined && { commitTimeoutMs: options.commitTimeoutMs }),
  }).catch(async (err: unknown) => {
    await cluster?.close().catch(() => {});
    throw err;
  });
  const {
    users,
    messages,
    groups: groupStore,
    friends: friendStore,
    notifications: notificationStore,
  } = storage;
  let auth: AuthService;
  try {
    // Every server on one PostgreSQL database must sign alike, so the secret lives there; an SQLite
    // server keeps it in a file beside its database, as always.
    const secret =
      storage.engine === "sqlite"
        ? resolveTokenSecret(options.tokenSecret, dbPath)
        : options.tokenSecret || (await storage.tokens.sharedSecret(randomBytes(32).toString("base64url")));
    auth = new AuthService(
      storage.tokens,
      secret,
      options.tokenExpirySec ?? 7200,
      options.refreshExpirySec ?? 604800,
      // Every node of a cluster shares logouts: a token not revoked here is looked up in storage.
      storage.engine !== "sqlite" || cluster !== undefined,
    );
    await auth.load();
  } catch (err) {
    await storage.close().catch(() => {});
    await cluster?.close().catch(() => {});
    throw err;
  }

  // Services: every rule, once, for both transports.
  const extensions = new Set<Extension>(compat.nakama ? [] : (options.extensions ?? allExtensions));
  const presence = extensions.has("user_presence");
  const peers = new PeerRegistry();
  const visibility = new Visibility(users);
  const statusTracker = new StatusTracker((userId) => visibility.isInvisible(userId));
  const channels = new ChannelRegistry();
  visibility.attach(statusTracker, channels, peers);
  const notifier = new Notifier(notificationStore, peers, logger);
  const userViews = new UserViews({
    status: statusTracker,
    visibility,
    friends: friendStore,
    presence,
    shared: sharedViews,
  });
  const chat = new Chat({
    users,
    friends: friendStore,
    groups: groupStore,
    messages,
    channels,
    notifier,
    hooks: options.hooks ?? {},
    logger,
    hookTimeoutMs: options.hookTimeoutMs ?? 5000,
    visibility,
    clientMsgIds: extensions.has("client_msg_id"),
    joinMark: extensions.has("join_mark"),
  });
  const status = new Status(statusTracker, users);
  const serverKey = options.serverKey ?? "defaultkey";
  const operatorConsole =
    options.console === false
      ? undefined
      : new OperatorConsole({
          host,
          options: options.console ?? {},
          logger,
          sources: {
            // Every peer is a connection today; the console needs the socket's codec as well.
            sessions: {
              *all() {
                for (const peer of peers.all()) if (peer instanceof Connection) yield peer;
              },
            },
            channels,
            visibility,
            users,
            groups: groupStore,
            messages,
            serverKey,
            version,
          },
        });

  // The pass runs without retention limits too: it forgets the channels' floors (removed
  // messages' times) that can no longer matter.
  let pruner: NodeJS.Timeout | undefined;
  // Set at close: a pass still running then fails on the database let go of, as it may; it is
  // no fault (the next start runs one again).
  let pruneStopped = false;
  {
    let pruning = false;
    const prune = () => {
      // A pass still running (a large backlog, a slow database) is not joined by another.
      if (pruning) return;
      pruning = true;
      messages
        .prune(retention ?? {}, Date.now())
        .then(
          (deleted) => {
            if (deleted > 0) logger.info("history_pruned", { deleted });
          },
          // A busy or unreachable database is retried at the next pass; nothing is lost by waiting.
          (err: unknown) => {
            if (!pruneStopped) logger.warn("history_prune_failed", { err });
          },
        )
        .finally(() => {
          pruning = false;
        });
    };
    prune();
    pruner = setInterval(prune, 60_000);
    pruner.unref();
  }

  // Abuse control and operations.
  const limits = new Limits(options.rateLimits, options.caps);
  const writer = new SocketWriter(options.maxBufferedBytes ?? 16 * 1024 * 1024, (_ws, bufferedBytes) => {
    metrics.slowReadersClosed += 1;
    logger.warn("slow_reader_closed", { bufferedBytes });
  });
  const metrics = new ServerMetrics({
    sockets: () => peers.size,
    users: () => new Set([...peers.all()].map((p) => p.userId)).size,
    framesOut: () => writer.framesWritten,
    limitHits: () => limits.hits,
    deliveries: () => writer.deliveries.byKind,
  });

  // Transports.
  const handlers = routeHandlers({
    authentication: new Authentication({ users, auth, logger, boundVars: !compat.nakama }),
    accounts: new Accounts({ users, userViews, visibility, presence }),
    history: new History({ messages, groups: groupStore, historyCursors: compat.historyCursors }),
    notifications: new Notifications(notificationStore),
    friends: new Friends({ friends: friendStore, chat, users, notifier, userViews }),
    groups: new Groups({ groups: groupStore, users, chat, notifier, userViews, logger }),
    capabilities: compat.nakama
      ? undefined
      : () => ({ server: "herald", version, extensions: [...extensions] }),
    storageFault: () => storage.fault?.(),
  });
  if (sharedViews !== undefined) {
    // Users' `online` and `status` come from every node's presences before a call answers.
    for (const [name, handler] of Object.entries(handlers)) {
      (handlers as Record<string, unknown>)[name] = sharedViews.wrap(
        handler as (...args: unknown[]) => unknown,
      );
    }
  }
  const router = new Router({
    handlers,
    auth,
    serverKey,
    logger,
    preciseCodes,
    limits,
    metrics,
    maxBodyBytes: maxBodyBytes ?? (compat.nakama ? STOCK_MAX_BODY_BYTES : HERALD_MAX_BODY_BYTES),
    stockRequests: compat.nakama,
  });
  const dispatcher = new Dispatcher({ chat, status, logger, preciseCodes, limits, metrics });
  const gateway = new WsGateway({
    visibility: presence ? visibility : undefined,
    auth,
    users,
    peers,
    status: statusTracker,
    channels,
    dispatcher,
    writer,
    logger,
    pingIntervalMs: options.pingIntervalMs ?? 15000,
    lastActiveRefreshMs: options.lastActiveRefreshMs ?? 15 * 60 * 1000,
    maxFrameBytes: options.maxFrameBytes ?? (compat.nakama ? STOCK_MAX_FRAME_BYTES : HERALD_MAX_FRAME_BYTES),
    stockFrames: compat.nakama,
    tap: operatorConsole,
    limits,
    metrics,
    closeOnExpiry: !compat.nakama,
    preciseCodes,
    maxTotalBufferedBytes: options.maxTotalBufferedBytes ?? 64 * 1024 * 1024,
  });

  // A cluster's nodes store and publish each on their own: each node orders what it hands out.
  if (cluster !== undefined) {
    channels.orderStored({
      messages,
      ...(gapFillMs !== undefined && { gapFillMs }),
      onFill: (fill) => {
        metrics.gapFills += 1;
        logger.debug("channel_gap_filled", { ...fill });
      },
      onError: (channelId, err, gaveUp) =>
        logger.warn(gaveUp ? "channel_gap_skipped" : "channel_gap_fill_failed", { channelId, err }),
    });
  }
  const clusterNode =
    cluster === undefined
      ? undefined
      : new ClusterNode({
          adapter: cluster,
          channels,
          status: statusTracker,
          peers,
          visibility,
          touchLastActive: (ids, at) => users.touchLastActive(ids, at),
          logger,
        });

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    // Stock's Go server refuses a bad escape in the path before any handler sees the request.
    if (compat.nakama && refuseAsStockRequestLine(req, req.socket)) return;
    if (operatorConsole?.handle(req, res)) return;
    // Nothing a request does may escape: an embedding app must never exit because of one.
    router.handle(req, res).catch((err: unknown) => {
      logger.error("request_failed", { err });
      if (res.headersSent) res.destroy();
      else
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end('{"code":13,"message":"Internal server error"}');
    });
  };
  const http = createHttpServer(slowRequestLimits(requestTimeoutMs), handleRequest);
  http.on("upgrade", (req, socket, head) => {
    // A peer resetting mid-upgrade must not take the process down.
    socket.on("error", (err) => logger.debug("upgrade_socket_error", { err }));
    if (compat.nakama && refuseAsStockRequestLine(req, socket)) return;
    // Only WebSocket is switched to (on /ws); any other offer is ignored, as Go's server does.
    if (req.headers.upgrade?.toLowerCase() !== "websocket") {
      answerWithoutUpgrade(req, socket, handleRequest);
      return;
    }
    try {
      gateway.handleUpgrade(req, socket, head);
    } catch (err) {
      logger.error("upgrade_failed", { err });
      socket.destroy();
    }
  });
  http.on("clientError", (err, socket) => answerClientError(err, socket));
  // An `Expect` other than 100-continue, which no route meets: Node would answer 417 with no body.
  http.on("checkExpectation", (req, res) => {
    const body = JSON.stringify({ code: 3, message: `Expectation not supported: ${req.headers.expect}` });
    res.writeHead(417, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 7350, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  const consoleUrl = operatorConsole?.access.enabled ? `${url}/` : undefined;
  const metricsServer =
    options.metricsPort === undefined
      ? undefined
      : await MetricsServer.start(metrics, options.metricsHost ?? "127.0.0.1", options.metricsPort);
  logger.info("server_listening", {
    url,
    db: dbPath,
    engine: storage.engine,
    version,
    consoleUrl,
    metricsPort: metricsServer?.port,
    nodeId: cluster?.nodeId,
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    url,
    dbPath,
    consoleUrl,
    get sessionCount() {
      return peers.size;
    },
    metricsPort: metricsServer?.port,
    nodeId: cluster?.nodeId,
    close() {
      closing ??= (async () => {
        logger.info("server_closing", {});
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        operatorConsole?.close();
        await gateway.close();
        // The sockets' presences are gone from the cluster; the node leaves it before the database.
        clusterNode?.close();
        await cluster?.close();
        // Requests under way may finish; idle keep-alive connections go now, stragglers soon.
        http.closeIdleConnections();
        const cut = setTimeout(() => http.closeAllConnections(), 2000);
        cut.unref();
        await stopped;
        clearTimeout(cut);
        clearInterval(pruner);
        pruneStopped = true;
        await metricsServer?.close();
        limits.close();
        metrics.close();
        // Pending message writes commit (or fail) before the storage lets go of the database.
        await storage.close();
        logger.info("server_closed", {});
      })();
      return closing;
    },
  };
}
