import type { ClusterPresence, Room, Stream } from "./cluster-adapter.js";

/**
 * The names of the Redis adapter's keys and pub/sub channels, under one prefix. The part in braces
 * is the hash tag: a Redis Cluster keeps each stream's hash, and each node's keys, in one slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The hash of a stream's presences, session id -> presence (JSON). */
  presence(stream: Stream): string {
    return `${this.prefix}p:{${stream}}`;
  }

  /** A node's keys: its index of presences, its lease, the mark left by its reaper, the reaper's claim. */
  node(node: string, what: "p" | "lease" | "reaped" | "reaper"): string {
    return `${this.prefix}n:{${node}}:${what}`;
  }

  /** The set of the nodes' ids. */
  get nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** A user's recently changed invisible flag. */
  flag(userId: string): string {
    return `${this.prefix}inv:{${userId}}`;
  }

  /** The pub/sub channel of a room. */
  channel(room: Room): string {
    return `${this.prefix}room:${room}`;
  }

  /** The room of a pub/sub channel (the inverse of {@link channel}). */
  roomOf(channel: string): Room {
    return channel.slice(this.prefix.length + "room:".length) as Room;
  }
}

/** A presence one node wrote, with its stream. */
export interface Owned {
  stream: Stream;
  presence: ClusterPresence;
}

/** A presence's entry in its node's index (a set member): stream and session id. */
export function ownKey(stream: Stream, sessionId: string): string {
  return `${stream}\n${sessionId}`;
}

/** The stream and session id of an index entry (see {@link ownKey}). */
export function parseOwnKey(entry: string): { stream: Stream; sessionId: string } {
  const cut = entry.lastIndexOf("\n");
  return { stream: entry.slice(0, cut) as Stream, sessionId: entry.slice(cut + 1) };
}

/** A stored presence, or undefined for none or one that does not parse. */
export function parsePresence(json: string | null | undefined): ClusterPresence | undefined {
  if (json === null || json === undefined) return undefined;
  try {
    return JSON.parse(json) as ClusterPresence;
  } catch {
    return undefined;
  }
}

/** The visible presences of `entries`, by stream. */
export function groupVisible(entries: Owned[]): Map<Stream, ClusterPresence[]> {
  const byStream = new Map<Stream, ClusterPresence[]>();
  for (const { stream, presence } of entries) {
    if (presence.hidden) continue;
    const list = byStream.get(stream);
    if (list === undefined) byStream.set(stream, [presence]);
    else list.push(presence);
  }
  return byStream;
}
