import { HeraldError } from "../../errors.js";
import type { Envelope, EnvelopeInit } from "../../gen/wire.js";
import { MAX_STATUS_LENGTH } from "../../protocol/limits.js";
import type { Logger } from "../logger.js";
import { isUuid, refuse } from "../refusal.js";
import type { UserStore } from "../storage/users.js";
import type { Chat } from "./chat.js";
import type { Session } from "./session.js";
import type { StatusTracker } from "./status-tracker.js";

/** Longest status accepted, in characters. */

interface DispatchDeps {
  chat: Chat;
  status: StatusTracker;
  users: UserStore;
  logger: Logger;
}

/** What a handler answers: a reply envelope body, "empty" (just the cid), or a reply plus a follow-up. */
type Result = EnvelopeInit | "empty" | { reply: EnvelopeInit; after: () => void };

/**
 * Handles the requests of every session. A session's requests run one at a time, in arrival order,
 * even when one waits on an async hook, so replies and effects keep the order the client sent.
 */
export class Dispatcher {
  private readonly queues = new WeakMap<Session, Envelope[]>();

  constructor(private readonly deps: DispatchDeps) {}

  /** Queues a decoded request of a session. */
  enqueue(session: Session, envelope: Envelope): void {
    const waiting = this.queues.get(session);
    if (waiting !== undefined) waiting.push(envelope);
    else this.drain(session, [envelope]);
  }

  private drain(session: Session, queue: Envelope[]): void {
    for (let envelope = queue.shift(); envelope !== undefined; envelope = queue.shift()) {
      const pending = this.handleOne(session, envelope);
      if (pending !== undefined) {
        // Requests arriving meanwhile join this queue and run once the pending one is done.
        this.queues.set(session, queue);
        const next = () => {
          this.queues.delete(session);
          this.drain(session, queue);
        };
        pending.then(next, (err: unknown) => {
          this.deps.logger.error("request_failed", { userId: session.userId, err });
          next();
        });
        return;
      }
    }
  }

  /** Handles one request; returns a promise only when the handler went async. */
  private handleOne(session: Session, envelope: Envelope): Promise<void> | undefined {
    let result: Result | Promise<Result>;
    try {
      result = this.handle(session, envelope);
    } catch (err) {
      this.sendError(session, envelope, err);
      return undefined;
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.safeReply(session, envelope, r),
        (err: unknown) => this.sendError(session, envelope, err),
      );
    }
    this.safeReply(session, envelope, result);
    return undefined;
  }

  private safeReply(session: Session, envelope: Envelope, result: Result): void {
    try {
      this.reply(session, envelope, result);
    } catch (err) {
      this.deps.logger.error("reply_failed", { kind: envelope.kind, userId: session.userId, err });
      session.send({ cid: envelope.cid, kind: "error", body: { code: 0, message: "Internal server error" } });
    }
  }

  private reply(session: Session, envelope: Envelope, result: Result): void {
    if (result === "empty") {
      session.sendEmptyReply(envelope.cid);
    } else if ("reply" in result) {
      session.send({ ...result.reply, cid: envelope.cid } as EnvelopeInit);
      result.after();
    } else {
      session.send({ ...result, cid: envelope.cid } as EnvelopeInit);
    }
  }

  private sendError(session: Session, envelope: Envelope, err: unknown): void {
    if (HeraldError.is(err)) {
      session.send({
        cid: envelope.cid,
        kind: "error",
        body: { code: err.serverCode ?? 3, message: err.message },
      });
      return;
    }
    this.deps.logger.error("request_failed", { kind: envelope.kind, userId: session.userId, err });
    session.send({ cid: envelope.cid, kind: "error", body: { code: 0, message: "Internal server error" } });
  }

  private handle(session: Session, envelope: Envelope): Result | Promise<Result> {
    const { chat, status, users } = this.deps;
    switch (envelope.kind) {
      case "ping":
        return { kind: "pong", body: {} };
      case "statusUpdate": {
        const text = envelope.body.status;
        if (text !== undefined && text.length > MAX_STATUS_LENGTH) {
          refuse(`Status must be at most ${MAX_STATUS_LENGTH} characters`);
        }
        status.setStatus(session, text === undefined || text === "" ? undefined : text);
        return "empty";
      }
      case "statusFollow": {
        const ids: string[] = [];
        for (const id of envelope.body.userIds) {
          if (!isUuid(id)) refuse("Invalid user identifier");
          ids.push(id.toLowerCase());
        }
        for (const name of envelope.body.usernames) {
          const user = users.byUsername(name);
          if (user !== undefined) ids.push(user.id);
        }
        return { kind: "status", body: { presences: status.follow(session, ids) } };
      }
      case "statusUnfollow":
        status.unfollow(
          session,
          envelope.body.userIds.map((id) => id.toLowerCase()),
        );
        return "empty";
      case "channelJoin": {
        const { reply, after } = chat.join(session, envelope.body);
        return { reply: { kind: "channel", body: reply }, after };
      }
      case "channelLeave":
        chat.leave(session, envelope.body.channelId);
        return "empty";
      case "channelMessageSend":
        return chat
          .send(session, envelope.body)
          .then((ack) => ({ kind: "channelMessageAck", body: ack }) as const);
      case "channelMessageUpdate":
        return { kind: "channelMessageAck", body: chat.update(session, envelope.body) };
      case "channelMessageRemove":
        return { kind: "channelMessageAck", body: chat.remove(session, envelope.body) };
      default:
        throw HeraldError.fromServer(1, "Unrecognized message.");
    }
  }
}
