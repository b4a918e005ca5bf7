import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HERALD_MAX_FRAME_BYTES } from "../protocol/limits.js";
import { AuthService } from "./auth/auth-service.js";
import { resolveTokenSecret } from "./auth/token-secret.js";
import { OperatorConsole } from "./console/operator-console.js";
import type { ServerContext } from "./context.js";
import { allExtensions, type Extension } from "./extensions.js";
import { accountHandlers } from "./http/handlers/account.js";
import { authHandlers } from "./http/handlers/auth.js";
import { friendHandlers } from "./http/handlers/friends.js";
import { groupHandlers } from "./http/handlers/groups.js";
import { historyHandlers } from "./http/handlers/history.js";
import { miscHandlers } from "./http/handlers/misc.js";
import { notificationHandlers } from "./http/handlers/notifications.js";
import { Router } from "./http/router.js";
import { createJsonLogger } from "./logger.js";
import { Notifier } from "./notifier.js";
import type { HeraldServer, ServerOptions } from "./options.js";
import { ChannelRegistry } from "./realtime/channel-registry.js";
import { Chat } from "./realtime/chat.js";
import { Dispatcher } from "./realtime/dispatch.js";
import { SessionRegistry } from "./realtime/session-registry.js";
import { SocketWriter } from "./realtime/socket-writer.js";
import { StatusTracker } from "./realtime/status-tracker.js";
import { WsGateway } from "./realtime/ws-gateway.js";
import { openDatabase } from "./storage/database.js";
import { FriendStore } from "./storage/friends.js";
import { GroupStore } from "./storage/groups.js";
import { MessageStore } from "./storage/messages.js";
import { NotificationStore } from "./storage/notifications.js";
import { UserStore } from "./storage/users.js";
import { version } from "./version.js";
import { Visibility } from "./visibility.js";

export { tokenSecretPath } from "./auth/token-secret.js";
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
export { HookError } from "./hooks.js";
export type { Logger, LogLevel } from "./logger.js";
export { createJsonLogger } from "./logger.js";
export type { HeraldServer, ServerOptions } from "./options.js";

/**
 * Starts herald's server: REST and WebSocket on one port, state in SQLite.
 *
 * ```ts
 * const server = await createServer({ port: 0, db: ":memory:" });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function createServer(options: ServerOptions = {}): Promise<HeraldServer> {
  const host = options.host ?? "127.0.0.1";
  const dbPath = options.db ?? "./herald.db";
  const logger = options.logger ?? createJsonLogger(options.logLevel ?? "info");
  const db = openDatabase(dbPath);
  const users = new UserStore(db);
  const messages = new MessageStore(db, (err) => logger.error("message_commit_failed", { err }));
  const groups = new GroupStore(db);
  const friends = new FriendStore(db);
  const notifications = new NotificationStore(db);
  const sessions = new SessionRegistry();
  const extensions = new Set<Extension>(options.extensions ?? allExtensions);
  const visibility = new Visibility(users);
  const status = new StatusTracker((userId) => visibility.isInvisible(userId));
  const channels = new ChannelRegistry();
  visibility.attach(status, channels, sessions);
  const notifier = new Notifier(notifications, sessions);
  const hooks = options.hooks ?? {};
  const chat = new Chat({
    users,
    friends,
    groups,
    messages,
    channels,
    notifier,
    hooks,
    logger,
    hookTimeoutMs: options.hookTimeoutMs ?? 5000,
    visibility,
    clientMsgIds: extensions.has("client_msg_id"),
  });
  const auth = new AuthService(
    db,
    resolveTokenSecret(options.tokenSecret, dbPath),
    options.tokenExpirySec ?? 7200,
    options.refreshExpirySec ?? 604800,
  );
  const ctx: ServerContext = {
    db,
    serverKey: options.serverKey ?? "defaultkey",
    version,
    extensions,
    visibility,
    logger,
    hooks,
    auth,
    users,
    messages,
    groups,
    friends,
    notifications,
    notifier,
    sessions,
    status,
    channels,
    chat,
  };
  const operatorConsole =
    options.console === false
      ? undefined
      : new OperatorConsole({ host, options: options.console ?? {}, logger, sources: ctx });
  const router = new Router(ctx, {
    ...miscHandlers(ctx),
    ...authHandlers(ctx),
    ...accountHandlers(ctx),
    ...historyHandlers(ctx),
    ...notificationHandlers(ctx),
    ...friendHandlers(ctx),
    ...groupHandlers(ctx),
  });
  const writer = new SocketWriter(options.maxBufferedBytes ?? 16 * 1024 * 1024, (_ws, bufferedBytes) =>
    logger.warn("slow_reader_closed", { bufferedBytes }),
  );
  const dispatcher = new Dispatcher({ chat, status, users, logger });
  const gateway = new WsGateway({
    visibility: extensions.has("user_presence") ? visibility : undefined,
    auth,
    users,
    sessions,
    status,
    channels,
    dispatcher,
    writer,
    logger,
    pingIntervalMs: options.pingIntervalMs ?? 15000,
    lastActiveRefreshMs: options.lastActiveRefreshMs ?? 15 * 60 * 1000,
    maxFrameBytes: options.maxFrameBytes ?? HERALD_MAX_FRAME_BYTES,
    tap: operatorConsole,
  });

  const http = createHttpServer((req, res) => {
    if (operatorConsole?.handle(req, res)) return;
    void router.handle(req, res);
  });
  http.on("upgrade", (req, socket, head) => {
    // A peer resetting mid-upgrade must not take the process down.
    socket.on("error", (err) => logger.debug("upgrade_socket_error", { err }));
    try {
      gateway.handleUpgrade(req, socket, head);
    } catch (err) {
      logger.error("upgrade_failed", { err });
      socket.destroy();
    }
  });
  http.on("clientError", (_err, socket) => socket.destroy());

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
  logger.info("server_listening", { url, db: dbPath, version, consoleUrl });

  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    url,
    dbPath,
    consoleUrl,
    get sessionCount() {
      return sessions.size;
    },
    close() {
      closing ??= (async () => {
        logger.info("server_closing", {});
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        operatorConsole?.close();
        await gateway.close();
        // Requests under way may finish; idle keep-alive connections go now, stragglers soon.
        http.closeIdleConnections();
        const cut = setTimeout(() => http.closeAllConnections(), 2000);
        cut.unref();
        await stopped;
        clearTimeout(cut);
        messages.flush();
        db.close();
        logger.info("server_closed", {});
      })();
      return closing;
    },
  };
}
