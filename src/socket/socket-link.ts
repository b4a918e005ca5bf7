import { startDeadline } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Emitter } from "../events.js";
import type { Envelope } from "../gen/wire.js";
import { jsonCodec } from "../protocol/json-codec.js";
import { PendingRequests } from "../protocol/pending-requests.js";
import type { Session } from "../session.js";
import { defaultWebSocket } from "../transport/websocket.js";
import type { Connection } from "./connection.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, type DialRequest, dial } from "./dial.js";
import { type FrameTargets, readFrame } from "./frame-reader.js";
import type { LayerHost, OutgoingRequest, Send } from "./layer.js";
import { emptyReport } from "./restore.js";
import { type ServerProfile, unknownServer } from "./server-profile.js";
import type { SocketClient } from "./socket-client.js";
import { buildPipeline, type Pipeline } from "./socket-pipeline.js";
import type { ConnectOptions, SocketEvents, SocketOptions, SocketState } from "./socket-types.js";
import { transmitter } from "./transmit.js";

/**
 * A Socket's connection life: connect, lose, restore, close for good; its state; and the path of
 * requests down the layers to the wire and of frames back up to events. The public `Socket` puts
 * its calls on top.
 */
export class SocketLink implements LayerHost {
  readonly #connectTimeoutMs: number;
  readonly client: SocketClient;
  /** What every connection attempt is opened with. */
  readonly #dialing: Omit<DialRequest, "session" | "options" | "wanted">;
  readonly #events: Emitter<SocketEvents>;
  readonly #pending = new PendingRequests();
  readonly #pipeline: Pipeline;
  readonly transmit: Send;
  readonly #frames: FrameTargets;
  #profile: ServerProfile;
  #conn: Connection | undefined;
  #state: SocketState = "closed";
  #generation = 0;
  #dials = 0;
  #session: Session | undefined;
  #connectOptions: ConnectOptions = {};
  #closing = false;
  #closeWaiters: (() => void)[] = [];
  #abortConnect: ((error: HeraldError) => void) | undefined;

  constructor(url: string, options: SocketOptions, client: SocketClient, events: Emitter<SocketEvents>) {
    const codec = options.codec ?? jsonCodec;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.client = client;
    this.#events = events;
    this.#profile = unknownServer(codec, options.maxFrameBytes);
    this.#dialing = {
      url,
      codec,
      WebSocket: options.WebSocket ?? defaultWebSocket,
      client,
      maxFrameBytes: options.maxFrameBytes,
      frame: (data) => this.#closing || readFrame(data, this.#frames),
      closed: (self, code, reason) => this.#onClose(self, code, reason),
      error: (error) => this.#events.emit("error", error),
      abortable: (stop) => {
        this.#abortConnect = stop;
      },
    };
    const connection = () => this.#conn;
    this.transmit = transmitter(connection, () => this.#profile, codec, this.#pending, options.timeoutMs);
    this.#pipeline = buildPipeline(this, options, {
      transmit: this.transmit,
      toApp: (message, catchUp) =>
        events.emit("channelMessage", catchUp ? { ...message, catchUp: true } : message),
      reconnected: (attempts) => void this.#restored(attempts),
      refused: (error) => this.#finish(1000, "the server refused the session", false, error),
    });
    const { deliver, catchUp } = this.#pipeline;
    this.#frames = { codec, pending: this.#pending, events, deliver, catchUp };
  }

  get generation(): number {
    return this.#generation;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  emit<K extends keyof SocketEvents>(name: K, value: SocketEvents[K]): void {
    this.#events.emit(name, value);
  }

  cut(reason: string): void {
    this.#conn?.cut(4000, reason);
  }

  redial(): Promise<void> {
    return this.#dial(this.#connectOptions);
  }

  get state(): SocketState {
    return this.#state;
  }

  /** What the current server takes and offers. */
  get profile(): ServerProfile {
    return this.#profile;
  }

  /** Messages in the outbox. */
  get outboxSize(): number {
    return this.#pipeline.outbox?.size ?? 0;
  }

  #setState(state: SocketState, reason: string, error?: HeraldError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#events.emit("state", error ? { previous, state, reason, error } : { previous, state, reason });
  }

  /** `Socket.connect`, its arguments checked. */
  async connect(session: Session, { signal, timeoutMs, ...kept }: ConnectOptions): Promise<void> {
    if (this.#state !== "closed") throw new HeraldError("bad_input", `connect: already ${this.#state}`);
    // First: a signal already aborted refuses the call before the state leaves "closed".
    const deadline = startDeadline("connect", { signal, timeoutMs }, this.#connectTimeoutMs);
    this.#session = session;
    this.#connectOptions = kept;
    this.#closing = false;
    // Made before the state event, whose listeners may write (as this user) or call disconnect(): that
    // ends the wait for a slow refresh or capabilities read (shared, not aborted) until the WebSocket opens.
    const loaded = this.#pipeline.outbox?.load(session.userId);
    const stopped = new Promise<never>((_, reject) => {
      this.#abortConnect = reject;
    });
    this.#setState("connecting", "connect() was called");
    try {
      await Promise.race([loaded, deadline.expired, stopped]);
      await Promise.race([this.#dial({ ...kept, signal: deadline.signal }), deadline.expired, stopped]);
    } catch (error) {
      const e = HeraldError.from(error, "disconnected");
      this.#dials++;
      this.#abortConnect?.(e);
      this.#abortConnect = undefined;
      this.#conn?.close();
      this.#conn = undefined;
      // As at a disconnect(): writes made meanwhile reject (their messages stay), the rest is forgotten.
      // Before the state event, whose listener may connect again: not what that connect() set up.
      for (const layer of this.#pipeline.layers) layer.closed?.(e);
      this.#setState("closed", "connect failed", e);
      for (const wake of this.#closeWaiters.splice(0)) wake();
      throw e;
    } finally {
      deadline.done();
    }
    this.#setState("open", "connected");
    for (const layer of this.#pipeline.layers) layer.opened?.(false);
  }

  async #dial(options: ConnectOptions): Promise<void> {
    const attempt = ++this.#dials;
    const { conn, profile } = await dial({
      ...this.#dialing,
      session: this.#session as Session,
      options,
      wanted: () => !this.#closing && attempt === this.#dials,
    });
    this.#profile = profile;
    this.#conn = conn;
    this.#generation++;
  }

  #onClose(conn: Connection | undefined, code: number, reason: string): void {
    if (!conn || this.#conn !== conn) return;
    this.#conn = undefined;
    this.#generation++;
    const lost = (what: string) => new HeraldError("disconnected", `${what}: connection closed (${code})`);
    this.#pending.rejectAll(lost);
    // Without reconnection there is no outbox either: the end is final.
    if (this.#closing || !this.#pipeline.outbox) {
      this.#finish(code, reason, this.#closing);
      return;
    }
    const why = reason || `connection lost (${code})`;
    this.#setState("reconnecting", why, new HeraldError("disconnected", why));
    // A listener may have called disconnect() (and connect()): the layers have closed already.
    if (this.#state === "reconnecting") for (const layer of this.#pipeline.layers) layer.lost?.(code);
  }

  async #restored(attempts: number): Promise<void> {
    const generation = this.#generation;
    const report = emptyReport(attempts, !!this.#connectOptions.appearOnline);
    for (const layer of this.#pipeline.layers) await layer.restore?.(report);
    if (generation !== this.#generation || this.#state !== "reconnecting") return;
    this.#setState("open", "reconnected");
    this.#events.emit("reconnected", report);
    for (const layer of this.#pipeline.layers) layer.opened?.(true);
  }

  // Closes for good: layers forget, waiters wake, iterators end.
  #finish(code: number, reason: string, requested: boolean, error?: HeraldError): void {
    if (this.#state === "closed") return;
    this.#closing = true;
    this.#dials++;
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.cut(code, reason);
    const why = error ?? new HeraldError("disconnected", reason || `closed (${code})`);
    for (const layer of this.#pipeline.layers) layer.closed?.(why);
    this.#events.end();
    // Closed before the event, so that a listener may connect again at once.
    const said = requested ? "disconnect() was called" : reason || `connection closed (${code})`;
    this.#setState("closed", said, error);
    for (const wake of this.#closeWaiters.splice(0)) wake();
    this.#events.emit("disconnect", { code, reason, requested });
  }

  /** `Socket.disconnect`. */
  disconnect(): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    this.#closing = true;
    // Now, not once closed: the connection's work (restore, catch-up) stops, its frames go unread.
    this.#generation++;
    const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    const gone = (what: string) => new HeraldError("disconnected", `${what}: disconnect() was called`);
    this.#pending.rejectAll(gone);
    if (this.#state === "connecting") {
      this.#dials++;
      this.#abortConnect?.(gone("connect"));
      this.#conn?.close();
    } else if (this.#conn) {
      const conn = this.#conn;
      conn.close(1000);
      // A connection that cannot complete its close handshake (a dead network) is dropped.
      const timer = setTimeout(() => conn.cut(1000, ""), 2000);
      void closed.then(() => clearTimeout(timer));
    } else {
      this.#abortConnect?.(gone("connect"));
      this.#finish(1000, "", true);
    }
    return closed;
  }

  /** Sends a request through every layer; resolves with its reply envelope. */
  send(request: OutgoingRequest): Promise<Envelope | undefined> {
    return this.#pipeline.send(request);
  }
}
