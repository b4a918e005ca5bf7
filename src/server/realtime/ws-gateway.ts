import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { HeraldError } from "../../errors.js";
import type { Codec } from "../../protocol/codec.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import type { AuthService } from "../auth/auth-service.js";
import type { ConsoleTap } from "../console/console-tap.js";
import type { Logger } from "../logger.js";
import type { UserStore } from "../storage/users.js";
import type { Visibility } from "../visibility.js";
import type { ChannelRegistry } from "./channel-registry.js";
import type { Dispatcher } from "./dispatch.js";
import { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import type { SocketWriter } from "./socket-writer.js";
import type { StatusTracker } from "./status-tracker.js";

interface GatewayDeps {
  /** Present when the user_presence extension is on: connecting may set the invisible flag. */
  visibility?: Visibility | undefined;
  auth: AuthService;
  users: UserStore;
  sessions: SessionRegistry;
  status: StatusTracker;
  channels: ChannelRegistry;
  dispatcher: Dispatcher;
  writer: SocketWriter;
  logger: Logger;
  /** Keepalive ping period; a socket that has not answered the previous ping is dropped. */
  pingIntervalMs: number;
  /** How often connected users' `last_active` is refreshed. */
  lastActiveRefreshMs: number;
  maxFrameBytes: number;
  /** Observes sessions and envelopes for the operator console. */
  tap?: ConsoleTap | undefined;
}

function rejectUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  body: { code: number; message: string },
): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** The realtime endpoint: upgrades `/ws` requests and runs each socket's session. */
export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly keepalive: NodeJS.Timeout;
  private readonly lastActive: NodeJS.Timeout;

  constructor(private readonly deps: GatewayDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.maxFrameBytes,
      perMessageDeflate: false,
    });
    this.keepalive = setInterval(() => this.ping(), deps.pingIntervalMs);
    this.keepalive.unref();
    this.lastActive = setInterval(() => this.refreshLastActive(), deps.lastActiveRefreshMs);
    this.lastActive.unref();
  }

  /** Handles an HTTP upgrade request: checks format and token, then opens the session. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/ws") {
      rejectUpgrade(socket, 404, "Not Found", { code: 5, message: "Not found" });
      return;
    }
    const format = url.searchParams.get("format") ?? "";
    let codec: Codec;
    if (format === "" || format === "json") codec = jsonCodec;
    else if (format === "protobuf") codec = protobufCodec;
    else {
      rejectUpgrade(socket, 400, "Bad Request", {
        code: 3,
        message: `Invalid format "${format}": use json or protobuf`,
      });
      return;
    }
    const header = req.headers.authorization;
    const token = url.searchParams.get("token") || (header?.startsWith("Bearer ") ? header.slice(7) : "");
    const claims = token ? this.deps.auth.verifySession(token) : undefined;
    const user = claims ? this.deps.users.byId(claims.uid) : undefined;
    if (claims === undefined || user === undefined) {
      rejectUpgrade(socket, 401, "Unauthorized", { code: 16, message: "Auth token invalid" });
      return;
    }
    const appearOnline = url.searchParams.get("status") === "true";
    const invisibleParam = url.searchParams.get("invisible");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Registered synchronously, before any frame can be read, so nothing addressed to this
      // user after the upgrade completes can miss the new session.
      const visibility = this.deps.visibility;
      if (visibility !== undefined) {
        // `invisible=true|false` at connect changes the stored flag, as PUT /v2/account does.
        if (invisibleParam === "true" || invisibleParam === "false")
          visibility.set(user.id, invisibleParam === "true");
        else visibility.load(user.id, user.invisible === 1);
      }
      const session = new Session(
        ws,
        codec,
        user.id,
        user.username,
        claims.vrs,
        this.deps.writer,
        this.deps.tap,
      );
      this.deps.sessions.add(session);
      this.deps.tap?.sessionOpened(session);
      this.deps.users.touchLastActive(user.id, Date.now());
      this.deps.logger.info("session_open", { sessionId: session.id, userId: user.id, format: codec.format });
      this.attach(session);
      if (appearOnline) this.deps.status.setStatus(session, "");
    });
  }

  private attach(session: Session): void {
    const ws = session.ws;
    ws.on("pong", () => {
      session.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      session.alive = true;
      try {
        this.onFrame(session, data as Buffer, isBinary);
      } catch (err) {
        this.deps.logger.error("frame_failed", { sessionId: session.id, err });
      }
    });
    ws.on("close", (code, reason) => this.onClose(session, code, reason.toString()));
    ws.on("error", (err) => this.deps.logger.warn("socket_error", { sessionId: session.id, err }));
  }

  private onFrame(session: Session, data: Buffer, isBinary: boolean): void {
    if (session.closed) return;
    if (isBinary !== session.codec.binary) {
      const expected = session.codec.binary ? "binary protobuf" : "text JSON";
      this.fail(session, 1003, `Unsupported frame: this socket speaks ${expected} frames`);
      return;
    }
    let envelope: ReturnType<Codec["decodeEnvelope"]>;
    try {
      envelope = session.codec.decodeEnvelope(isBinary ? data : data.toString("utf8"));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = HeraldError.is(err) ? (err.serverCode ?? 3) : 3;
      session.send({ kind: "error", body: { code, message } });
      this.fail(session, 1007, `Malformed envelope: ${message}`);
      return;
    }
    this.deps.tap?.received(session, envelope);
    this.deps.dispatcher.enqueue(session, envelope);
  }

  private fail(session: Session, code: number, reason: string): void {
    this.deps.logger.warn("socket_refused_frame", { sessionId: session.id, code, reason });
    // Close reasons are limited to 123 bytes.
    session.ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  private onClose(session: Session, code: number, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.deps.channels.removeSession(session);
    this.deps.status.removeSession(session);
    this.deps.sessions.remove(session);
    this.deps.tap?.sessionClosed(session);
    try {
      this.deps.users.touchLastActive(session.userId, Date.now());
    } catch (err) {
      // Only possible while shutting down, once the database is closed.
      this.deps.logger.debug("last_active_not_saved", { userId: session.userId, err });
    }
    this.deps.logger.info("session_close", { sessionId: session.id, userId: session.userId, code, reason });
  }

  private ping(): void {
    for (const session of this.deps.sessions.all()) {
      if (!session.alive) {
        this.deps.logger.info("session_timeout", { sessionId: session.id, userId: session.userId });
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      session.ws.ping();
    }
  }

  private refreshLastActive(): void {
    const users = new Set<string>();
    for (const session of this.deps.sessions.all()) users.add(session.userId);
    if (users.size === 0) return;
    this.deps.users.touchLastActiveMany(users, Date.now());
    this.deps.logger.debug("last_active_refreshed", { users: users.size });
  }

  /** Closes every socket with 1001 (going away) and waits until they are closed. */
  async close(): Promise<void> {
    clearInterval(this.keepalive);
    clearInterval(this.lastActive);
    const closing: Promise<void>[] = [];
    for (const ws of this.wss.clients) closing.push(closeSocket(ws));
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) {
      resolve();
      return;
    }
    ws.once("close", () => resolve());
    ws.close(1001, "Server shutting down");
    // A peer that never answers the close handshake must not hold up shutdown.
    setTimeout(() => ws.terminate(), 2000).unref();
  });
}
