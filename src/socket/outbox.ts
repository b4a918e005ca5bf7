import { watchCall } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { ChannelMessageSendInit, Envelope } from "../gen/wire.js";
import { type ReconnectOptions, retryDelay } from "./backoff.js";
import type { Layer, LayerHost, OutgoingRequest, Send } from "./layer.js";
import {
  type OutboxItem as Item,
  loadStored,
  NETWORK_CLOSES,
  NETWORK_FACTOR,
  NO_TIME_LIMIT,
  newMessageId,
  outboxItem,
  refusedForNow,
  STORED,
  settleItem,
  stopRetry,
} from "./outbox-item.js";
import type { OutboxOptions, OutboxStorage } from "./outbox-storage.js";

/**
 * Chat messages wait here until the server acknowledges them: sent in order now, or after a reconnection, and
 * again after a loss, with their client message id so that a server that deduplicates (herald) stores each
 * once; elsewhere delivery is at least once. A write the server refuses leaves at once, unless the server
 * refused it only for now (busy, rate limit): then it is sent again with backoff, `maxRetries` times at most.
 * One that keeps coming just before lost connections is sent alone after the next reconnection and given up
 * after `maxAttempts`. Either way it never holds up those behind it, and every call settles.
 */
export class OutboxLayer implements Layer {
  readonly #host: LayerHost;
  readonly #storage: OutboxStorage | undefined;
  readonly #maxSize: number;
  readonly #maxAttempts: number;
  readonly #maxRetries: number;
  readonly #retryBackoff: ReconnectOptions;
  readonly #queue: Item[] = [];
  readonly #joined = new Set<string>();
  #next: Send | undefined;
  /** The user whose messages the queue holds (the one connected last). */
  #user: string | undefined;
  /** A write suspected of ending the last connection, sent alone before the others. */
  #suspect: Item | undefined;
  #probing = false;
  #loading: Promise<void> | undefined;

  constructor(host: LayerHost, options: OutboxOptions) {
    this.#host = host;
    this.#storage = options.storage;
    this.#maxSize = options.maxSize ?? 10_000;
    this.#maxAttempts = options.maxAttempts ?? 2;
    this.#maxRetries = options.maxRetries ?? 5;
    this.#retryBackoff = { minDelayMs: 250, maxDelayMs: 5000, ...options.retryBackoff };
  }

  /** Messages waiting for the server's acknowledgement. */
  get size(): number {
    return this.#queue.length;
  }

  request = (next: Send): Send => {
    this.#next = next;
    return (request) => {
      const { message } = request;
      if (message.kind === "channelMessageSend") return this.#enqueue(request, message.body);
      if (message.kind === "channelLeave") this.#joined.delete(message.body.channelId ?? "");
      if (message.kind !== "channelJoin") return next(request);
      return next(request).then((reply) => {
        this.#joined.add((reply?.body as { id: string } | undefined)?.id ?? "");
        this.#flush();
        return reply;
      });
    };
  };

  /**
   * Before each connect(): a user other than the last gets its own stored messages, none of the
   * other's. A load under way (its connect() given up) is waited for; a failed one is done again.
   */
  load(userId: string): Promise<void> {
    if (this.#user !== userId) {
      this.#user = userId;
      this.#queue.length = 0;
      this.#loading = undefined;
    }
    this.#loading ??= loadStored(this.#storage, userId, this.#queue, () => this.#user === userId);
    return this.#loading.catch((error) => {
      this.#loading = undefined;
      throw error;
    });
  }

  #enqueue(request: OutgoingRequest, body: ChannelMessageSendInit): Promise<Envelope | undefined> {
    const { what, options } = request;
    if (this.#host.state === "closed") throw new HeraldError("disconnected", `${what}: not connected`);
    if (this.#queue.length >= this.#maxSize) {
      throw new HeraldError("resource_exhausted", `${what}: outbox full (${this.#maxSize} messages)`);
    }
    const { channelId = "", content = "", clientMsgId = newMessageId() } = body;
    const item = outboxItem(clientMsgId, channelId, content, STORED);
    const reply = new Promise<Envelope | undefined>((resolve, reject) => {
      item.resolve = resolve;
      item.reject = reject;
    });
    try {
      // Only the caller's own limits apply (by default none), and end the write, sent or not; an
      // aborted signal throws here, before anything is stored or queued.
      item.unwatch = watchCall(what, options, 0, (error) => {
        this.#remove(item);
        if (item.sent) error.message += "; it may have been stored";
        settleItem(item, error);
      });
      const entry = this.#storage && {
        clientMsgId,
        channelId,
        content: JSON.parse(content),
        userId: this.#user,
      };
      if (entry) item.stored = Promise.resolve(this.#storage?.add(entry));
    } catch (error) {
      settleItem(item, HeraldError.from(error));
      return reply;
    }
    this.#queue.push(item);
    this.#flush();
    return reply;
  }

  #flush(): void {
    const host = this.#host;
    if (host.state !== "open" || this.#probing) return;
    const suspect = this.#suspect;
    if (suspect) {
      this.#suspect = undefined;
      if (this.#queue.includes(suspect)) {
        this.#probing = true;
        void this.#send(suspect).finally(() => {
          this.#probing = false;
          this.#flush();
        });
        return;
      }
    }
    for (const item of this.#queue) {
      if (item.inFlight || item.retryTimer !== undefined) continue;
      // An entry from an earlier run (no caller) goes once its channel is joined: before, it would be refused.
      if (!item.resolve && !this.#joined.has(item.channelId)) continue;
      void this.#send(item);
    }
  }

  // Not async: one promise fewer per write than an async function awaiting the reply.
  #send(item: Item): Promise<void> {
    const next = this.#next;
    if (!next) return STORED;
    item.inFlight = item.sent = true;
    let sent: Promise<Envelope | undefined>;
    try {
      sent = next({
        what: "writeChatMessage",
        message: {
          kind: "channelMessageSend",
          body: { channelId: item.channelId, content: item.content, clientMsgId: item.clientMsgId },
        },
        expect: "channelMessageAck",
        options: NO_TIME_LIMIT,
      });
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      (reply) => {
        item.inFlight = false;
        this.#remove(item);
        settleItem(item, undefined, reply);
      },
      (error: unknown) => this.#failed(item, HeraldError.from(error)),
    );
  }

  #failed(item: Item, e: HeraldError): void {
    item.inFlight = false;
    const kept = this.#queue.includes(item) && this.#host.state !== "closed";
    // Lost with the connection: it stays queued and goes again after reconnecting.
    if (kept && e.serverCode === undefined && e.code === "disconnected") return;
    // Refused for now: sent again after a pause, while the writes behind it go on.
    if (kept && refusedForNow(e) && item.refusals < this.#maxRetries) {
      item.retryTimer = setTimeout(
        () => {
          item.retryTimer = undefined;
          this.#flush();
        },
        retryDelay(++item.refusals, this.#retryBackoff),
      );
      return;
    }
    this.#remove(item);
    settleItem(item, e);
  }

  #remove(item: Item): void {
    stopRetry(item);
    const at = this.#queue.indexOf(item);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    if (!this.#storage) return;
    void item.stored
      .then(() => this.#storage?.remove(item.clientMsgId))
      .catch((error) =>
        this.#host.emit("error", HeraldError.from(error, "server_error", `outbox storage: ${String(error)}`)),
      );
  }

  lost(code: number): void {
    const network = NETWORK_CLOSES.has(code);
    const sentAlone = this.#probing;
    const oldest = this.#queue.find((item) => item.inFlight);
    for (const item of this.#queue) item.inFlight = false;
    this.#probing = false;
    if (!oldest || (network && !sentAlone)) return;
    oldest.blamed++;
    const limit = network ? this.#maxAttempts * NETWORK_FACTOR : this.#maxAttempts;
    if (oldest.blamed < limit) {
      this.#suspect = oldest;
      return;
    }
    this.#remove(oldest);
    settleItem(
      oldest,
      new HeraldError(
        network ? "disconnected" : "bad_input",
        `writeChatMessage: the connection ended (${code}) right after this message ${oldest.blamed} times; given up`,
      ),
    );
  }

  opened = (): void => this.#flush();

  closed(): void {
    this.#suspect = undefined;
    this.#probing = false;
    const why = "writeChatMessage: closed; the message stays in the outbox until connect()";
    for (const item of this.#queue) {
      item.inFlight = false;
      stopRetry(item);
      item.refusals = 0;
      settleItem(item, new HeraldError("disconnected", why));
    }
    this.#joined.clear();
  }
}
