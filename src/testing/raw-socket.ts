// Node only: a WebSocket client from the `ws` package, which reports a refused upgrade's status.
import WebSocket from "ws";
import { badInput, checkFields, checkId, describeValue } from "../arguments.js";
import { HeraldError } from "../errors.js";
import type {
  Envelope,
  EnvelopeInit,
  EnvelopeKind,
  EnvelopeMessageInits,
  EnvelopeMessages,
} from "../gen/wire.js";
import type { Codec } from "../protocol/codec.js";
import { jsonCodec } from "../protocol/json-codec.js";
import { describeValues } from "./describe.js";

const DEFAULT_TIMEOUT_MS = 5000;

/** Options of {@link openRawSocket}. */
export interface RawSocketOptions {
  /** The wire format. @default jsonCodec */
  codec?: Codec | undefined;
  /** Appear online at connect (`status=true`). @default false */
  status?: boolean | undefined;
  /** The `invisible` URL parameter, when given. */
  invisible?: boolean | undefined;
  /** Other URL parameters. */
  query?: Record<string, string> | undefined;
  /** Time limit of opening and of each wait, in milliseconds. @default 5000 */
  timeoutMs?: number | undefined;
}

/**
 * A WebSocket that speaks herald's envelopes without the SDK: for testing a server (or server
 * hooks) frame by frame. Requests resolve with their reply envelope, whatever it is (an `error`
 * included); pushes queue up until read with {@link RawSocket.next}.
 */
export class RawSocket {
  /** Every envelope received, in order (replies and pushes). */
  readonly received: Envelope[] = [];
  /** Frames that could not be decoded, as errors (kept, never dropped in silence). */
  readonly errors: HeraldError[] = [];
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  readonly #codec: Codec;
  readonly #timeoutMs: number;
  readonly #pushes: Envelope[] = [];
  readonly #replies = new Map<string, (envelope: Envelope) => void>();
  #wake: (() => void)[] = [];
  #nextCid = 0;

  /** Use {@link openRawSocket}. */
  constructor(ws: WebSocket, codec: Codec, timeoutMs: number) {
    this.#ws = ws;
    this.#codec = codec;
    this.#timeoutMs = timeoutMs;
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      }),
    );
    ws.on("message", (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString("utf8");
      let envelope: Envelope;
      try {
        envelope = codec.decodeEnvelope(frame, { allowEmptyReply: true, ignoreUnknown: true });
      } catch (cause) {
        this.errors.push(HeraldError.from(cause, "server_error", "raw socket: unreadable frame"));
        return;
      }
      this.received.push(envelope);
      const reply = envelope.cid === undefined ? undefined : this.#replies.get(envelope.cid);
      if (reply && envelope.cid !== undefined) {
        this.#replies.delete(envelope.cid);
        reply(envelope);
      } else if (envelope.kind !== "empty") {
        this.#pushes.push(envelope);
      }
      this.#notify();
    });
  }

  #notify(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }

  /** The underlying `ws` WebSocket. */
  get ws(): WebSocket {
    return this.#ws;
  }

  /** Sends a request with a fresh cid and resolves with the envelope that answers it (an `error` included). */
  request<K extends EnvelopeKind>(
    kind: K,
    body: EnvelopeMessageInits[K],
    timeoutMs = this.#timeoutMs,
  ): Promise<Envelope> {
    this.#nextCid += 1;
    const cid = String(this.#nextCid);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(cid);
        reject(
          new HeraldError(
            "timeout",
            `no reply to ${kind} (cid ${cid}) within ${timeoutMs} ms; unread pushes: ${describeValues(this.#pushes.map((e) => e.kind))}`,
          ),
        );
      }, timeoutMs);
      this.#replies.set(cid, (envelope) => {
        clearTimeout(timer);
        resolve(envelope);
      });
      try {
        this.sendEnvelope({ cid, kind, body } as EnvelopeInit);
      } catch (error) {
        clearTimeout(timer);
        this.#replies.delete(cid);
        reject(error);
      }
    });
  }

  /** Sends a request and returns the reply's body, failing (HeraldError `server_error`) unless it is of kind `expected`. */
  async call<K extends EnvelopeKind, R extends EnvelopeKind>(
    kind: K,
    body: EnvelopeMessageInits[K],
    expected: R,
  ): Promise<EnvelopeMessages[R]> {
    const reply = await this.request(kind, body);
    if (reply.kind !== expected) {
      throw new HeraldError(
        "server_error",
        `expected a ${expected} reply to ${kind}, got ${describeValues([reply])}`,
      );
    }
    return reply.body as EnvelopeMessages[R];
  }

  /** Sends a request that must be answered by a bare acknowledgement. */
  async callEmpty<K extends EnvelopeKind>(kind: K, body: EnvelopeMessageInits[K]): Promise<void> {
    const reply = await this.request(kind, body);
    if (reply.kind !== "empty") {
      throw new HeraldError(
        "server_error",
        `expected an empty reply to ${kind}, got ${describeValues([reply])}`,
      );
    }
  }

  /** Sends one envelope in the socket's format. Throws HeraldError `disconnected` once closed. */
  sendEnvelope(envelope: EnvelopeInit): void {
    this.sendFrame(this.#codec.encodeEnvelope(envelope));
  }

  /** Sends a raw frame as it is (text or binary), e.g. a malformed one. */
  sendFrame(frame: string | Uint8Array): void {
    if (this.#ws.readyState !== WebSocket.OPEN)
      throw new HeraldError("disconnected", "raw socket is not open");
    this.#ws.send(frame, { binary: typeof frame !== "string" });
  }

  /** Consumes the first unread push of `kind` that `match` accepts, waiting for it if needed. */
  async next<K extends EnvelopeKind>(
    kind: K,
    match: (body: EnvelopeMessages[K]) => boolean = () => true,
    timeoutMs = this.#timeoutMs,
  ): Promise<EnvelopeMessages[K]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#pushes.findIndex((e) => e.kind === kind && match(e.body as EnvelopeMessages[K]));
      if (i >= 0) return (this.#pushes.splice(i, 1)[0] as Envelope).body as EnvelopeMessages[K];
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new HeraldError(
          "timeout",
          `no matching ${kind} push within ${timeoutMs} ms; unread pushes: ${describeValues(this.#pushes)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Unread pushes of `kind`, without consuming them. */
  unread<K extends EnvelopeKind>(kind: K): EnvelopeMessages[K][] {
    return this.#pushes.filter((e) => e.kind === kind).map((e) => e.body as EnvelopeMessages[K]);
  }

  /**
   * Proves that no push of `kind` that `match` accepts is unread, after a ping round trip (the
   * server sends what it had queued for this socket before the pong).
   */
  async none<K extends EnvelopeKind>(
    kind: K,
    match: (body: EnvelopeMessages[K]) => boolean = () => true,
  ): Promise<void> {
    await this.call("ping", {}, "pong");
    const found = this.#pushes.find((e) => e.kind === kind && match(e.body as EnvelopeMessages[K]));
    if (found) throw new HeraldError("bad_input", `unexpected ${kind} push: ${describeValues([found])}`);
  }

  /** Closes with a close handshake and resolves once closed. */
  async close(code = 1000): Promise<void> {
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close(code);
    await this.closed;
  }
}

/**
 * The URL of a server's `/ws` for a token: `format` (a codec's format name, sent unless "json"),
 * `status`, `invisible` and other `query` parameters as given. (herald's own test helpers share it.)
 */
export function rawSocketUrl(
  baseUrl: string,
  token: string,
  options: Pick<RawSocketOptions, "status" | "invisible" | "query"> & { format?: string | undefined } = {},
): string {
  const params = new URLSearchParams({
    lang: "en",
    status: String(options.status ?? false),
    token,
    ...options.query,
  });
  if (options.format !== undefined && options.format !== "json") params.set("format", options.format);
  if (options.invisible !== undefined) params.set("invisible", String(options.invisible));
  return `${baseUrl.replace(/^http/, "ws")}/ws?${params}`;
}

/**
 * Opens a raw socket to a server's `/ws` for a session token. Rejects with HeraldError
 * `unauthenticated` (HTTP 401), `bad_input` (400) or `disconnected`, naming the address.
 *
 * ```ts
 * const raw = await openRawSocket(server.url, ada.session.token);
 * const reply = await raw.request("channelJoin", { target: "lobby", type: 1 });
 * ```
 */
export function openRawSocket(
  baseUrl: string,
  token: string,
  options: RawSocketOptions = {},
): Promise<RawSocket> {
  return openRawSocketAs(
    (ws, codec, timeoutMs) => new RawSocket(ws, codec, timeoutMs),
    baseUrl,
    token,
    options,
  );
}

/** {@link openRawSocket} with the socket made by `make` (herald's own test helpers add to the class). */
export async function openRawSocketAs<S extends RawSocket>(
  make: (ws: WebSocket, codec: Codec, timeoutMs: number) => S,
  baseUrl: string,
  token: string,
  options: RawSocketOptions = {},
): Promise<S> {
  if (typeof baseUrl !== "string" || !/^(http|ws)s?:\/\/[^/]/.test(baseUrl)) {
    throw badInput(
      "openRawSocket",
      `baseUrl must be a server's http:// or ws:// URL, got ${typeof baseUrl === "string" ? `"${baseUrl}"` : describeValue(baseUrl)}`,
    );
  }
  checkId("openRawSocket", "token", token);
  checkFields("openRawSocket", "codec:c timeoutMs:t status:b invisible:b query:o", options);
  const codec = options.codec ?? jsonCodec;
  const url = rawSocketUrl(baseUrl, token, { ...options, format: codec.format });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
  const socket = make(ws, codec, timeoutMs);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", (cause) =>
      reject(new HeraldError("disconnected", `raw socket: could not connect to ${baseUrl}`, { cause })),
    );
    ws.once("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      const code = status === 401 ? "unauthenticated" : status === 400 ? "bad_input" : "disconnected";
      reject(
        new HeraldError(code, `raw socket: ${baseUrl} refused the upgrade with HTTP ${status}`, { status }),
      );
      ws.terminate();
    });
  });
  return socket;
}
