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
import { canonicalUuid } from "../../services/uuid-text.js";
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

/** A send's answer, waiting its turn: it runs once it is ready and every answer before it has run. */
interface Answer {
  ready: boolean;
  run(): void;
}

/**
 * What a connection does in its turn without a request to handle: answer one the gateway could not
 * decode, or close the socket after a frame it refused.
 */
interface InTurn {
  kind: "inTurn";
  run: () => void;
}

/** One connection's requests: those waiting their turn, and the answers of sends in flight. */
interface Lane {
  queue: (Envelope | InTurn)[];
  /** Whether a drain is under way (it takes the queued requests in turn). */
  draining: boolean;
  /** Answers of staged sends, in send order. */
  answers: Answer[];
  /** The drain waiting for `answers` to shrink below `below` (a request other than a send waits for 1). */
  waiting: { below: number; resume: () => void } | undefined;
  /** Whether the socket's reading is paused because too many requests wait their turn. */
  paused: boolean;
}

/**
 * How many decoded requests of one connection may wait their turn before the server stops reading
 * its socket (TCP then holds the client back), and how few let it read again. While a request waits
 * on storage (a held lock, a slow database) a client can keep sending: without a bound, its frames
 * (up to 64 KiB each) would pile up in memory for as long as the wait lasts. A socket restoring
 * its state after a reconnect (a hundred joins, a few follows) stays well under it.
 */
export const QUEUED_REQUESTS_HIGH = 256;
const QUEUED_REQUESTS_LOW = 64;

/**
 * How many sends of one connection may wait for their commits at once. A turn's commit takes at
 * most this many of a socket's sends, and their fan-outs leave each member socket in one write:
 * too few splits a client's pipelined burst over several turns, and so several writes per member.
 * The burst is corked until the turn ends, which the memory budget does not count as unread.
 */
const SENDS_IN_FLIGHT = 64;

/**
 * Handles the requests of every connection. A connection's requests run one at a time, in arrival order,
 * even when one waits on an async hook, so replies and effects keep the order the client sent.
 *
 * Sends keep that rule as seen from outside while sharing commits: a send is staged (checked, and
 * its row queued for commit) in turn, and the next request starts without waiting for the commit,
 * so back-to-back sends share one commit instead of paying a round trip each. Their fan-outs and
 * replies still go out in send order (each waits for the ones before it), and any other request
 * waits until every send before it is answered, so it sees their effects and its own effect
 * precedes the sends after it.
 */
export class Dispatcher {
  private readonly lanes = new WeakMap<Connection, Lane>();

  constructor(private readonly deps: DispatcherDeps) {}

  /** Queues a decoded request of a connection. */
  enqueue(connection: Connection, envelope: Envelope): void {
    this.push(connection, envelope);
  }

  /**
   * Runs `run` once the requests the connection sent before are answered, like any other request:
   * the refusal of one the gateway could not decode (a feature this server does not offer), or a
   * refusal and the close it brings, which must not cut off their answers (their effects, a message
   * stored and delivered, have taken place) nor make the client count them as lost.
   */
  inTurn(connection: Connection, run: () => void): void {
    this.push(connection, { kind: "inTurn", run });
  }

  private push(connection: Connection, item: Envelope | InTurn): void {
    let lane = this.lanes.get(connection);
    if (lane === undefined) {
      lane = { queue: [], draining: false, answers: [], waiting: undefined, paused: false };
      this.lanes.set(connection, lane);
    }
    lane.queue.push(item);
    if (!lane.paused && lane.queue.length >= QUEUED_REQUESTS_HIGH) {
      lane.paused = true;
      connection.ws.pause();
    }
    if (!lane.draining) this.drain(connection, lane);
  }

  /** Takes the lane's requests in turn; synchronous for as long as no handler goes async. */
  private drain(connection: Connection, lane: Lane): void {
    lane.draining = true;
    for (let item = lane.queue.shift(); item !== undefined; item = lane.queue.shift()) {
      if (lane.paused && lane.queue.length <= QUEUED_REQUESTS_LOW) {
        lane.paused = false;
        connection.ws.resume();
      }
      let pending: Promise<void> | undefined;
      const request = item;
      if (request.kind === "inTurn") {
        this.answerInTurn(lane, request.run);
      } else if (
        request.kind === "channelMessageSend" ||
        // In a cluster an update waits on a flag read: staged like sends, a socket's updates share it.
        (request.kind === "statusUpdate" && this.deps.status.shared)
      ) {
        const stage = () =>
          request.kind === "channelMessageSend"
            ? this.stageSend(connection, lane, request)
            : this.stageStatus(connection, lane, request);
        pending =
          lane.answers.length < SENDS_IN_FLIGHT
            ? stage()
            : this.untilAnswered(lane, SENDS_IN_FLIGHT).then(stage);
      } else if (lane.answers.length > 0) {
        // Sends before this request are still committing: it runs once they are answered.
        pending = this.untilAnswered(lane, 1).then(() => this.handleOne(connection, request));
      } else {
        pending = this.handleOne(connection, request);
      }
      if (pending !== undefined) {
        // Requests arriving meanwhile join the queue and run once the pending one is done.
        const next = () => this.drain(connection, lane);
        pending.then(next, (err: unknown) => {
          this.deps.logger.error("request_failed", { userId: connection.userId, err });
          next();
        });
        return;
      }
    }
    lane.draining = false;
  }

  /**
   * Stages a send: admits it and lets the chat service check it and queue its row. Resolves once
   * staged (the next request may start then), or undefined when it was refused at once. Its answer
   * takes its turn after those of the lane's earlier sends.
   */
  private stageSend(
    connection: Connection,
    lane: Lane,
    envelope: Extract<Envelope, { kind: "channelMessageSend" }>,
  ): Promise<void> | undefined {
    this.deps.metrics.messagesIn += 1;
    const refuse = (err: unknown) =>
      this.answerInTurn(lane, () => this.sendError(connection, envelope.cid, err));
    try {
      this.admit(connection, envelope);
    } catch (err) {
      refuse(err);
      return undefined;
    }
    // Every send's `ready` settles as many steps after its commit, so the lanes of one batch
    // deliver in the batch's order: members see messages in the order they are stored.
    return this.deps.chat.stageSend(connection, envelope.body).then((staged) => {
      this.answerWhenReady(connection, lane, envelope, staged.ready, () => ({
        kind: "channelMessageAck",
        body: staged.finish(),
      }));
    }, refuse);
  }

  /**
   * Stages a status update in a cluster: admits it and starts its flag read; the update applies,
   * and is answered, in its turn once the read is done. Never waits: the next request starts now.
   */
  private stageStatus(
    connection: Connection,
    lane: Lane,
    envelope: Extract<Envelope, { kind: "statusUpdate" }>,
  ): undefined {
    this.deps.metrics.messagesIn += 1;
    let staged: ReturnType<Status["stageUpdate"]>;
    try {
      this.admit(connection, envelope);
      staged = this.deps.status.stageUpdate(connection, envelope.body.status);
    } catch (err) {
      this.answerInTurn(lane, () => this.sendError(connection, envelope.cid, err));
      return undefined;
    }
    this.answerWhenReady(connection, lane, envelope, staged.ready, () => {
      staged.finish();
      return "empty";
    });
    return undefined;
  }

  /**
   * Queues a staged request's answer: once `ready` settles and every answer before it has run,
   * `finish` completes the request and its result is the reply (what it throws, the error reply).
   */
  private answerWhenReady(
    connection: Connection,
    lane: Lane,
    envelope: Envelope,
    ready: Promise<void>,
    finish: () => EnvelopeInit | "empty",
  ): void {
    const answer: Answer = {
      ready: false,
      run: () => {
        let reply: EnvelopeInit | "empty";
        try {
          reply = finish();
        } catch (err) {
          this.sendError(connection, envelope.cid, err);
          return;
        }
        this.safeReply(connection, envelope, reply);
      },
    };
    lane.answers.push(answer);
    void ready.then(() => {
      answer.ready = true;
      this.runAnswers(lane);
    });
  }

  /** Answers at once when no send of the lane is waiting, else after the last of them. */
  private answerInTurn(lane: Lane, run: () => void): void {
    if (lane.answers.length === 0) run();
    else lane.answers.push({ ready: true, run });
  }

  /** Runs the lane's ready answers from the front, in order. */
  private runAnswers(lane: Lane): void {
    for (let head = lane.answers[0]; head?.ready === true; head = lane.answers[0]) {
      lane.answers.shift();
      try {
        head.run();
      } catch (err) {
        this.deps.logger.error("reply_failed", { err });
      }
    }
    const waiting = lane.waiting;
    if (waiting !== undefined && lane.answers.length < waiting.below) {
      lane.waiting = undefined;
      waiting.resume();
    }
  }

  /** Resolves once fewer than `below` sends of the lane wait for their answers. */
  private untilAnswered(lane: Lane, below: number): Promise<void> {
    return new Promise((resume) => {
      lane.waiting = { below, resume };
    });
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
      // `after` runs even when the reply could not be sent: a join's frames held until its reply
      // must not pile up for good.
      try {
        connection.send({ ...result.reply, cid: envelope.cid } as EnvelopeInit);
      } finally {
        result.after();
      }
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
        // Counted as the follow reads them: each user once, in any spelling, the caller skipped (a
        // malformed id is the follow's to refuse).
        const { userIds, usernames } = envelope.body;
        const ids = new Set<string>();
        for (const text of userIds) {
          const id = canonicalUuid(text);
          if (id !== undefined && id !== connection.userId && !connection.follows.has(id)) ids.add(id);
        }
        const names = new Set(usernames.filter((name) => name !== "" && name !== connection.username));
        if (connection.follows.size + ids.size + names.size > limits.caps.followsPerSocket)
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
