import { HeraldError } from "../../errors.js";
import { AdapterBase } from "./adapter-base.js";
import {
  byChange,
  type ClusterAdapter,
  type ClusterMessage,
  type ClusterPresence,
  type NodeDown,
  RECENT_FLAG_MS,
  type Room,
  type Stream,
  statusStream,
} from "./cluster-adapter.js";
import { decodeClusterMessages, encodeClusterBatch, encodeClusterMessage } from "./cluster-wire.js";
import { type PublishOrder, receiveInOrder } from "./publish-order.js";
import {
  BatchScoped,
  type Command,
  CommandQueue,
  openPrimaries,
  openRedis,
  quit,
  type RedisConnection,
  unavailable,
  waitReady,
} from "./redis-connection.js";
import { groupVisible, type Owned, ownKey, parsePresence, RedisKeys } from "./redis-keys.js";
import { reapDeadNodes } from "./redis-reaper.js";

export type { RedisConnection } from "./redis-connection.js";

/** Options of {@link RedisClusterAdapter}. */
export interface RedisClusterAdapterOptions {
  /** Where Redis is. Ignored when `createClient` is given. @default "redis://127.0.0.1:6379" */
  url?: string;
  /**
   * Makes a connection (called twice: commands, and subscriptions); for a Redis Cluster, return an
   * ioredis `Cluster`. Give it `enableOfflineQueue: false`, so calls fail fast while Redis is down.
   * @default an ioredis client for `url`
   */
  createClient?: () => RedisConnection | Promise<RedisConnection>;
  /** This node's id, unique in the cluster. @default a random UUID */
  nodeId?: string;
  /** Prefix of every key and pub/sub channel, so several deployments can share one Redis. @default "herald:" */
  keyPrefix?: string;
  /** How often the node renews its lease and looks for dead nodes. @default 1000 */
  heartbeatMs?: number;
  /**
   * How long a lease lasts without renewal. A node that stops (kill -9, a network split) has its
   * presences removed everywhere, with leave events, within `leaseMs + heartbeatMs`.
   * @default 5000
   */
  leaseMs?: number;
  /**
   * Single Redis only: how long a publish is held while the connection is not ready (cut,
   * reconnecting) before it is given up and reported. A connection cut while Redis stays up is
   * back well within the default; raise it for a network where reconnecting takes longer.
   * @default 300
   */
  publishHoldMs?: number;
}

/**
 * The cluster adapter on Redis. Messages go through pub/sub, one channel per room, subscribed only by
 * the nodes with an audience in it, so a broadcast is published once and each interested node gets
 * it once. Presences live in one hash per stream, plus one set per node listing its entries; each
 * node renews a lease key, and a node whose lease has expired is cleaned up by the first survivor to
 * notice it, which removes its presences and publishes their leaves.
 *
 * Every command touches a single key (no MULTI across keys, no scripts), and keys carry hash tags,
 * so the same code runs on a single Redis, a managed one, or a Redis Cluster.
 */
export class RedisClusterAdapter extends AdapterBase implements ClusterAdapter {
  /** @internal Read by the reaper. */
  readonly keys: RedisKeys;
  private readonly heartbeatMs: number;
  /** @internal Read by the reaper. */
  readonly leaseMs: number;
  private readonly owned = new Map<string, Owned>();
  /** Keys of `owned` known to be in this node's index in Redis (cleared when Redis may have lost it). */
  private readonly indexed = new Set<string>();
  private cmd: RedisConnection | undefined;
  /** Every command of the command connection goes through it, so commands keep their order. */
  private readonly queue = new CommandQueue(() => this.cmd);
  private sub: RedisConnection | undefined;
  /** Puts the publishes `sub` gets back in their senders' order. */
  private order: PublishOrder | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /**
   * Flag reads queued in the command queue's current batch, by user: the status updates and
   * follows of one turn that read the same user's flag share one `GET` (a socket's staged burst of
   * updates, or many followers, would otherwise send the same read many times in one pipeline).
   */
  private readonly flagReads = new BatchScoped<Promise<unknown>>(this.queue);
  /**
   * Presence writes queued in the current batch, by {@link ownKey}: a later write of the same
   * presence in the same batch (a session's burst of status updates) replaces the value its queued
   * `HSET` carries instead of sending another one.
   */
  private readonly presenceWrites = new BatchScoped<{ command: Command; written: Promise<void> }>(this.queue);
  private registered = false;
  private dropping = 0;
  /** The broadcasts the last publish queued carries (later ones on its room may join it). */
  private lastPublish: { broadcasts: number } | undefined;
  private closed = false;

  constructor(private readonly options: RedisClusterAdapterOptions = {}) {
    super(options.nodeId);
    this.keys = new RedisKeys(options.keyPrefix ?? "herald:");
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 5000;
    if (!(this.leaseMs > this.heartbeatMs && this.heartbeatMs > 0)) {
      throw new HeraldError("bad_input", "leaseMs must be longer than heartbeatMs, and both positive");
    }
    const { publishHoldMs } = options;
    if (publishHoldMs !== undefined && !(publishHoldMs >= 0 && publishHoldMs <= 60_000)) {
      throw new HeraldError("bad_input", "publishHoldMs must be a number of milliseconds from 0 to 60000");
    }
    if (publishHoldMs !== undefined) this.queue.holdMs = publishHoldMs;
  }

  private connect(): Promise<RedisConnection> {
    const { createClient, url } = this.options;
    return createClient !== undefined ? Promise.resolve(createClient()) : openRedis(url);
  }

  async start(): Promise<void> {
    const [cmd, sub] = await Promise.all([this.connect(), this.connect()]);
    this.cmd = cmd;
    this.sub = sub;
    for (const conn of [cmd, sub]) conn.on("error", (err: unknown) => this.emitter.emit("error", err));
    // Each node's publishes in the order it issued them, whichever way they crossed a Redis Cluster.
    this.order = receiveInOrder(sub, (channel, data) => this.receive(channel, data));
    // After a reconnect: subscribe again, and renew at once (Redis may have lost everything).
    sub.on("ready", () => {
      void this.resubscribe().then((again) => {
        if (again) this.emitter.emit("resubscribed");
      });
    });
    cmd.on("ready", () => {
      if (this.registered) void this.heartbeat();
    });
    try {
      await Promise.all([waitReady(cmd), waitReady(sub)]);
      await openPrimaries(cmd);
      await this.resubscribe();
      await this.beat();
    } catch (err) {
      // Without this the clients would keep reconnecting (and the process running) forever.
      cmd.disconnect();
      sub.disconnect();
      this.cmd = undefined;
      this.sub = undefined;
      throw HeraldError.is(err) ? err : unavailable(err);
    }
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  async subscribe(room: Room): Promise<void> {
    this.addInterest(room);
    // Before start, the subscription is made by start itself.
    if (this.sub === undefined) return;
    // Subscribing again is harmless, and makes a second member's await mean the same as the first's.
    try {
      await this.sub.subscribe(this.keys.channel(room));
    } catch (err) {
      throw unavailable(err);
    }
  }

  unsubscribe(room: Room): void {
    if (!this.dropInterest(room)) return;
    this.order?.forget(this.keys.channel(room));
    this.sub?.unsubscribe(this.keys.channel(room)).catch((err: unknown) => this.emitter.emit("error", err));
  }

  /** Subscribes to every room of interest; true when there were some and it worked. */
  private async resubscribe(): Promise<boolean> {
    if (this.sub === undefined || this.interest.size === 0) return false;
    const channels = [...this.interest.keys()].map((room) => this.keys.channel(room));
    try {
      await this.sub.subscribe(...channels);
      return true;
    } catch (err) {
      this.emitter.emit("error", err);
      return false;
    }
  }

  private receive(channel: Buffer, data: Buffer): void {
    const name = channel.toString("utf8");
    const room = this.keys.roomOf(name);
    if (!this.interest.has(room)) return;
    for (const { origin, message } of decodeClusterMessages(data)) {
      if (origin !== this.nodeId) this.emitter.emit("message", room, message);
    }
  }

  publish(room: Room, message: ClusterMessage): void {
    this.publishAs(this.nodeId, room, message);
  }

  /** @internal Publishes as if from node `origin` (the reaper, for a dead node's leaves). */
  publishAs(origin: string, room: Room, message: ClusterMessage): void {
    if (this.cmd === undefined || this.closed) return;
    // While Redis is down the message is dropped, not queued: a late presence event would be wrong,
    // and chat messages are in history anyway. Only while the connection comes back is it held, for
    // a moment (see `CommandQueue`).
    const channel = this.keys.channel(room);
    const sent = this.queue.publish(channel, encodeClusterMessage(origin, message), encodeClusterBatch);
    if (sent === undefined) {
      // Joined the publish queued just before (the last one queued here), which reports for both.
      if (this.lastPublish !== undefined) this.lastPublish.broadcasts += 1;
      return;
    }
    const publish = { broadcasts: 1 };
    this.lastPublish = publish;
    sent.then(
      () => {
        this.dropping = 0;
      },
      (err: unknown) => {
        // One report per outage, not one per broadcast.
        if (this.dropping === 0) this.emitter.emit("error", err);
        this.dropping += publish.broadcasts;
      },
    );
  }

  private publishCommand(origin: string, room: Room, message: ClusterMessage): Command {
    return ["publish", this.keys.channel(room), encodeClusterMessage(origin, message)];
  }

  /** Broadcasts dropped since the last one Redis took (0 while all is well). */
  get droppedBroadcasts(): number {
    return this.dropping;
  }

  async setPresence(stream: Stream, presence: Omit<ClusterPresence, "node">): Promise<void> {
    const full: ClusterPresence = { ...presence, node: this.nodeId };
    const key = ownKey(stream, full.sessionId);
    // Kept locally first: if Redis is down now, the next announcement after it returns has it.
    this.owned.set(key, { stream, presence: full });
    this.required();
    const writes = this.presenceWrites.current;
    const queued = writes.get(key);
    if (queued !== undefined) {
      // Not written yet: the queued command takes the newer value (the hash only keeps the last).
      queued.command[3] = JSON.stringify(full);
      return queued.written;
    }
    const hset: Command = ["hset", this.keys.presence(stream), full.sessionId, JSON.stringify(full)];
    const written = this.write([{ stream, presence: full }], hset);
    writes.set(key, { command: hset, written });
    await written;
  }

  /** Writes presences (`hset`: the command to use for a single entry's value, to amend later). */
  private async write(entries: Owned[], hset?: Command): Promise<void> {
    this.required();
    const commands: Command[] = [];
    const indexing: string[] = [];
    for (const { stream, presence } of entries) {
      const key = ownKey(stream, presence.sessionId);
      // The node's index first: if the node dies in between, its reaper just finds nothing to remove.
      // A changed presence (a new status) already indexed needs one command, not two.
      if (!this.indexed.has(key)) {
        commands.push(["sadd", this.keys.node(this.nodeId, "p"), key]);
        indexing.push(key);
      }
      commands.push(
        hset ?? ["hset", this.keys.presence(stream), presence.sessionId, JSON.stringify(presence)],
      );
    }
    await this.queue.sendAll(commands);
    for (const key of indexing) if (this.owned.has(key)) this.indexed.add(key);
  }

  async removePresence(stream: Stream, sessionId: string): Promise<ClusterPresence | undefined> {
    // A write queued before this removal must not be amended after it: it would be undone by it.
    this.presenceWrites.current.delete(ownKey(stream, sessionId));
    const mine = this.owned.get(ownKey(stream, sessionId));
    this.owned.delete(ownKey(stream, sessionId));
    this.indexed.delete(ownKey(stream, sessionId));
    const results = await this.run([
      ["hget", this.keys.presence(stream), sessionId],
      ["hdel", this.keys.presence(stream), sessionId],
      ["srem", this.keys.node(this.nodeId, "p"), ownKey(stream, sessionId)],
    ]);
    return parsePresence(results[0] as string | null) ?? mine?.presence;
  }

  async presences(stream: Stream): Promise<ClusterPresence[]> {
    const [values] = (await this.run([["hvals", this.keys.presence(stream)]])) as [string[]];
    const list: ClusterPresence[] = [];
    for (const v of values) {
      const p = parsePresence(v);
      if (p !== undefined) list.push(p);
    }
    return list.sort(byChange);
  }

  async onlineUsers(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return online;
    const results = await this.run(ids.map((id) => ["hvals", this.keys.presence(statusStream(id))]));
    for (const [i, values] of results.entries()) {
      for (const v of (values as string[] | null) ?? []) {
        if (parsePresence(v)?.hidden === false) {
          online.add(ids[i] as string);
          break;
        }
      }
    }
    return online;
  }

  async noteInvisible(userId: string, invisible: boolean): Promise<void> {
    // A read queued after this write must see it: it may not share a read queued before.
    this.flagReads.current.delete(userId);
    await this.run([["set", this.keys.flag(userId), invisible ? "1" : "0", "PX", RECENT_FLAG_MS]]);
  }

  async recentInvisible(userIds: readonly string[]): Promise<Map<string, boolean>> {
    const recent = new Map<string, boolean>();
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return recent;
    this.required();
    const values = await Promise.all(ids.map((id) => this.flagRead(id)));
    for (const [i, v] of values.entries())
      if (v === "1" || v === "0") recent.set(ids[i] as string, v === "1");
    return recent;
  }

  /** The user's recent flag (`GET`), shared with the reads of the same user queued in this batch. */
  private flagRead(userId: string): Promise<unknown> {
    const reads = this.flagReads.current;
    let read = reads.get(userId);
    if (read === undefined) {
      read = this.queue.send(["get", this.keys.flag(userId)]);
      reads.set(userId, read);
    }
    return read;
  }

  private required(): RedisConnection {
    if (this.cmd === undefined || this.closed)
      throw new HeraldError("disconnected", "the cluster adapter is not running");
    return this.cmd;
  }

  /** @internal Runs commands in this turn's pipeline; rejects with `disconnected` if any failed. */
  async run(commands: Command[]): Promise<unknown[]> {
    this.required();
    return this.queue.sendAll(commands);
  }

  /** @internal Reports a dead node this node cleaned up. */
  nodeDown(info: NodeDown): void {
    this.emitter.emit("nodeDown", info);
  }

  /** @internal Reports a failed clean-up of a dead node (it runs apart from the heartbeat). */
  reportError(err: unknown): void {
    this.emitter.emit("error", err);
  }

  /** @internal Runs the hooks that must finish before a dead node's leaves go out. */
  async settle(info: NodeDown): Promise<void> {
    const results = await Promise.allSettled([...this.settlers].map((hook) => hook(info)));
    for (const r of results) if (r.status === "rejected") this.emitter.emit("error", r.reason);
  }

  private readonly settlers = new Set<(info: NodeDown) => Promise<void>>();

  beforeLeaves(hook: (info: NodeDown) => Promise<void>): () => void {
    this.settlers.add(hook);
    return () => {
      this.settlers.delete(hook);
    };
  }

  /** Renews the lease, notices lost state, and cleans up dead nodes. One at a time. */
  private heartbeat(): Promise<void> {
    this.beating ??= this.beat()
      .catch((err: unknown) => this.emitter.emit("error", err))
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    const results = await this.run([
      ["set", this.keys.node(this.nodeId, "lease"), String(Date.now()), "PX", this.leaseMs],
      ["sadd", this.keys.nodes, this.nodeId],
      ["get", this.keys.node(this.nodeId, "reaped")],
      ["del", this.keys.node(this.nodeId, "reaped")],
    ]);
    const added = results[1] === 1;
    const reaped = results[2] !== null;
    // Newly added after the first time: Redis lost its data, or another node took this one for dead.
    if (this.registered && (added || reaped)) await this.reannounce(reaped);
    this.registered = true;
    await reapDeadNodes(this);
  }

  private async reannounce(reaped: boolean): Promise<void> {
    // Redis lost this node's index (a restart), or a reaper deleted it: everything is indexed again.
    this.indexed.clear();
    const entries = [...this.owned.values()];
    if (entries.length > 0) await this.write(entries);
    // Others saw this node's presences leave when it was reaped: show them joining again.
    if (reaped) {
      for (const [stream, joins] of groupVisible(entries)) {
        this.publish(stream, { kind: "presence", stream, joins, leaves: [] });
      }
    }
    this.emitter.emit("reannounced", { reaped });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.beating;
    const entries = [...this.owned.values()];
    this.owned.clear();
    this.indexed.clear();
    try {
      if (this.cmd !== undefined) {
        await this.queue.sendAll([
          ...entries.map(
            ({ stream, presence }): Command => ["hdel", this.keys.presence(stream), presence.sessionId],
          ),
          ["del", this.keys.node(this.nodeId, "p")],
          ["del", this.keys.node(this.nodeId, "lease")],
          ["srem", this.keys.nodes, this.nodeId],
        ]);
        // Awaited, so that the leaves are out before the connection quits.
        await this.queue.sendAll(
          [...groupVisible(entries)].map(([stream, leaves]) =>
            this.publishCommand(this.nodeId, stream, { kind: "presence", stream, joins: [], leaves }),
          ),
        );
      }
    } catch (err) {
      // Redis is away: the lease runs out and another node publishes the leaves instead.
      this.emitter.emit("error", err);
    } finally {
      this.closed = true;
      await Promise.all([quit(this.cmd), quit(this.sub)]);
    }
  }
}
