// Node only: an HTTP and WebSocket server on a loopback port (node:http and the `ws` package).
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { checkFields } from "../arguments.js";
import { Client, type ClientOptions } from "../client.js";
import { HeraldError } from "../errors.js";
import type {
  CapabilitiesInit,
  ChannelMessageInit,
  ChannelPresenceEventInit,
  Envelope,
  EnvelopeInit,
  EnvelopeKind,
  EnvelopeMessageInits,
  NotificationInit,
  StatusPresenceEventInit,
} from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import { jsonCodec } from "../protocol/json-codec.js";
import type { Session } from "../session.js";
import type { Socket } from "../socket/socket.js";
import { FakeConnection } from "./fake-connection.js";
import { defaultReply, fakeId } from "./fake-defaults.js";
import { type FakeHistoryHandler, historyHook } from "./fake-history.js";
import { channelMessageBody, type FakeContent, notificationsBody } from "./fake-pushes.js";
import { errorBody, type FakeError, type FakeReply, replyEnvelope } from "./fake-reply.js";
import {
  defaultHttpReply,
  type FakeHttpHandler,
  type FakeHttpRequest,
  readRequest,
  writeReply,
} from "./fake-rest.js";
import { type FakeSessionOptions, fakeSession, tokenUser } from "./fake-session.js";
import { Inbox, type WaitOptions } from "./inbox.js";
import {
  checkEnvelopeKind,
  checkFunction,
  checkListenOptions,
  checkObject,
  checkWaitOptions,
} from "./kit-arguments.js";
import { type FakeRequest, type RequestHook, RequestHooks } from "./request-hooks.js";

export type { FakeRequest, RequestHook } from "./request-hooks.js";

/** Options of {@link startFakeServer}. */
export interface FakeServerOptions {
  /**
   * The wire formats accepted. A client asking for another one is refused at the upgrade (HTTP
   * 400). Add `protobufCodec` from "herald/protobuf" to accept protobuf: the JSON-only default
   * keeps protobufjs out of tests that do not need it.
   * @default [jsonCodec]
   */
  codecs?: readonly Codec[] | undefined;
  /** @default "127.0.0.1" */
  host?: string | undefined;
  /** @default 0 (a free port) */
  port?: number | undefined;
  /**
   * The answer of `GET /v2/herald/capabilities`; `null` answers 404, as stock Nakama does.
   * @default { server: "herald-fake", version: "0.0.0", extensions: [] }
   */
  capabilities?: CapabilitiesInit | null | undefined;
  /** The default answer to chat writes also pushes the message to the connections in its channel. @default true */
  echo?: boolean | undefined;
}

/** What a test sees of an upgrade request, to refuse it. */
export interface FakeUpgrade {
  query: Record<string, string>;
  userId: string;
  username: string;
}

/** Which connections a push goes to: all open ones (default), one, or those a predicate accepts. */
export type PushTarget = FakeConnection | ((connection: FakeConnection) => boolean) | undefined;

/** Events of a fake server, for `inbox(fake, name)` or `fake.on(name, fn)`. */
export interface FakeServerEvents {
  /** A WebSocket connection was accepted. */
  connection: FakeConnection;
  /** An envelope arrived (before it is answered). */
  request: FakeRequest;
  /** A frame could not be decoded, or a hook threw. */
  error: HeraldError;
  /** An HTTP request arrived. */
  http: FakeHttpRequest;
}

type Listener = (event: never) => void;

/**
 * A controllable realtime server for tests (after centrifuge-js's fakeServer): a real HTTP and
 * WebSocket server on a loopback port that speaks herald's envelopes, answers with defaults a test
 * can override per request kind, and pushes exactly the frames a test asks for.
 * Start one with {@link startFakeServer}.
 */
export class FakeServer {
  /** Host the server listens on. */
  readonly host: string;
  /** The port (a free one unless `port` was given). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Every WebSocket connection accepted so far, newest last (closed ones too). */
  readonly connections: FakeConnection[] = [];
  /** Every envelope received, from every connection, in order. */
  readonly received: FakeRequest[] = [];
  /** Every HTTP request received, in order. */
  readonly httpRequests: FakeHttpRequest[] = [];
  /** Problems seen: undecodable frames, hooks that threw. */
  readonly errors: HeraldError[] = [];
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #codecs: ReadonlyMap<string, Codec>;
  readonly #capabilities: CapabilitiesInit | null;
  readonly #echo: boolean;
  readonly #hooks = new RequestHooks();
  readonly #httpHooks: FakeHttpHandler[] = [];
  readonly #upgradeHooks: ((upgrade: FakeUpgrade) => number | undefined)[] = [];
  readonly #listeners = new Map<keyof FakeServerEvents, Set<Listener>>();
  readonly #requests: Inbox<FakeRequest>;
  readonly #accepted: Inbox<FakeConnection>;
  #closing: Promise<void> | undefined;
  /** Sockets made from {@link FakeServer.client}'s clients: `close()` disconnects them. */
  readonly #sockets = new Set<Socket>();

  /** Use {@link startFakeServer}. */
  constructor(http: Server, wss: WebSocketServer, options: FakeServerOptions) {
    this.#http = http;
    this.#wss = wss;
    const address = http.address() as AddressInfo;
    this.host = options.host ?? "127.0.0.1";
    this.port = address.port;
    this.url = `http://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
    this.#codecs = new Map((options.codecs ?? [jsonCodec]).map((c) => [c.format, c]));
    this.#capabilities =
      options.capabilities === undefined
        ? { server: "herald-fake", version: "0.0.0", extensions: [] }
        : options.capabilities;
    this.#echo = options.echo ?? true;
    this.#requests = new Inbox((fn) => this.on("request", fn), "request", { limit: 100_000 });
    this.#accepted = new Inbox((fn) => this.on("connection", fn), "connection");
    http.on("request", (req, res) => {
      readRequest(req)
        .then(async (request) => {
          this.httpRequests.push(request);
          this.#emit("http", request);
          let reply: Awaited<ReturnType<FakeHttpHandler>>;
          for (const hook of [...this.#httpHooks].reverse()) {
            reply = await hook(request);
            if (reply) break;
          }
          writeReply(res, reply ?? defaultHttpReply(request, this.#capabilities));
        })
        .catch((error: unknown) => {
          // A hook that threw: answer 500 and record it, rather than leave the client hanging.
          const failure = HeraldError.from(error, "server_error", `an HTTP hook threw: ${String(error)}`);
          this.#fail(failure);
          if (!res.headersSent)
            writeReply(res, { status: 500, body: { code: 13, message: failure.message } });
        });
    });
    wss.on("connection", (ws, req) => this.#accept(ws, req.url ?? "/"));
  }

  // ---------- events ----------

  /** Calls `fn` for every `name` event; returns the function that stops it. */
  on<K extends keyof FakeServerEvents>(name: K, fn: (event: FakeServerEvents[K]) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    this.#listeners.set(name, set);
    const listener = fn as Listener;
    set.add(listener);
    return () => set.delete(listener);
  }

  #emit<K extends keyof FakeServerEvents>(name: K, event: FakeServerEvents[K]): void {
    for (const fn of [...(this.#listeners.get(name) ?? [])]) (fn as (e: FakeServerEvents[K]) => void)(event);
  }

  // ---------- connections ----------

  /** Checks an upgrade request; returns the HTTP status to refuse it with, or undefined to accept. */
  verifyUpgrade(url: string): { status: number; message: string } | undefined {
    const query = Object.fromEntries(new URL(url, "http://fake").searchParams);
    const format = query.format ?? "json";
    if (!this.#codecs.has(format)) {
      return {
        status: 400,
        message: `the fake server does not speak "${format}": pass codecs: [jsonCodec, protobufCodec] to startFakeServer`,
      };
    }
    const upgrade = { query, ...tokenUser(query.token ?? "") };
    for (const hook of [...this.#upgradeHooks].reverse()) {
      const status = hook(upgrade);
      if (status !== undefined) return { status, message: `refused by a test (${status})` };
    }
    return undefined;
  }

  #accept(ws: import("ws").WebSocket, url: string): void {
    const query = Object.fromEntries(new URL(url, "http://fake").searchParams);
    const codec = this.#codecs.get(query.format ?? "json") as Codec;
    const connection = new FakeConnection(ws, {
      id: fakeId("session"),
      codec,
      url,
      query,
      ...tokenUser(query.token ?? ""),
    });
    this.connections.push(connection);
    ws.on("message", (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString("utf8");
      this.#onFrame(connection, frame);
    });
    this.#emit("connection", connection);
  }

  #onFrame(connection: FakeConnection, frame: string | Uint8Array): void {
    connection.frames.push(frame);
    let envelope: Envelope;
    try {
      envelope = connection.codec.decodeEnvelope(frame, { ignoreUnknown: true });
    } catch (cause) {
      this.#fail(HeraldError.from(cause, "bad_input", `unreadable frame from ${connection.id}`));
      return;
    }
    connection.received.push(envelope);
    const request = {
      connection,
      cid: envelope.cid,
      kind: envelope.kind,
      body: envelope.body,
    } as FakeRequest;
    this.received.push(request);
    this.#emit("request", request);
    if (connection.silent) return;
    const decided = this.#hooks.decide(request, (error) => this.#hookFailed(error));
    if (decided instanceof Promise) {
      void decided.then((reply) => this.#answer(request, envelope, reply));
    } else {
      this.#answer(request, envelope, decided);
    }
  }

  #fail(error: HeraldError): void {
    this.errors.push(error);
    this.#emit("error", error);
  }

  #hookFailed(error: unknown): FakeReply {
    const failure = HeraldError.from(error, "server_error", `a request hook threw: ${String(error)}`);
    this.#fail(failure);
    return { error: { code: 13, message: failure.message } };
  }

  #answer(request: FakeRequest, envelope: Envelope, reply: FakeReply): void {
    const { connection } = request;
    const decided =
      reply ?? defaultReply(envelope, connection, (push, to) => this.#broadcast(push, to), this.#echo);
    const out = replyEnvelope(request.cid, decided);
    // A client that left before its answer is not an error: nobody is there to lose it.
    if (out && connection.open) connection.send(out);
  }

  #broadcast(push: EnvelopeInit, to: (c: FakeConnection) => boolean): number {
    let sent = 0;
    for (const c of this.connections) {
      if (!c.open || !to(c)) continue;
      c.send(push);
      sent++;
    }
    return sent;
  }

  /**
   * Decides the replies to requests of `kind` (`"*"`: every kind), newest hook first; a hook
   * returning undefined leaves the decision to older hooks and then to the default answer.
   * Returns the function that removes the hook.
   *
   * ```ts
   * fake.onRequest("channelMessageSend", () => ({ error: { code: "permission_denied", message: "muted" } }));
   * fake.onRequest("ping", () => "silence");
   * ```
   */
  onRequest<K extends EnvelopeKind>(kind: K | "*", hook: RequestHook<K>): () => void {
    checkEnvelopeKind("onRequest", kind, true);
    checkFunction("onRequest", "hook", hook);
    return this.#hooks.add(kind, hook);
  }

  /** Answers HTTP requests (newest hook first, undefined: the next one decides). Returns the remover. */
  onHttp(hook: FakeHttpHandler): () => void {
    checkFunction("onHttp", "hook", hook);
    this.#httpHooks.push(hook);
    return () => {
      const i = this.#httpHooks.indexOf(hook);
      if (i >= 0) this.#httpHooks.splice(i, 1);
    };
  }

  /**
   * Answers channel history reads (`GET /v2/channel/ID`, as `client.channelMessages` and a
   * socket catching up after a reconnection make them) with pages the handler returns, newest
   * handler first; undefined leaves the read to older ones and in the end to an empty history.
   * Returns the remover. {@link endlessHistory} is a ready-made handler.
   *
   * ```ts
   * fake.onHistory(({ cursor }) =>
   *   cursor === "" ? { messages: [{ username: "bob", content: { text: "earlier" } }] } : undefined,
   * );
   * ```
   */
  onHistory(handler: FakeHistoryHandler): () => void {
    checkFunction("onHistory", "handler", handler);
    return this.onHttp(historyHook(handler));
  }

  /**
   * Refuses WebSocket upgrades: `hook` returns an HTTP status (401 makes the SDK's connect reject
   * with `unauthenticated`) or undefined to accept. Returns the remover.
   */
  onUpgrade(hook: (upgrade: FakeUpgrade) => number | undefined): () => void {
    checkFunction("onUpgrade", "hook", hook);
    this.#upgradeHooks.push(hook);
    return () => {
      const i = this.#upgradeHooks.indexOf(hook);
      if (i >= 0) this.#upgradeHooks.splice(i, 1);
    };
  }

  /** Waits for the next connection (one already accepted and not yet taken counts). */
  nextConnection(options?: WaitOptions): Promise<FakeConnection> {
    return this.#accepted.next(() => true, { what: "connection", ...options });
  }

  /** Consumes the next received request of `kind` that `match` accepts, waiting for it if needed. */
  nextRequest<K extends EnvelopeKind>(
    kind: K,
    match: (request: FakeRequest<K>) => boolean = () => true,
    options?: WaitOptions,
  ): Promise<FakeRequest<K>> {
    try {
      checkEnvelopeKind("nextRequest", kind);
      checkFunction("nextRequest", "match", match);
      checkWaitOptions("nextRequest", options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#requests.next((r) => r.kind === kind && match(r as FakeRequest<K>), {
      what: `${kind} request`,
      ...options,
    }) as Promise<FakeRequest<K>>;
  }

  // ---------- pushes ----------

  /**
   * Sends a push of `kind` to `to` (default: every open connection); returns how many got it.
   * Throws HeraldError `disconnected` when no connection did, so that a push cannot vanish unnoticed.
   */
  push<K extends EnvelopeKind>(kind: K, body: EnvelopeMessageInits[K], to?: PushTarget): number {
    checkEnvelopeKind("push", kind);
    checkObject(`push ${kind}`, "body", body);
    if (to !== undefined && typeof to !== "function" && !(to instanceof FakeConnection)) {
      throw new HeraldError(
        "bad_input",
        `push ${kind}: to must be a connection of this server or a predicate`,
      );
    }
    const accept =
      to === undefined ? () => true : typeof to === "function" ? to : (c: FakeConnection) => c === to;
    const sent = this.#broadcast({ kind, body } as EnvelopeInit, accept);
    if (sent === 0) throw new HeraldError("disconnected", `push ${kind}: no open connection to send it to`);
    return sent;
  }

  /**
   * Pushes a chat message. `content` may be an object (sent as JSON text); a message id, times,
   * `persistent: true` and code 0 (chat) are filled in unless given.
   */
  pushChannelMessage(
    message: Omit<ChannelMessageInit, "content"> & { channelId: string; content?: FakeContent },
    to?: PushTarget,
  ): number {
    checkObject("pushChannelMessage", "message", message);
    return this.push("channelMessage", channelMessageBody(message), to);
  }

  /** Pushes members joining or leaving a channel. */
  pushChannelPresence(event: ChannelPresenceEventInit & { channelId: string }, to?: PushTarget): number {
    return this.push("channelPresenceEvent", event, to);
  }

  /** Pushes status changes of followed users (new presences in `joins`, old ones in `leaves`). */
  pushStatusPresence(event: StatusPresenceEventInit, to?: PushTarget): number {
    return this.push("statusPresenceEvent", event, to);
  }

  /**
   * Pushes notifications in one envelope. `content` may be an object; an id, the time and
   * `persistent: true` are filled in unless given.
   */
  pushNotification(
    notifications: readonly (Omit<NotificationInit, "content"> & { content?: FakeContent })[],
    to?: PushTarget,
  ): number {
    if (!Array.isArray(notifications)) {
      throw new HeraldError("bad_input", "pushNotification: notifications must be an array");
    }
    return this.push("notifications", notificationsBody(notifications), to);
  }

  /** Pushes an error not tied to a request (no cid). */
  pushError(error: FakeError | HeraldError, to?: PushTarget): number {
    checkObject("pushError", "error", error);
    return this.push("error", errorBody(error), to);
  }

  // ---------- SDK helpers ----------

  /**
   * A herald Client pointed at this server. `close()` disconnects the sockets it makes, which
   * would otherwise go on reconnecting to a server that is gone.
   */
  client(options: Omit<ClientOptions, "host" | "port" | "ssl"> = {}): Client {
    const client = new Client({
      ...options,
      host: this.host.includes(":") ? `[${this.host}]` : this.host,
      port: this.port,
    });
    const createSocket = client.createSocket.bind(client);
    client.createSocket = (socketOptions) => {
      const socket = createSocket(socketOptions);
      this.#sockets.add(socket);
      return socket;
    };
    return client;
  }

  /** A session made locally (unsigned tokens the fake server accepts), without a REST call. */
  session(options?: FakeSessionOptions): Session {
    return fakeSession(options);
  }

  // ---------- shutting down ----------

  /** Drops every open connection at once, without a close handshake (clients see 1006). */
  async cutAll(): Promise<void> {
    await Promise.all(this.connections.filter((c) => c.open).map((c) => c.cut()));
  }

  /** Closes every open connection with a close handshake and `code`. */
  async closeAll(code = 1000, reason = ""): Promise<void> {
    await Promise.all(this.connections.filter((c) => c.open).map((c) => c.close(code, reason)));
  }

  /**
   * Disconnects the sockets made from {@link FakeServer.client}'s clients, stops listening and
   * cuts every other connection. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#sockets].map((socket) => socket.disconnect().catch(() => {})));
      this.#requests.close();
      this.#accepted.close();
      for (const c of this.connections) if (c.open) void c.cut();
      this.#wss.close();
      this.#http.closeAllConnections();
      await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    })();
    return this.#closing;
  }

  /** Same as {@link FakeServer.close}, for `await using fake = await startFakeServer()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a fake server on a free loopback port: WebSocket upgrades at `/ws` (JSON, and protobuf
 * when its codec is passed), default answers, and a minimal REST side (health check,
 * capabilities, sign-in with unsigned tokens, refresh).
 *
 * ```ts
 * await using fake = await startFakeServer();
 * const socket = fake.client().createSocket();
 * await socket.connect(fake.session({ userId: "u1", username: "ada" }));
 * ```
 */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  checkListenOptions("startFakeServer", options);
  checkFields("startFakeServer", "echo:b", options);
  const codecs: unknown = options.codecs;
  if (
    codecs !== undefined &&
    !(
      Array.isArray(codecs) &&
      codecs.length > 0 &&
      codecs.every((c) => typeof c?.decodeEnvelope === "function")
    )
  ) {
    throw new HeraldError(
      "bad_input",
      "startFakeServer: codecs must be a non-empty array of codecs (jsonCodec, protobufCodec)",
    );
  }
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  let fake: FakeServer | undefined;
  http.on("upgrade", (req, socket, head) => {
    const url = req.url ?? "/";
    const refused =
      new URL(url, "http://fake").pathname !== "/ws"
        ? { status: 404, message: "not found" }
        : fake?.verifyUpgrade(url);
    if (refused) {
      socket.end(
        `HTTP/1.1 ${refused.status} Refused\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(refused.message)}\r\nConnection: close\r\n\r\n${refused.message}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  http.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(http, "listening");
  fake = new FakeServer(http, wss, options);
  return fake;
}
