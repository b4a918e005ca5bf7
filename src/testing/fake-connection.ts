// Node only: wraps a connection accepted by the `ws` package's server.
import type { WebSocket } from "ws";
import { HeraldError } from "../errors.js";
import type { Envelope, EnvelopeInit, EnvelopeKind, EnvelopeMessageInits } from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";

/** A channel a fake connection has joined, with the fields its messages repeat. */
export interface FakeChannel {
  channelId: string;
  roomName: string;
  groupId: string;
  userIdOne: string;
  userIdTwo: string;
}

/**
 * One WebSocket connection accepted by a fake server: what the client asked for in its URL, every
 * envelope it sent, and the controls a test needs (push a message, close, cut, go silent).
 */
export class FakeConnection {
  /** A session id for this connection (as presences carry), unique per fake server. */
  readonly id: string;
  /** The codec of the format the client asked for (`format=` in the URL). */
  readonly codec: Codec;
  /** The upgrade request's path and query, e.g. `/ws?lang=en&status=false&token=...`. */
  readonly url: string;
  /** The query parameters of the upgrade request (`token`, `status`, `lang`, `format`, `invisible`). */
  readonly query: Readonly<Record<string, string>>;
  /** The user of the token the client connected with ("" when it is not a readable JWT). */
  readonly userId: string;
  readonly username: string;
  /** Every envelope received on this connection, in order. */
  readonly received: Envelope[] = [];
  /** Every frame received on this connection as it came (text, or bytes for binary frames), undecodable ones included. */
  readonly frames: (string | Uint8Array)[] = [];
  /** Channels joined through the fake server's default answers, by id. */
  readonly channels = new Map<string, FakeChannel>();
  /** While true, requests on this connection get no answer at all (pings included); pushes still go out. */
  silent = false;
  /** The status this connection set through the default answer to `statusUpdate` (undefined: offline). */
  status: string | undefined;
  /** Resolves when the connection has closed, with the close code and reason the server saw. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;

  /** Made by the fake server for each accepted upgrade. */
  constructor(
    ws: WebSocket,
    init: {
      id: string;
      codec: Codec;
      url: string;
      query: Record<string, string>;
      userId: string;
      username: string;
    },
  ) {
    this.#ws = ws;
    this.id = init.id;
    this.codec = init.codec;
    this.url = init.url;
    this.query = init.query;
    this.userId = init.userId;
    this.username = init.username;
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** The server side's `ws` WebSocket, for what the kit does not cover (e.g. listening to raw frames). */
  get ws(): WebSocket {
    return this.#ws;
  }

  /** True while the connection is open. */
  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  /** Pings received on this connection. */
  get pings(): number {
    return this.received.filter((e) => e.kind === "ping").length;
  }

  /** The received envelopes of one kind, with their bodies typed. */
  requests<K extends EnvelopeKind>(kind: K): Extract<Envelope, { kind: K }>[] {
    return this.received.filter((e): e is Extract<Envelope, { kind: K }> => e.kind === kind);
  }

  /**
   * Sends one envelope, encoded in the connection's format. Throws HeraldError `disconnected`
   * when the connection is no longer open, so that a push cannot vanish unnoticed.
   */
  send(envelope: EnvelopeInit): void {
    this.sendFrame(this.codec.encodeEnvelope(envelope));
  }

  /** Sends a push (an envelope without a cid) of `kind`. */
  push<K extends EnvelopeKind>(kind: K, body: EnvelopeMessageInits[K]): void {
    this.send({ kind, body } as EnvelopeInit);
  }

  /** Sends a raw frame (text or binary) as it is: for malformed or foreign frames. */
  sendFrame(frame: string | Uint8Array): void {
    if (!this.open) {
      throw new HeraldError(
        "disconnected",
        `fake connection ${this.id} (${this.username || "?"}) is not open`,
      );
    }
    this.#ws.send(frame, { binary: typeof frame !== "string" });
  }

  /** Closes with a close handshake (the client sees `code`). Resolves once closed. */
  async close(code = 1000, reason = ""): Promise<void> {
    if (this.open) this.#ws.close(code, reason);
    await this.closed;
  }

  /** Drops the connection at once without a close handshake (the client sees 1006). Resolves once closed. */
  async cut(): Promise<void> {
    this.#ws.terminate();
    await this.closed;
  }
}
