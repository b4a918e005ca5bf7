import { isUtf8 } from "node:buffer";
import type { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { HeraldError } from "../../../errors.js";
import type { Codec } from "../../../protocol/codec.js";
import { PRECISE_CODE_KEY } from "../../../protocol/error-codes.js";
import { jsonCodec } from "../../../protocol/json-codec.js";
import { protobufCodec } from "../../../protocol/protobuf-codec.js";
import type { ConsoleTap } from "../../console/console-tap.js";
import type { Limits } from "../../limits/limits.js";
import type { Logger } from "../../logger.js";
import type { ServerMetrics } from "../../metrics/server-metrics.js";
import type { AuthService } from "../../services/auth/auth-service.js";
import type { ChannelRegistry } from "../../services/channel-registry.js";
import type { PeerRegistry } from "../../services/peer-registry.js";
import type { StatusTracker } from "../../services/status-tracker.js";
import type { Visibility } from "../../services/visibility.js";
import type { AsyncUserStore } from "../../storage/async-storage.js";
import { fieldNames } from "../field-names.js";
import { jsonTextFault } from "../json-text-fault.js";
import { requestUrl } from "../request-url.js";
import { closeReason } from "./close-reason.js";
import { Connection } from "./connection.js";
import type { Dispatcher } from "./dispatcher.js";
import { extensionFieldIn } from "./extension-field.js";
import { handshakeFault } from "./handshake-fault.js";
import { requestCid } from "./request-cid.js";
import { type UnsupportedRequest, unsupportedRefusal, unsupportedRequest } from "./unsupported-request.js";
import { SLOW_READER_CLOSE, type SocketWriter } from "./writer.js";

const envelopeFieldNames = fieldNames("Envelope", false);

/** The refusal of a text frame whose bytes are not UTF-8. */
const notUtf8 = () => new HeraldError("bad_input", "envelope is not valid UTF-8 text", { serverCode: 3 });

/** The refusal of a JSON envelope whose `cid` is given twice. */
const CID_TWICE = 'envelope: duplicate field "cid"';

/**
 * What stock's JSON reader (protojson) refuses in a text frame that JSON.parse took: a field given
 * twice at any depth, under either spelling, or half of a surrogate pair. As a `bad_input` error.
 */
function textFault(frame: string | Buffer): HeraldError | undefined {
  if (typeof frame !== "string") return undefined;
  let fault = jsonTextFault(frame, { spellings: true });
  // The quick scan takes any two spellings of one name for one field; the few frames it finds
  // fault with are looked at again by their fields (a map's keys are names of their own).
  if (fault !== undefined) fault = jsonTextFault(frame, { fieldOf: envelopeFieldNames });
  return fault === undefined
    ? undefined
    : new HeraldError("bad_input", `envelope: ${fault}`, { serverCode: 3 });
}

/**
 * How long the close after a refused frame waits for the answers of the requests before it: past
 * it (a request stuck on a hook or storage beyond their own time limits) the socket closes anyway.
 */
const REFUSED_CLOSE_WAIT_MS = 10_000;

/**
 * How far past the frame limit a frame is still read whole, so that the server refuses it in turn
 * (after the answers of the requests before it) rather than `ws` closing the socket at once. A
 * frame larger still is cut off by `ws` as soon as its header is read: a socket never holds more
 * than the limit and this margin of one frame.
 */
const OVERSIZE_READ_BYTES = 64 * 1024;

/** How often the server-wide budget of unsent bytes is checked. */
const MEMORY_CHECK_MS = 100;

/** How long a close waits for its `last_active` to be stored before announcing its leaves. */
export const CLOSE_LAST_ACTIVE_WAIT_MS = 1000;

/**
 * A reader that, at the pace it took bytes since the previous check, empties its socket within
 * this long is catching up, not slow: the budget spares it. After a node's own stall its sockets
 * hold a burst none of their readers could take yet; readers that take it are not closed for it.
 */
const CATCH_UP_MS = 1000;

/** What the realtime gateway needs. */
export interface GatewayDeps {
  /** Present when the user_presence extension is on: connecting may set the invisible flag. */
  visibility?: Visibility | undefined;
  auth: AuthService;
  users: AsyncUserStore;
  peers: PeerRegistry;
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
  /**
   * Treat frames as stock Nakama does: a malformed envelope, or a JSON one holding a field stock
   * does not know, closes the socket without an error frame or close code (1005).
   */
  stockFrames: boolean;
  /** Observes sessions and envelopes for the operator console. */
  tap?: ConsoleTap | undefined;
  limits: Limits;
  metrics: ServerMetrics;
  /** Whether a socket is closed when its session token expires (off in stock mode). */
  closeOnExpiry: boolean;
  /** Whether refusals carry herald's precise code (off in stock mode). */
  preciseCodes: boolean;
  /**
   * Unsent bytes all sockets together may hold; past it the socket holding the most is closed as a
   * slow reader (1013), then the next, until the total is under. Only bytes that waited since the
   * previous check count, and a reader that is taking its bytes fast enough to catch up is spared.
   */
  maxTotalBufferedBytes: number;
  /**
   * How long a closed socket's leaves wait for its user's `last_active` to be stored, so that a
   * follower reading the user on the leave sees when they left; past it (or if storage fails) the
   * leaves go out anyway. @default {@link CLOSE_LAST_ACTIVE_WAIT_MS}
   */
  closeLastActiveWaitMs?: number | undefined;
}

/**
 * Close code and reason of a socket whose session token expired. 4001 is in the range kept for
 * applications; herald's socket refreshes the session and reconnects on it.
 */
export const SESSION_EXPIRED_CLOSE = { code: 4001, reason: "Session token expired" } as const;

function rejectUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  let extra = "";
  for (const [name, value] of Object.entries(headers)) extra += `${name}: ${value}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}Connection: close\r\n\r\n${text}`,
  );
}

/** The realtime endpoint: upgrades `/ws` requests and runs each socket's connection. */
export class WsGateway {
  private readonly wss: WebSocketServer;
  /** The next keepalive sweep's wait, then the sweep waiting for the poll phase (see {@link keepAlive}). */
  private keepalive: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Immediate | undefined;
  private readonly lastActive: NodeJS.Timeout;
  private readonly memoryCheck: NodeJS.Timeout;
  /** Open connections, for the keepalive. */
  private readonly connections = new Set<Connection>();
  /** Closed connections whose leaves wait for their `last_active` to be stored. */
  private readonly leaving = new Set<Promise<void>>();

  constructor(private readonly deps: GatewayDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      // `ws` reads its limit as a 32-bit integer.
      maxPayload: Math.min(deps.maxFrameBytes + OVERSIZE_READ_BYTES, 2 ** 31 - 1),
      perMessageDeflate: false,
      // Text that is not UTF-8 is refused by onFrame like any malformed frame (its error, then the
      // close, in turn), not closed by `ws` at once without a word. Close reasons, which `ws` then
      // no longer checks either, are checked by checkCloseReasons.
      skipUTF8Validation: true,
    });
    // What `ws` still refuses after handshakeFault's checks (a check a later `ws` adds) gets JSON too.
    this.wss.on("wsClientError", (err: Error, socket: Duplex) => {
      this.deps.logger.debug("upgrade_refused", { err });
      rejectUpgrade(socket, 400, "Bad Request", { code: 3, message: err.message });
    });
    this.keepAlive();
    this.lastActive = setInterval(() => this.refreshLastActive(), deps.lastActiveRefreshMs);
    this.lastActive.unref();
    this.memoryCheck = setInterval(() => this.enforceMemoryBudget(), MEMORY_CHECK_MS);
    this.memoryCheck.unref();
  }

  /** When the budget was last checked (`performance.now()`). */
  private lastCheck = performance.now();

  /**
   * Closes the sockets holding the most unsent bytes until all together are under budget. What
   * counts is what readers left unread for a whole check interval, and a reader taking its bytes
   * fast enough to empty its socket within {@link CATCH_UP_MS} is not closed: a burst the server
   * wrote at once (after its own stall, say) is not its readers' fault.
   */
  private enforceMemoryBudget(): void {
    const now = performance.now();
    const interval = Math.max(1, now - this.lastCheck);
    this.lastCheck = now;
    let total = 0;
    const holding: { connection: Connection; stale: number }[] = [];
    const writer = this.deps.writer;
    for (const connection of this.connections) {
      if (connection.closed || connection.ws.readyState !== connection.ws.OPEN) continue;
      // Looked at every time, so that the next check knows what this one saw.
      const { unsent, stale, pace } = writer.readerProgress(connection, interval);
      if (stale === 0) continue;
      total += stale;
      if (pace * CATCH_UP_MS >= unsent) continue;
      holding.push({ connection, stale });
    }
    if (total <= this.deps.maxTotalBufferedBytes) return;
    holding.sort((a, b) => b.stale - a.stale);
    for (const { connection, stale } of holding) {
      if (total <= this.deps.maxTotalBufferedBytes) break;
      total -= stale;
      this.deps.metrics.slowReadersClosed += 1;
      this.deps.logger.warn("slow_reader_closed", {
        sessionId: connection.id,
        bufferedBytes: connection.ws.bufferedAmount,
        serverBudget: this.deps.maxTotalBufferedBytes,
      });
      connection.ws.close(SLOW_READER_CLOSE.code, SLOW_READER_CLOSE.reason);
      // A reader that stopped reading would also never read the close frame.
      setTimeout(() => connection.ws.terminate(), 5000).unref();
    }
  }

  /** Handles an HTTP upgrade request: checks format and token, then opens the connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = requestUrl(req.url);
    if (url.pathname !== "/ws") {
      rejectUpgrade(socket, 404, "Not Found", { code: 5, message: "Not found" });
      return;
    }
    const fault = handshakeFault(req);
    if (fault !== undefined) {
      rejectUpgrade(socket, fault.status, fault.reason, fault.body, fault.headers);
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
    this.openSocket(req, socket, head, url, codec).catch((err: unknown) => {
      // Storage could not answer (a database that went away): the client may try again.
      this.deps.logger.warn("upgrade_failed", { err });
      const unavailable =
        HeraldError.is(err, "disconnected") ||
        HeraldError.is(err, "timeout") ||
        HeraldError.is(err, "unavailable");
      if (unavailable)
        rejectUpgrade(socket, 503, "Service Unavailable", { code: 14, message: "Storage unavailable" });
      else
        rejectUpgrade(socket, 500, "Internal Server Error", { code: 13, message: "Internal server error" });
    });
  }

  /** Checks the token and user (reading storage), then upgrades and registers the connection. */
  private async openSocket(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    codec: Codec,
  ): Promise<void> {
    const header = req.headers.authorization;
    const token = url.searchParams.get("token") || (header?.startsWith("Bearer ") ? header.slice(7) : "");
    const claims = token ? await this.deps.auth.verifySession(token) : undefined;
    const user = claims ? await this.deps.users.byId(claims.uid) : undefined;
    if (socket.destroyed) return;
    if (claims === undefined || user === undefined) {
      rejectUpgrade(socket, 401, "Unauthorized", { code: 16, message: "Auth token invalid" });
      return;
    }
    const socketsPerUser = this.deps.limits.caps.socketsPerUser;
    if (this.deps.peers.ofUser(user.id).size >= socketsPerUser) {
      this.deps.metrics.countRefusal("resource_exhausted");
      rejectUpgrade(socket, 429, "Too Many Requests", {
        code: 8,
        message: `Too many sockets: a user may hold at most ${socketsPerUser} open; close one first`,
        ...(this.deps.preciseCodes ? { [PRECISE_CODE_KEY]: "resource_exhausted" } : {}),
      });
      return;
    }
    const appearOnline = url.searchParams.get("status") === "true";
    const invisibleParam = url.searchParams.get("invisible");
    const visibility = this.deps.visibility;
    // `invisible=true|false` at connect changes the stored flag, as PUT /v2/account does.
    const invisible =
      invisibleParam === "true" || invisibleParam === "false" ? invisibleParam === "true" : undefined;
    if (visibility !== undefined && invisible !== undefined) await visibility.set(user.id, invisible);
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Registered synchronously, before any frame can be read, so nothing addressed to this
      // user after the upgrade completes can miss the new connection.
      visibility?.load(user.id, invisible ?? user.invisible === 1);
      const connection = new Connection(
        ws,
        codec,
        user.id,
        user.username,
        claims.vrs,
        this.deps.writer,
        this.deps.tap,
      );
      this.deps.peers.add(connection);
      this.deps.tap?.sessionOpened(connection);
      this.connections.add(connection);
      this.touchLastActive([user.id]);
      this.deps.logger.info("session_open", {
        sessionId: connection.id,
        userId: user.id,
        format: codec.format,
      });
      this.deps.metrics.socketsOpened += 1;
      this.attach(connection);
      if (this.deps.closeOnExpiry) this.expireAt(connection, claims.exp * 1000);
      if (appearOnline) this.deps.status.setStatus(connection, "");
    });
  }

  private attach(connection: Connection): void {
    const ws = connection.ws;
    this.checkCloseReasons(connection);
    ws.on("pong", () => {
      connection.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      connection.alive = true;
      try {
        this.onFrame(connection, data as Buffer, isBinary);
      } catch (err) {
        this.deps.logger.error("frame_failed", { sessionId: connection.id, err });
      }
    });
    ws.on("close", (code, reason) => this.onClose(connection, code, reason.toString()));
    ws.on("error", (err) => this.deps.logger.warn("socket_error", { sessionId: connection.id, err }));
  }

  /**
   * Fails the connection with 1007 when the client's close frame has a reason that is not UTF-8, as
   * RFC 6455 asks. `ws` checks that only when it checks text frames too, which the gateway does
   * itself (see `skipUTF8Validation`); without this, `ws` would echo the reason back as a normal
   * close. The check runs before `ws` answers the close: its own answer then finds the 1007 sent.
   * Close frames come once per socket, so none of this is on the frame path.
   */
  private checkCloseReasons(connection: Connection): void {
    const ws = connection.ws;
    // `ws` offers no public hook before its answer to a close frame: its frame reader is the one.
    const reader = (ws as unknown as { _receiver?: EventEmitter })._receiver;
    reader?.prependListener("conclude", (code: number, reason: Buffer) => {
      if (reason.length === 0 || isUtf8(reason)) return;
      this.deps.logger.warn("socket_refused_frame", {
        sessionId: connection.id,
        code: 1007,
        reason: `Close reason is not valid UTF-8 (close code ${code})`,
      });
      ws.close(1007, "Close reason is not valid UTF-8");
    });
  }

  /** Closes the socket with {@link SESSION_EXPIRED_CLOSE} once its token is no longer valid. */
  private expireAt(connection: Connection, expiresAtMs: number): void {
    // setTimeout holds at most about 24.8 days; a longer session re-arms when that fires.
    const delay = Math.min(Math.max(0, expiresAtMs - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (connection.closed) return;
      if (Date.now() < expiresAtMs) {
        this.expireAt(connection, expiresAtMs);
        return;
      }
      this.deps.metrics.sessionsExpired += 1;
      this.deps.logger.info("session_expired", { sessionId: connection.id, userId: connection.userId });
      connection.ws.close(SESSION_EXPIRED_CLOSE.code, SESSION_EXPIRED_CLOSE.reason);
      setTimeout(() => connection.ws.terminate(), 5000).unref();
    }, delay);
    timer.unref();
    connection.expiry = timer;
  }

  private onFrame(connection: Connection, data: Buffer, isBinary: boolean): void {
    // After a refused frame nothing more is read: the socket closes once the requests before it
    // are answered.
    if (connection.closed || connection.refused) return;
    if (data.length > this.deps.maxFrameBytes) {
      this.refuseOversize(connection, data, isBinary);
      return;
    }
    if (isBinary !== connection.codec.binary) {
      const expected = connection.codec.binary ? "binary protobuf" : "text JSON";
      this.failInTurn(connection, 1003, `Unsupported frame: this socket speaks ${expected} frames`);
      return;
    }
    if (!isBinary && !isUtf8(data)) {
      this.refuseMalformed(connection, data.toString("utf8"), notUtf8());
      return;
    }
    const frame = isBinary ? data : data.toString("utf8");
    let envelope: ReturnType<Codec["decodeEnvelope"]>;
    try {
      envelope = connection.codec.decodeEnvelope(frame);
    } catch (err) {
      // A request stock has no feature for is answered, unless its text is malformed too.
      const unknownKind = HeraldError.is(err) && err.serverCode === 1;
      const fault = unknownKind ? textFault(frame) : undefined;
      const request = unknownKind && fault === undefined ? unsupportedRequest(frame) : undefined;
      if (request !== undefined) {
        this.refuseUnsupported(connection, request);
        return;
      }
      this.refuseMalformed(connection, frame, fault ?? err);
      return;
    }
    if (typeof frame === "string") {
      // JSON.parse keeps the last of a key given twice; stock's reader refuses the envelope.
      const fault = textFault(frame);
      if (fault !== undefined) {
        this.refuseMalformed(connection, frame, fault);
        return;
      }
    }
    if (this.deps.stockFrames && typeof frame === "string") {
      // Stock Nakama parses JSON strictly but protobuf leniently (unknown fields skipped).
      const unknown = extensionFieldIn(frame);
      if (unknown !== undefined) {
        this.closeAsStock(connection, `Unknown field ${unknown}`);
        return;
      }
    }
    this.deps.tap?.received(connection, envelope);
    this.deps.dispatcher.enqueue(connection, envelope);
  }

  /**
   * Refuses a frame that cannot be decoded: stock closes without a word; herald first sends the
   * reason, with the request's cid when it can be read, so the client settles that very call.
   */
  private refuseMalformed(connection: Connection, frame: string | Buffer, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.deps.stockFrames) {
      this.closeAsStock(connection, `Malformed envelope: ${message}`);
      return;
    }
    const refusal = HeraldError.is(err) ? err : new HeraldError("bad_input", message, { serverCode: 3 });
    // A cid given twice names no one request.
    const cid = HeraldError.is(err) && err.message === CID_TWICE ? undefined : requestCid(frame);
    this.endInTurn(connection, () => {
      this.deps.dispatcher.sendError(connection, cid, refusal);
      this.fail(connection, 1007, `Malformed envelope: ${message}`);
    });
  }

  /**
   * Refuses a frame over the frame limit with 1009, in turn: stock closes without a word (its
   * WebSocket library's close, with no reason); herald first sends the refusal, with the request's
   * cid when it can be read, and says why in the close.
   */
  private refuseOversize(connection: Connection, data: Buffer, isBinary: boolean): void {
    const limit = this.deps.maxFrameBytes;
    const reason = `Frame too large: ${data.length} bytes, over the limit of ${limit}`;
    if (this.deps.stockFrames) {
      this.endInTurn(connection, () => {
        this.deps.logger.warn("socket_refused_frame", { sessionId: connection.id, code: 1009, reason });
        connection.ws.close(1009);
      });
      return;
    }
    let cid: string | undefined;
    if (isBinary === connection.codec.binary) cid = requestCid(isBinary ? data : data.toString("utf8"));
    const refusal = new HeraldError("bad_input", reason, { serverCode: 3 });
    this.endInTurn(connection, () => {
      this.deps.dispatcher.sendError(connection, cid, refusal);
      this.fail(connection, 1009, reason);
    });
  }

  /** Answers a request for a feature herald does not offer, keeping the socket, as stock does. */
  private refuseUnsupported(connection: Connection, request: UnsupportedRequest): void {
    const { dispatcher } = this.deps;
    dispatcher.inTurn(connection, () =>
      dispatcher.sendError(connection, request.cid, unsupportedRefusal(request)),
    );
  }

  /**
   * Closes as stock Nakama does on a frame it cannot read: no error frame, no close code. Stock
   * handles a socket's requests one after another, so the close follows the answers of the requests
   * before the frame.
   */
  private closeAsStock(connection: Connection, reason: string): void {
    this.endInTurn(connection, () => {
      this.deps.logger.warn("socket_refused_frame", { sessionId: connection.id, code: 1005, reason });
      connection.ws.close();
    });
  }

  /** Closes with `code` once the requests before the refused frame are answered. */
  private failInTurn(connection: Connection, code: number, reason: string): void {
    this.endInTurn(connection, () => this.fail(connection, code, reason));
  }

  /**
   * Stops reading the socket's frames and runs `end` (its refusal and close) once the requests
   * before the refused frame are answered, or after {@link REFUSED_CLOSE_WAIT_MS} at the latest.
   */
  private endInTurn(connection: Connection, end: () => void): void {
    connection.refused = true;
    let ended = false;
    const run = () => {
      if (ended) return;
      ended = true;
      clearTimeout(bound);
      end();
    };
    const bound = setTimeout(run, REFUSED_CLOSE_WAIT_MS);
    bound.unref();
    this.deps.dispatcher.inTurn(connection, run);
  }

  private fail(connection: Connection, code: number, reason: string): void {
    this.deps.logger.warn("socket_refused_frame", { sessionId: connection.id, code, reason });
    connection.ws.close(code, closeReason(reason));
  }

  private onClose(connection: Connection, code: number, reason: string): void {
    if (connection.closed) return;
    // From here on the services refuse this peer anything new (joins, follows, status).
    connection.closed = true;
    if (connection.expiry !== undefined) clearTimeout(connection.expiry);
    this.deps.limits.forgetSocket(connection.id);
    // No longer one of the user's sockets: nothing more is sent to it, and it counts against no
    // socket cap (a reconnect is not refused while the leaves below wait for storage).
    this.deps.peers.remove(connection);
    this.deps.tap?.sessionClosed(connection);
    this.connections.delete(connection);
    // A follower told of the leave reads the user to show "last seen": on PostgreSQL, or on another
    // node, that read must find the close's stamp, so the stamp is stored first.
    const leave = this.storeCloseStamp(connection).then(() => {
      this.deps.channels.removePeer(connection);
      this.deps.status.removePeer(connection);
      this.deps.logger.info("session_close", {
        sessionId: connection.id,
        userId: connection.userId,
        code,
        reason,
      });
    });
    this.leaving.add(leave);
    leave
      .catch((err: unknown) =>
        this.deps.logger.error("session_leave_failed", { sessionId: connection.id, err }),
      )
      .finally(() => this.leaving.delete(leave));
  }

  /**
   * Stores the closing user's `last_active`, waiting at most the configured bound: a store that is
   * slow or away delays nobody's leave for long, and its failure is logged, never thrown.
   */
  private storeCloseStamp(connection: Connection): Promise<void> {
    const waitMs = this.deps.closeLastActiveWaitMs ?? CLOSE_LAST_ACTIVE_WAIT_MS;
    const fields = { sessionId: connection.id, userId: connection.userId };
    let timer: NodeJS.Timeout | undefined;
    const stored = this.deps.users.touchLastActive([connection.userId], Date.now()).then(
      () => "stored" as const,
      (err: unknown) => {
        this.deps.logger.warn("last_active_not_saved", { ...fields, err });
        return "failed" as const;
      },
    );
    const bound = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), waitMs);
      timer.unref();
    });
    return Promise.race([stored, bound]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === "late") this.deps.logger.warn("last_active_late", { ...fields, waitMs });
    });
  }

  /**
   * Schedules the next keepalive sweep, a period after this one sent its pings: each socket has a
   * whole period to answer, however late a sweep ran. The sweep runs in the turn's check phase,
   * after the poll phase has read what already arrived: when the process was stalled past a period
   * (a long synchronous task, a starved CPU), the timer comes first in the turn it resumes in, with
   * the pongs sent meanwhile still unread in the kernel, and would drop every healthy socket.
   */
  private keepAlive(): void {
    this.keepalive = setTimeout(() => {
      this.keepalive = undefined;
      this.sweep = setImmediate(() => {
        this.sweep = undefined;
        this.keepAlive();
        this.ping();
      });
      this.sweep.unref();
    }, this.deps.pingIntervalMs);
    this.keepalive.unref();
  }

  private ping(): void {
    for (const connection of this.connections) {
      // A socket whose reading is paused (its requests wait their turn) cannot show its pong.
      if (connection.ws.isPaused) continue;
      if (!connection.alive) {
        this.deps.logger.info("session_timeout", { sessionId: connection.id, userId: connection.userId });
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  private refreshLastActive(): void {
    const users = new Set<string>();
    for (const connection of this.deps.peers.all()) users.add(connection.userId);
    if (users.size === 0) return;
    this.touchLastActive(users);
    this.deps.logger.debug("last_active_refreshed", { users: users.size });
  }

  private touchLastActive(userIds: Iterable<string>): void {
    // Nobody waits for it; a failure (storage away, or closed while shutting down) only delays it.
    this.deps.users.touchLastActive(userIds, Date.now()).catch((err: unknown) => {
      this.deps.logger.debug("last_active_not_saved", { err });
    });
  }

  /** Closes every socket with 1001 (going away) and waits until they are closed. */
  async close(): Promise<void> {
    clearTimeout(this.keepalive);
    clearImmediate(this.sweep);
    clearInterval(this.lastActive);
    clearInterval(this.memoryCheck);
    const closing: Promise<void>[] = [];
    for (const ws of this.wss.clients) closing.push(closeSocket(ws));
    await Promise.all(closing);
    // Their leaves are announced (and their stamps stored) before storage and cluster let go.
    await Promise.all(this.leaving);
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
