import { HeraldError } from "../../../errors.js";
import type { Envelope, EnvelopeInit } from "../../../gen/wire.js";
import { PRECISE_CODE_KEY } from "../../../protocol/error-codes.js";
import type { Limits } from "../../limits/limits.js";
import { RateLimited } from "../../limits/rate-limited.js";
import type { Logger } from "../../logger.js";
import type { ServerMetrics } from "../../metrics/server-metrics.js";
import { refuse, wireCodeOf } from "../../refusal.js";
import type { Chat } from "../../services/chat.js";
import type { Status } from "../../services/status.js";
import type { Connection } from "./connection.js";

/** What the dispatcher needs. */
export interface DispatcherDeps {
  chat: Chat;
  status: Status;
  logger: Logger;
  /** Whether error replies carry herald's precise code in `context` (off in stock mode). */
  preciseCodes: boolean;
  limits: Limits;
  metrics: ServerMetrics;
}

/** What a handler answers: a reply envelope body, "empty" (just the cid), or a reply plus a follow-up. */
type Result = EnvelopeInit | "empty" | { reply: EnvelopeInit; after: () => void };

/**
 * Handles the requests of every connection. A connection's requests run one at a time, in arrival order,
 * even when one waits on an async hook, so replies and effects keep the order the client sent.
 */
export class Dispatcher {
  private readonly queues = new WeakMap<Connection, Envelope[]>();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Queues a decoded request of a connection. */
  enqueue(connection: Connection, envelope: Envelope): void {
    const waiting = this.queues.get(connection);
    if (waiting !== undefined) waiting.push(envelope);
    else this.drain(connection, [envelope]);
  }

  private drain(connection: Connection, queue: Envelope[]): void {
    for (let envelope = queue.shift(); envelope !== undefined; envelope = queue.shift()) {
      const pending = this.handleOne(connection, envelope);
      if (pending !== undefined) {
        // Requests arriving meanwhile join this queue and run once the pending one is done.
        this.queues.set(connection, queue);
        const next = () => {
          this.queues.delete(connection);
          this.drain(connection, queue);
        };
        pending.then(next, (err: unknown) => {
          this.deps.logger.error("request_failed", { userId: connection.userId, err });
          next();
        });
        return;
      }
    }
  }

  /** Handles one request; returns a promise only when the handler went async. */
  private handleOne(connection: Connection, envelope: Envelope): Promise<void> | undefined {
    let result: Result | Promise<Result>;
    this.deps.metrics.messagesIn += 1;
    try {
      this.admit(connection, envelope);
      result = this.handle(connection, envelope);
    } catch (err) {
      this.sendError(connection, envelope.cid, err);
      return undefined;
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.safeReply(connection, envelope, r),
        (err: unknown) => this.sendError(connection, envelope.cid, err),
      );
    }
    this.safeReply(connection, envelope, result);
    return undefined;
  }

  private safeReply(connection: Connection, envelope: Envelope, result: Result): void {
    try {
      this.reply(connection, envelope, result);
    } catch (err) {
      this.deps.logger.error("reply_failed", { kind: envelope.kind, userId: connection.userId, err });
      this.sendError(connection, envelope.cid, new HeraldError("server_error", "Internal server error"));
    }
  }

  private reply(connection: Connection, envelope: Envelope, result: Result): void {
    if (result === "empty") {
      connection.sendEmptyReply(envelope.cid);
    } else if ("reply" in result) {
      connection.send({ ...result.reply, cid: envelope.cid } as EnvelopeInit);
      result.after();
    } else {
      connection.send({ ...result, cid: envelope.cid } as EnvelopeInit);
    }
  }

  /** Applies the per-socket rate limits and count caps; throws the refusal when one is hit. */
  private admit(connection: Connection, envelope: Envelope): void {
    const { limits } = this.deps;
    const key = connection.id;
    limits.take("socketRequests", key, "requests");
    switch (envelope.kind) {
      case "channelMessageSend":
      case "channelMessageUpdate":
      case "channelMessageRemove":
        limits.take("messages", key, "messages");
        return;
      case "statusUpdate":
        limits.take("statusUpdates", key, "status updates");
        return;
      case "channelJoin":
        limits.take("joins", key, "channel joins");
        if (connection.channels.size >= limits.caps.channelsPerSocket)
          refuse(
            "resource_exhausted",
            `Too many channels: a socket may be in at most ${limits.caps.channelsPerSocket}; leave one first`,
          );
        return;
      case "statusFollow": {
        const { userIds, usernames } = envelope.body;
        let added = usernames.length;
        for (const id of userIds) if (!connection.follows.has(id)) added += 1;
        if (connection.follows.size + added > limits.caps.followsPerSocket)
          refuse(
            "resource_exhausted",
            `Too many follows: a socket may follow at most ${limits.caps.followsPerSocket} users; unfollow some first`,
          );
        return;
      }
      default:
        return;
    }
  }

  /** Answers a refused request: stock's code and words, herald's precise code in `context`. */
  sendError(connection: Connection, cid: string | undefined, err: unknown): void {
    let refusal: HeraldError;
    let code: number;
    if (HeraldError.is(err)) {
      refusal = err;
      code = wireCodeOf(err);
    } else {
      this.deps.logger.error("request_failed", { userId: connection.userId, err });
      refusal = new HeraldError("server_error", "Internal server error");
      code = 0; // stock's RUNTIME_EXCEPTION
    }
    const body = { code, message: refusal.message } as {
      code: number;
      message: string;
      context?: Record<string, string>;
    };
    if (this.deps.preciseCodes) {
      body.context = { [PRECISE_CODE_KEY]: refusal.code };
      if (refusal instanceof RateLimited) body.context.retry_after_ms = String(refusal.retryAfterMs);
    }
    this.deps.metrics.countRefusal(refusal.code);
    connection.send(cid === undefined ? { kind: "error", body } : { cid, kind: "error", body });
  }

  private handle(connection: Connection, envelope: Envelope): Result | Promise<Result> {
    const { chat, status } = this.deps;
    switch (envelope.kind) {
      case "ping":
        return { kind: "pong", body: {} };
      case "statusUpdate": {
        const applied = status.update(connection, envelope.body.status);
        return applied === undefined ? "empty" : applied.then(() => "empty" as const);
      }
      case "statusFollow":
        return status
          .follow(connection, envelope.body.userIds, envelope.body.usernames)
          .then((presences) => ({ kind: "status", body: { presences } }) as const);
      case "statusUnfollow":
        status.unfollow(connection, envelope.body.userIds);
        return "empty";
      case "channelJoin":
        return chat
          .join(connection, envelope.body)
          .then(({ reply, after }) => ({ reply: { kind: "channel", body: reply }, after }) as const);
      case "channelLeave":
        chat.leave(connection, envelope.body.channelId);
        return "empty";
      case "channelMessageSend":
        return chat
          .send(connection, envelope.body)
          .then((ack) => ({ kind: "channelMessageAck", body: ack }) as const);
      case "channelMessageUpdate":
        return chat
          .update(connection, envelope.body)
          .then((ack) => ({ kind: "channelMessageAck", body: ack }) as const);
      case "channelMessageRemove":
        return chat
          .remove(connection, envelope.body)
          .then((ack) => ({ kind: "channelMessageAck", body: ack }) as const);
      default:
        // A message only servers send (a reply or push kind) is not a request.
        throw new HeraldError("bad_input", "Unrecognized message.", { serverCode: 1 });
    }
  }
}
