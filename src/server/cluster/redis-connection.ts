import type { Cluster, Redis } from "ioredis";
import { HeraldError } from "../../errors.js";
import { PublishStamper } from "./publish-stamp.js";

/** A Redis connection: a single server or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/** One Redis command: its name, then its arguments. */
export type Command = [name: string, ...args: (string | number | Buffer)[]];

/** The `disconnected` refusal for a Redis failure. */
export function unavailable(err: unknown): HeraldError {
  return HeraldError.from(
    err,
    "disconnected",
    `cluster state unavailable: ${err instanceof Error ? err.message : err}`,
  );
}

interface Queued {
  command: Command;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** A publish: its channel, the payloads it carries, and how to join several into one. */
  publish?: { channel: string; payloads: Buffer[]; join: (payloads: readonly Buffer[]) => Buffer };
  /** Single Redis only: when the publish was first held (see `CommandQueue.hold`). */
  heldSince?: number;
}

/**
 * Entries that last for one batch of a {@link CommandQueue}: emptied when the queue writes the batch,
 * so a caller can find a command it queued in the current batch and share or amend it.
 */
export class BatchScoped<V> {
  private readonly entries = new Map<string, V>();
  private batch = -1;

  constructor(private readonly queue: CommandQueue) {}

  /** The entries of the batch being queued now. */
  get current(): Map<string, V> {
    if (this.batch !== this.queue.batch) {
      this.entries.clear();
      this.batch = this.queue.batch;
    }
    return this.entries;
  }
}

/**
 * The commands of one connection, gathered over an event-loop turn and written together. A node
 * under load issues many commands per turn (a publish and a presence write per status update, the
 * flag reads of many sockets): one write to Redis instead of one system call each, and Redis then
 * forwards the turn's publishes to each subscribed node in one write too, so the receiving node
 * handles them in one turn and its sockets get them in one write each.
 *
 * Commands keep the order they were queued in. On a single Redis a turn's commands share one
 * pipeline. A Redis Cluster refuses a pipeline whose keys live on several servers, so there the
 * turn's keyed commands are split by hash slot, one pipeline per slot (see `flush`), and the
 * publishes go through one primary in one pipeline.
 *
 * On a Redis Cluster each slot's pipelines (and the publishes') also go one at a time: the next
 * leaves once the one before has settled, carrying everything queued for that slot meanwhile. While
 * connections are up that costs nothing but the wait for the reply before; when a primary's
 * connection breaks, ioredis retries a failed pipeline later (after its failover delay, or a
 * redirection), and a later turn's pipeline sent meanwhile on the reopened connection would
 * overtake it. Waiting for it keeps one key's commands in the order sent, across turns, through a
 * reconnect too.
 *
 * On a single Redis pipelines go one at a time too, whatever they carry, and publishes made while
 * the connection is cut are held and sent once it is back; a publish a cut leaves unanswered is
 * never given up while it lasts less than {@link HOLD_MS} (see `sendSingle`).
 *
 * Every command queued here other than `PUBLISH` names its key first: that is how it is routed.
 */
export class CommandQueue {
  private queued: Queued[] = [];
  private scheduled = false;
  /** Redis Cluster only: the lanes with a pipeline under way, by slot tag (see `PUBLISH_LANE`). */
  private readonly lanes = new Map<string, Lane>();
  /** Redis Cluster only: numbers the publishes, so that receivers keep their order. */
  private readonly stamper = new PublishStamper();
  /** Single Redis only: whether a pipeline is under way (the next one waits for it to settle). */
  private sending = false;
  /**
   * Single Redis only: what was queued while a pipeline was under way and the connection ready, in
   * the order issued; it leaves in one pipeline once that one has settled.
   */
  private waiting: Queued[] = [];
  /** Single Redis only: the publishes waiting for the connection to be ready, in the order issued. */
  private held: Queued[] = [];
  /** The bytes of the held publishes' arguments. */
  private heldBytes = 0;
  /** Gives up the first held publish once it has waited {@link HOLD_MS}. */
  private expiry: NodeJS.Timeout | undefined;
  /** The connection whose next `ready` sends the held publishes, once that is listened for. */
  private awaiting: RedisConnection | undefined;
  /**
   * The batch that commands queued now join; it changes when a batch is written. A caller may
   * share or amend a command of the current batch until then (see {@link BatchScoped}).
   */
  batch = 0;

  /** Single Redis: how long a publish is held while the connection is not ready. */
  holdMs = HOLD_MS;

  /** @param connection the connection to write to; undefined while there is none (commands fail). */
  constructor(private readonly connection: () => RedisConnection | undefined) {}

  /** Queues one command; resolves with its result, or rejects with `disconnected`. */
  send(command: Command): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queued.push({ command, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /**
   * Queues a `PUBLISH` of `payload` on `channel`. Publishes on one channel queued back to back
   * (nothing queued between them) leave as one, their payloads joined by `join` when the batch is
   * written: a turn's burst on one channel costs Redis and every subscribed node one message. Returns
   * the publish's promise (resolving with Redis's reply), or undefined when the payload joined the
   * publish queued just before, whose promise then answers for both.
   */
  publish(
    channel: string,
    payload: Buffer,
    join: (payloads: readonly Buffer[]) => Buffer,
  ): Promise<unknown> | undefined {
    const last = this.queued[this.queued.length - 1];
    if (last?.publish !== undefined && last.publish.channel === channel && last.publish.join === join) {
      last.publish.payloads.push(payload);
      return undefined;
    }
    return new Promise((resolve, reject) => {
      const publish = { channel, payloads: [payload], join };
      this.queued.push({ command: ["publish", channel, payload], resolve, reject, publish });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Queues commands; resolves with their results, or rejects with `disconnected` if any failed. */
  async sendAll(commands: readonly Command[]): Promise<unknown[]> {
    return Promise.all(commands.map((command) => this.send(command)));
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    this.batch += 1;
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) {
      const payloads = q.publish?.payloads;
      if (payloads !== undefined && payloads.length > 1) q.command[2] = q.publish?.join(payloads) as Buffer;
    }
    const conn = this.connection();
    if (conn === undefined) {
      const err = new HeraldError("disconnected", "the cluster adapter is not running");
      for (const q of queued) q.reject(err);
      return;
    }
    if (conn.isCluster) {
      // Keyed commands: one pipeline per slot, never one call each. ioredis sends a pipeline on one
      // connection in order and retries it whole on the slot's owner, whereas a lone call that meets
      // a connection still opening (or lost) is retried later on a random server, which redirects
      // it: a GET queued after a SET of its key could then overtake it and read the old value.
      // Publishes are numbered here, in the order issued, for the receivers (see `publishThroughHub`).
      this.stamper.tick();
      const bySlot = new Map<string, Queued[]>();
      for (const q of queued) {
        const publish = isPublish(q);
        if (publish) q.command[2] = this.stamper.stamp(String(q.command[1]), asBuffer(q.command[2]));
        const tag = publish ? PUBLISH_LANE : `k:${slotTag(q.command[1])}`;
        const group = bySlot.get(tag);
        if (group === undefined) bySlot.set(tag, [q]);
        else group.push(q);
      }
      for (const [tag, group] of bySlot) this.enterLane(tag, group);
      return;
    }
    this.sendSingle(conn, queued);
  };

  /**
   * On a single Redis a turn's commands go in one pipeline, and one pipeline at a time: what is
   * queued while one is under way waits, and leaves in one pipeline once it has settled. While the
   * connection is not ready (cut, reconnecting) ioredis refuses commands (its offline queue is off),
   * and a publish refused so would be lost for good: a status update a follower on another node
   * never sees. So publishes are held meanwhile, in the order issued, and sent once the connection is
   * ready again, ahead of anything issued later; other commands still fail at once (their callers
   * answer a retryable refusal).
   *
   * ioredis's own offline queue would keep the same order (it sends what it holds right after what
   * it resends from the cut connection), but it holds every command, not just publishes, and bounds
   * nothing but the reconnect attempts: here a publish is held at most {@link HOLD_MS}, and at most
   * {@link HOLD_MAX} publishes or {@link HOLD_MAX_BYTES} bytes are, so that a Redis down for longer
   * costs what it did before (the publishes are given up and reported) and no late presence event
   * goes out long after the fact.
   *
   * When the cut comes while a pipeline is under way, ioredis sends it again once reconnected
   * (`autoResendUnfulfilledCommands`), before it calls itself ready, if Redis had answered none of
   * it; a publish Redis took just before the cut, unanswered, then comes twice, as it always did. If
   * Redis had answered part of it, ioredis fails the unanswered rest instead. Those publishes are
   * held again, at the front (see `sendPipeline`), and none is lost: Redis may have taken some of
   * them too (a second copy again). That is why one pipeline goes at a time: had a later one been
   * sent meanwhile, ioredis would have sent it again first, and it would have overtaken them.
   */
  private sendSingle(conn: RedisConnection, queued: Queued[]): void {
    if (conn.status !== "ready") this.notReady(conn, queued);
    else if (this.sending) for (const q of queued) this.waiting.push(q);
    // Held ones first, then this turn's. Seen ready, ioredis has already sent again what the cut
    // connection left unanswered: it does that as it becomes ready, in the same call.
    else this.sendPipeline(conn, this.held.length > 0 ? [...this.release(), ...queued] : queued);
  }

  /**
   * The connection is not ready: holds the publishes that wait for a pipeline under way and then
   * those of `queued` (in that order: they were issued so), and refuses the other commands.
   */
  private notReady(conn: RedisConnection, queued: Queued[]): void {
    const all = this.waiting.length > 0 ? [...this.waiting, ...queued] : queued;
    this.waiting = [];
    const others: Queued[] = [];
    const publishes: Queued[] = [];
    for (const q of all) (isPublish(q) ? publishes : others).push(q);
    this.hold(conn, publishes);
    if (others.length > 0) void pipeline(conn, others);
  }

  /**
   * Writes a single Redis pipeline and settles each command with its own result, except publishes
   * that did not reach Redis or whose reply the cut connection lost while ioredis sent none of them
   * again (refused because the connection was not writable after all, or the unanswered rest of a
   * partly answered pipeline): those go again, ahead of anything held or waiting since (they were
   * issued before them), once the connection is ready again. Otherwise sends what waits.
   */
  private sendPipeline(conn: RedisConnection, batch: Queued[]): void {
    this.sending = true;
    void pipelineResults(conn, batch).then((results) => {
      const again: Queued[] = [];
      for (const [i, q] of batch.entries()) {
        const result = results[i];
        if (isPublish(q) && result !== undefined && mayResend(result[0])) again.push(q);
        else settle(q, result);
      }
      this.sending = false;
      if (again.length === 0) this.next();
      else {
        // The connection is broken, whatever its status says (ioredis calls it ready until it has
        // seen the close): they wait for it to be ready again, and so does everything after them.
        // Held again with those held since, in order, so that the bounds give up the latest.
        this.hold(conn, [...again, ...this.release()]);
        this.notReady(conn, []);
      }
    });
  }

  /** Once no pipeline is under way: sends what is held and what waits, or holds it until ready. */
  private next(): void {
    if (this.sending) return;
    const conn = this.connection();
    if (conn === undefined) {
      const err = new HeraldError("disconnected", "the cluster adapter is not running");
      rejectAll(this.release(), err);
      rejectAll(this.waiting, err);
      this.waiting = [];
      return;
    }
    if (conn.status === "ready") {
      const batch = [...this.release(), ...this.waiting];
      this.waiting = [];
      if (batch.length > 0) this.sendPipeline(conn, batch);
      return;
    }
    this.hold(conn, this.release());
    this.notReady(conn, []);
  }

  /**
   * Holds publishes, after those held, until `conn` is ready, or gives them up: past
   * {@link HOLD_MS} since first held, or past the bounds (the later ones then).
   */
  private hold(conn: RedisConnection, publishes: Queued[]): void {
    if (publishes.length === 0) return;
    const now = performance.now();
    const kept: Queued[] = [];
    let keptBytes = 0;
    for (const q of publishes) {
      q.heldSince ??= now;
      const bytes = argumentBytes(q.command);
      if (now - q.heldSince >= this.holdMs) q.reject(gaveUp(`not sent within ${this.holdMs} ms`));
      else if (
        this.held.length + kept.length >= HOLD_MAX ||
        this.heldBytes + keptBytes + bytes > HOLD_MAX_BYTES
      )
        q.reject(gaveUp(`more than ${HOLD_MAX} publishes or ${HOLD_MAX_BYTES} bytes waiting`));
      else {
        kept.push(q);
        keptBytes += bytes;
      }
    }
    if (kept.length === 0) return;
    this.heldBytes += keptBytes;
    this.held = this.held.length > 0 ? [...this.held, ...kept] : kept;
    this.scheduleExpiry();
    if (this.awaiting !== conn) {
      this.awaiting = conn;
      // ioredis announces `ready` in the next tick, after it has sent again what the cut connection
      // left unanswered: what is held goes after that, and after the pipeline under way, if any.
      conn.once("ready", () => {
        this.awaiting = undefined;
        this.next();
      });
    }
  }

  /** Takes every held publish, in order, to be sent now. */
  private release(): Queued[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    return held;
  }

  /** Arms the timer that gives up the first held publish once it has waited too long. */
  private scheduleExpiry(): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    const first = this.held[0];
    if (first === undefined) return;
    const wait = Math.max(0, (first.heldSince ?? 0) + this.holdMs - performance.now());
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      const now = performance.now();
      // Held in order, so the first ones are the oldest (a millisecond's slack for the timer).
      for (
        let q = this.held[0];
        q !== undefined && now - (q.heldSince ?? 0) >= this.holdMs - 1;
        q = this.held[0]
      ) {
        this.held.shift();
        this.heldBytes -= argumentBytes(q.command);
        q.reject(gaveUp(`not sent within ${this.holdMs} ms`));
      }
      this.scheduleExpiry();
    }, wait);
    this.expiry.unref();
  }

  /** Queues a slot's commands (or publishes) behind the pipeline under way in their lane, if any. */
  private enterLane(tag: string, group: Queued[]): void {
    const lane = this.lanes.get(tag);
    if (lane !== undefined) {
      for (const q of group) lane.waiting.push(q);
      return;
    }
    this.runLane(tag, { waiting: group });
  }

  /** Sends what waits in a lane as one pipeline, and the lane's next once that one has settled. */
  private runLane(tag: string, lane: Lane): void {
    const batch = lane.waiting;
    if (batch.length === 0) {
      this.lanes.delete(tag);
      return;
    }
    lane.waiting = [];
    this.lanes.set(tag, lane);
    const conn = this.connection();
    const sent =
      conn === undefined
        ? Promise.resolve(
            rejectAll(batch, new HeraldError("disconnected", "the cluster adapter is not running")),
          )
        : tag === PUBLISH_LANE
          ? this.publishThroughHub(conn as Cluster, batch)
          : pipeline(conn, batch);
    const next = () => this.runLane(tag, lane);
    void sent.then(next, next);
  }

  /**
   * A publish names no key, so a Redis Cluster would send each to a server of its choosing, and two
   * publishes on one room could then cross the cluster bus in either order. They all go through one
   * primary, the hub (the first that is ready, the same one while it stays so), in one pipeline, one
   * pipeline at a time (the lane waits for this one to settle). With no primary ready, each goes on
   * its own, as ioredis routes it.
   *
   * When the hub's connection breaks, what it did not answer is sent again, in the same order and
   * before anything newer, through the next ready primary (up to {@link PUBLISH_ATTEMPTS} times):
   * none is lost to a broken connection, but one Redis took before the break then comes twice, and
   * publishes sent through the new hub may reach a subscriber before those still crossing the bus
   * from the old one. Each publish carries its number (stamped in `flush`), and each receiver puts
   * a node's publishes back in the order issued and drops the second copies (see `PublishOrder`).
   * A publish given up for lost is forgotten by the stamper, so that no receiver waits for it.
   * Resolves once all have settled.
   */
  private async publishThroughHub(conn: Cluster, publishes: readonly Queued[]): Promise<void> {
    let pending = publishes;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const hub = conn.nodes("master").find((node) => node.status === "ready");
      const results =
        hub !== undefined
          ? await pipelineResults(hub, pending)
          : await Promise.all(
              pending.map((q) => {
                const [name, ...args] = q.command;
                return conn.call(name, ...args).then(
                  (value): Result => [null, value],
                  (err: unknown): Result => [err, undefined],
                );
              }),
            );
      const failed: Queued[] = [];
      for (const [i, q] of pending.entries()) {
        const [err, value] = results[i] ?? [new Error("the pipeline was discarded"), undefined];
        if (err === null) q.resolve(value);
        else if (isReplyError(err) || attempt >= PUBLISH_ATTEMPTS) {
          this.stamper.forget(String(q.command[1]));
          q.reject(unavailable(err));
        } else failed.push(q);
      }
      pending = failed;
      // Lets ioredis mark the broken connection and pick up its replacement. The first resend goes
      // at once (mostly through the next primary); a resend can still find the broken hub marked
      // ready and fail again, so later ones wait longer, and five tries span about 300 ms.
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, (attempt - 1) * 50));
    }
  }
}

/** A Redis Cluster lane of the {@link CommandQueue}: what waits for the pipeline under way. */
interface Lane {
  waiting: Queued[];
}

/** The lane of publishes, which name no key; a slot's lane is `k:` and its slot tag. */
const PUBLISH_LANE = "p";

/**
 * How many times a publish is sent before it is given up: its hub's connection broke (a reply
 * error from Redis itself is final at once). With the waits between them, the last is sent about
 * 300 ms after the first, within a receiver's wait for a missing publish (`PublishOrder`'s gapMs).
 */
const PUBLISH_ATTEMPTS = 5;

/**
 * Single Redis: how long a publish is held while the connection is not ready before it is given up.
 * The same span as a Redis Cluster's resends (see {@link PUBLISH_ATTEMPTS}): a connection cut while
 * Redis stays up is back well within it (it reconnects at once), and a presence or status event
 * held longer would reach the other nodes too late to be right (Redis is then down: given up and
 * reported, as it always was).
 */
const HOLD_MS = 300;

/** Single Redis: at most this many publishes are held (see {@link HOLD_MS}); later ones are given up. */
const HOLD_MAX = 10_000;

/** Single Redis: at most this many bytes of publishes are held; later ones are given up. */
const HOLD_MAX_BYTES = 16 * 1024 * 1024;

/** The refusal of a publish given up while held. */
function gaveUp(why: string): HeraldError {
  return unavailable(new Error(`the connection to Redis was not ready: publish ${why}`));
}

/**
 * A failure after which a publish may be sent again, ioredis not doing so itself: its refusal of a
 * command meeting a connection that is not ready (its offline queue off), or its abort of the
 * unanswered rest of a pipeline Redis had partly answered when the connection closed.
 */
function mayResend(err: unknown): boolean {
  return err instanceof Error && (err.message.includes("enableOfflineQueue") || err.name === "AbortError");
}

/** The bytes of a command's arguments, what holding it costs. */
function argumentBytes(command: Command): number {
  let bytes = 0;
  for (const arg of command) bytes += Buffer.isBuffer(arg) ? arg.length : Buffer.byteLength(String(arg));
  return bytes;
}

function rejectAll(queued: readonly Queued[], err: unknown): void {
  for (const q of queued) q.reject(err);
}

/** A publish, whether queued by `publish` or as a command. */
function isPublish(q: Queued): boolean {
  return q.publish !== undefined || q.command[0].toLowerCase() === "publish";
}

function asBuffer(value: string | number | Buffer | undefined): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value ?? ""));
}

/** An error Redis answered (the command was refused), not a failure to reach it. */
function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === "ReplyError";
}

/** One command's outcome: an error, or null and the reply. */
type Result = [err: unknown, value: unknown];

/** Writes commands in one pipeline; resolves with each one's outcome (a lost connection fails all). */
function pipelineResults(conn: RedisConnection, queued: readonly Queued[]): Promise<Result[]> {
  return conn
    .pipeline(queued.map((q) => q.command))
    .exec()
    .then(
      (replies) =>
        queued.map((_, i): Result => {
          const reply = replies?.[i];
          return reply === undefined
            ? [new Error("the pipeline was discarded"), undefined]
            : [reply[0], reply[1]];
        }),
      (err: unknown) => queued.map((): Result => [err, undefined]),
    );
}

/**
 * What decides a key's slot in a Redis Cluster: the hash tag (the text inside the first braces, when
 * not empty), else the whole key. Keys with the same tag are in the same slot.
 */
export function slotTag(key: string | number | Buffer | undefined): string {
  const name = typeof key === "string" ? key : String(key);
  const open = name.indexOf("{");
  if (open >= 0) {
    const close = name.indexOf("}", open + 1);
    if (close > open + 1) return name.slice(open + 1, close);
  }
  return name;
}

/** Writes commands in one pipeline and settles each with its own result; resolves once all have. */
async function pipeline(conn: RedisConnection, queued: readonly Queued[]): Promise<void> {
  const results = await pipelineResults(conn, queued);
  for (const [i, q] of queued.entries()) settle(q, results[i]);
}

/** Resolves a command with its reply, or rejects it with its error (a missing result: discarded). */
function settle(q: Queued, result: Result | undefined): void {
  const [err, value] = result ?? [new Error("the pipeline was discarded"), undefined];
  if (err === null) q.resolve(value);
  else q.reject(unavailable(err));
}

/** Resolves once the connection is ready; rejects with `disconnected` on its first error. */
export function waitReady(conn: RedisConnection): Promise<void> {
  if (conn.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      conn.off("error", onError);
      resolve();
    };
    const onError = (err: unknown) => {
      conn.off("ready", onReady);
      reject(unavailable(err));
    };
    conn.once("ready", onReady);
    conn.once("error", onError);
  });
}

/**
 * On a Redis Cluster, opens the connection to every primary now (ioredis opens each on its first
 * command) and to each server it finds later, and resolves once the primaries are ready; on a
 * single Redis, does nothing. With the offline queue off, ioredis refuses a command meeting a
 * connection still opening and retries it later on a random server: two commands of one key in
 * different turns could then reach Redis out of order. Open connections leave only those a server's
 * failure reopens to that path, where the {@link CommandQueue}'s lanes keep the order. Connections
 * are opened only while the client is ready (see `open`).
 */
export async function openPrimaries(conn: RedisConnection): Promise<void> {
  if (!conn.isCluster) return;
  const cluster = conn as Cluster;
  // Only while the client is ready. When every primary's connection is gone, ioredis reconnects the
  // whole client: it makes new connections (announced by `+node`) and, before it calls itself ready,
  // sends CLUSTER INFO through one of them; with the offline queue off it refuses to send that on a
  // connection still opening, and starts over. Opened by us then, the new connections were mostly
  // still opening at that check, and the client went round that loop for seconds (ninety rounds
  // were seen), every publish and command refused meanwhile. Left waiting, a connection takes the
  // check and opens itself; the rest are opened once the client is ready.
  const open = (node: Redis): void => {
    if (cluster.status === "ready" && node.status === "wait") node.connect().catch(() => {});
  };
  cluster.on("ready", () => {
    for (const node of cluster.nodes("all")) open(node);
  });
  // Later, not now: ioredis routes a command to the new connection right after announcing it, and a
  // connection left waiting takes that command (and opens itself), where one opening would refuse it.
  cluster.on("+node", (node: Redis) => setImmediate(() => open(node)));
  // ioredis drops a server whose connection broke, and finds it again only when it next reads the
  // slots: on a redirection, which publishes (naming no key) never meet. Until then the server is
  // out of reach, and once every primary has gone the whole client reconnects. So the slots are read
  // again soon after a loss, which reopens the connection of a server still up (and, for one that
  // is down, tries again at most every `REFRESH_AFTER_LOSS_MS`).
  let refresh: NodeJS.Timeout | undefined;
  let refreshedAt = 0;
  cluster.on("-node", () => {
    if (refresh !== undefined) return;
    const wait = Math.max(0, refreshedAt + REFRESH_AFTER_LOSS_MS - Date.now());
    refresh = setTimeout(() => {
      refresh = undefined;
      refreshedAt = Date.now();
      if (cluster.status === "ready") cluster.refreshSlotsCache();
    }, wait);
    refresh.unref();
  });
  await Promise.all(
    cluster.nodes("master").map((node) => {
      open(node);
      return opened(node);
    }),
  );
}

/** How soon after a server's connection is lost the slots are read again (see {@link openPrimaries}). */
const REFRESH_AFTER_LOSS_MS = 100;

/**
 * Resolves once a primary's connection is ready; rejects with `disconnected` on its first error, or
 * when it ends first (ioredis gives up on a server's connection at its first failure).
 */
function opened(node: Redis): Promise<void> {
  if (node.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      node.off("ready", onReady);
      node.off("error", onError);
      node.off("end", onEnd);
    };
    const onReady = () => {
      done();
      resolve();
    };
    const onError = (err: unknown) => {
      done();
      reject(unavailable(err));
    };
    const onEnd = () => onError(new Error("the connection to a primary ended while opening"));
    node.once("ready", onReady);
    node.once("error", onError);
    node.once("end", onEnd);
  });
}

/** Closes a connection politely, or at once when Redis does not answer. */
export async function quit(conn: RedisConnection | undefined): Promise<void> {
  if (conn === undefined) return;
  try {
    await conn.quit();
  } catch {
    conn.disconnect();
  }
}

/**
 * Opens an ioredis connection to `url` that fails fast while Redis is away (no offline queue) and
 * keeps reconnecting: at once the first time, then at most every 2 s. ioredis is loaded only here, so a server without Redis
 * never needs it.
 */
export async function openRedis(url = "redis://127.0.0.1:6379"): Promise<RedisConnection> {
  type RedisModule = {
    Redis?: typeof import("ioredis").Redis;
    default?: { Redis?: typeof import("ioredis").Redis };
  };
  let mod: RedisModule;
  try {
    mod = (await import("ioredis")) as unknown as RedisModule;
  } catch (err) {
    throw HeraldError.from(
      err,
      "unsupported",
      'Redis clustering needs the "ioredis" package: npm install ioredis',
    );
  }
  // Named export under ESM, or only the CommonJS namespace depending on the loader.
  const RedisClass = mod.Redis ?? mod.default?.Redis;
  if (RedisClass === undefined)
    throw new HeraldError("unsupported", "the installed ioredis has no Redis class");
  return new RedisClass(url, {
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    // A cut connection to a Redis that is still up comes back at once: what a node publishes meanwhile
    // is held only briefly (see `CommandQueue`), so the first try does not wait. Then 100 ms more each
    // time, up to 2 s.
    retryStrategy: (times: number) => (times === 1 ? 0 : Math.min(100 * (times - 1), 2000)),
  });
}
