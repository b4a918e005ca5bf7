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

/**
 * What several in-process nodes share: their presences and a message bus. A single server never
 * needs one (each adapter makes its own); tests and embedded setups with several nodes in one
 * process pass the same bus to each.
 */
export class MemoryBus {
  /** Presences by stream, then session id. */
  readonly streams = new Map<Stream, Map<string, ClusterPresence>>();
  readonly nodes = new Set<MemoryClusterAdapter>();
  /** Recently changed invisible flags: the flag, and until when it counts as recent. */
  readonly flags = new Map<string, { invisible: boolean; until: number }>();
}

/** Options of {@link MemoryClusterAdapter}. */
export interface MemoryClusterAdapterOptions {
  /** @default a random UUID */
  nodeId?: string;
  /** Shared with other in-process nodes. @default a bus of its own (a single node) */
  bus?: MemoryBus;
}

/**
 * The cluster adapter of a single process: presences live in memory and there is no other node to
 * publish to (unless several adapters share a {@link MemoryBus}). Messages are delivered on a later
 * microtask, as a network adapter would, never inside `publish`.
 */
export class MemoryClusterAdapter extends AdapterBase implements ClusterAdapter {
  private readonly bus: MemoryBus;

  constructor(options: MemoryClusterAdapterOptions = {}) {
    super(options.nodeId);
    this.bus = options.bus ?? new MemoryBus();
  }

  async start(): Promise<void> {
    this.bus.nodes.add(this);
  }

  async close(): Promise<void> {
    this.bus.nodes.delete(this);
    for (const [stream, presences] of this.bus.streams) {
      const leaves: ClusterPresence[] = [];
      for (const [sid, p] of presences) {
        if (p.node !== this.nodeId) continue;
        presences.delete(sid);
        if (!p.hidden) leaves.push(p);
      }
      if (presences.size === 0) this.bus.streams.delete(stream);
      if (leaves.length > 0) this.publish(stream, { kind: "presence", stream, joins: [], leaves });
    }
  }

  async subscribe(room: Room): Promise<void> {
    this.addInterest(room);
  }

  unsubscribe(room: Room): void {
    this.dropInterest(room);
  }

  publish(room: Room, message: ClusterMessage): void {
    for (const node of this.bus.nodes) {
      if (node === this || !node.interest.has(room)) continue;
      queueMicrotask(() => node.emitter.emit("message", room, message));
    }
  }

  async setPresence(stream: Stream, presence: Omit<ClusterPresence, "node">): Promise<void> {
    let presences = this.bus.streams.get(stream);
    if (presences === undefined) {
      presences = new Map();
      this.bus.streams.set(stream, presences);
    }
    presences.set(presence.sessionId, { ...presence, node: this.nodeId });
  }

  async removePresence(stream: Stream, sessionId: string): Promise<ClusterPresence | undefined> {
    const presences = this.bus.streams.get(stream);
    const p = presences?.get(sessionId);
    if (presences === undefined || p === undefined) return undefined;
    presences.delete(sessionId);
    if (presences.size === 0) this.bus.streams.delete(stream);
    return p;
  }

  async presences(stream: Stream): Promise<ClusterPresence[]> {
    return [...(this.bus.streams.get(stream)?.values() ?? [])].sort(byChange);
  }

  async onlineUsers(userIds: readonly string[]): Promise<Set<string>> {
    const online = new Set<string>();
    for (const userId of userIds) {
      for (const p of this.bus.streams.get(statusStream(userId))?.values() ?? []) {
        if (!p.hidden) online.add(userId);
      }
    }
    return online;
  }

  async noteInvisible(userId: string, invisible: boolean): Promise<void> {
    this.bus.flags.set(userId, { invisible, until: Date.now() + RECENT_FLAG_MS });
  }

  async recentInvisible(userIds: readonly string[]): Promise<Map<string, boolean>> {
    const recent = new Map<string, boolean>();
    const now = Date.now();
    for (const userId of userIds) {
      const flag = this.bus.flags.get(userId);
      if (flag === undefined) continue;
      if (flag.until > now) recent.set(userId, flag.invisible);
      else this.bus.flags.delete(userId);
    }
    return recent;
  }

  /** Nodes on one memory bus never die apart: nothing to run. */
  beforeLeaves(_hook: (info: NodeDown) => Promise<void>): () => void {
    return () => {};
  }
}
