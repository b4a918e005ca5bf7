import type { UserPresenceInit } from "../../gen/wire.js";
import { type Audience, type ClusterAdapter, statusStream } from "../cluster/cluster-adapter.js";
import { frameOf, type RemoteFrame } from "../cluster/remote-frame.js";
import { audienceOf, statusPresenceOf, toShared } from "../cluster/shared-presence.js";
import { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";

/** The status stream of one user: peers visible on it, and peers following it. */
interface Stream {
  visible: Map<string, Peer>;
  followers: Set<Peer>;
}

/**
 * Status presences. Each user has a stream; a peer with a status is visible on its own user's
 * stream, and a follow puts the follower on the followed user's stream. An event on a stream goes
 * to everyone on it, so (as on stock Nakama) a user sees their own status changes, and a peer
 * leaving the stream does not receive its own leave.
 *
 * In a cluster (see {@link useCluster}) each visible peer is also written to the shared presences,
 * each event is published once for the other nodes, as the frame encoded for this node's sockets
 * (so a receiving node encodes nothing it got in its sockets' format), and a node listens to a
 * user's stream while one of its peers follows the user or is visible on it.
 */
export class StatusTracker {
  private readonly streams = new Map<string, Stream>();
  private cluster: ClusterAdapter | undefined;
  private onClusterError: (err: unknown) => void = () => {};

  /**
   * @param isInvisible whether a user is invisible: their status events then reach only their own
   *   peers, and follows by others do not list their presences.
   */
  constructor(private readonly isInvisible: (userId: string) => boolean = () => false) {}

  /**
   * Shares status streams with the other nodes of a cluster; `onError` hears of background
   * failures (a presence not written while Redis is away: the adapter writes it again).
   */
  useCluster(cluster: ClusterAdapter, onError: (err: unknown) => void): void {
    this.cluster = cluster;
    this.onClusterError = onError;
  }

  /**
   * The users among `userIds` who are invisible now. In a cluster this node's flags may be stale
   * (a change made through another node is still on its way), so a change the cluster recorded
   * recently overrides them: one Redis round trip (the adapter sends a turn's commands together, so
   * the reads of many sockets' updates and follows share it). Rejects with `disconnected` when
   * Redis is away.
   */
  async invisibleNow(userIds: readonly string[]): Promise<Set<string>> {
    const recent =
      userIds.length > 0 && this.cluster !== undefined
        ? await this.cluster.recentInvisible(userIds)
        : undefined;
    const invisible = new Set<string>();
    for (const id of userIds) if (recent?.get(id) ?? this.isInvisible(id)) invisible.add(id);
    return invisible;
  }

  /** True when streams are shared with other nodes (follows must then use {@link followShared}). */
  get shared(): boolean {
    return this.cluster !== undefined;
  }

  private stream(userId: string): Stream {
    let s = this.streams.get(userId);
    if (s === undefined) {
      s = { visible: new Map(), followers: new Set() };
      this.streams.set(userId, s);
    }
    return s;
  }

  private prune(userId: string): void {
    const s = this.streams.get(userId);
    if (s !== undefined && s.visible.size === 0 && s.followers.size === 0) this.streams.delete(userId);
  }

  private static presence(peer: Peer, status: string): UserPresenceInit {
    return { userId: peer.userId, sessionId: peer.id, username: peer.username, status };
  }

  /**
   * Sends an event to everyone on a user's stream. `audience` narrows it to the user's own
   * peers or to everyone else's; an invisible user's events reach only their own peers.
   */
  private emit(
    userId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: "all" | "self" | "others" = "all",
    invisible = this.isInvisible(userId),
  ): void {
    const to = audience === "all" && invisible ? "self" : audience;
    const out = new Outgoing({ kind: "statusPresenceEvent", body: { joins, leaves } });
    this.emitLocal(userId, out, to);
    if (this.cluster !== undefined) {
      // After the local sends: the encodings made for them cross as they are.
      this.cluster.publish(statusStream(userId), {
        ...frameOf(out),
        ...(to === "self" ? audienceOf(undefined, userId) : audienceOf(to === "others" ? userId : undefined)),
      });
    }
  }

  /** Sends an event to this node's peers on a user's stream. */
  private emitLocal(userId: string, out: Outgoing | RemoteFrame, to: "all" | "self" | "others"): void {
    const s = this.streams.get(userId);
    if (s === undefined) return;
    if (to === "all") {
      for (const peer of s.visible.values()) peer.send(out);
      // A peer both visible here and following its own user gets the event once.
      for (const peer of s.followers) if (!s.visible.has(peer.id)) peer.send(out);
      return;
    }
    const own = to === "self";
    if (own) for (const peer of s.visible.values()) peer.send(out);
    for (const peer of s.followers) {
      if ((peer.userId === userId) !== own) continue;
      if (!s.visible.has(peer.id)) peer.send(out);
    }
  }

  /**
   * Tells this node's peers on a user's stream about presences another node published as data (a
   * dead node's leaves, a node's presences announced again).
   */
  remotePresence(
    userId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: Audience,
  ): void {
    const out = new Outgoing({ kind: "statusPresenceEvent", body: { joins, leaves } });
    this.emitLocal(userId, out, StatusTracker.to(audience));
  }

  /** Delivers a status event another node encoded to this node's peers on the user's stream. */
  deliverRemote(userId: string, frame: RemoteFrame, audience: Audience): void {
    this.emitLocal(userId, frame, StatusTracker.to(audience));
  }

  /** Whom an audience on a status stream names: it only ever names the stream's own user. */
  private static to(audience: Audience): "all" | "self" | "others" {
    return audience.onlyUser !== undefined ? "self" : audience.exceptUser !== undefined ? "others" : "all";
  }

  /**
   * A user turned invisible (or visible again): everyone else following them sees each visible
   * peer (of this node) leave (or join), exactly as for a disconnect (or a new status).
   */
  setInvisible(userId: string, invisible: boolean): void {
    const s = this.streams.get(userId);
    if (s === undefined || s.visible.size === 0) return;
    const presences = [...s.visible.values()].map((v) => StatusTracker.presence(v, v.status ?? ""));
    if (invisible) this.emit(userId, [], presences, "others");
    else this.emit(userId, presences, [], "others");
    for (const peer of s.visible.values()) this.share(peer);
  }

  /** Writes (or removes) a peer's status presence for the other nodes. */
  private share(peer: Peer, invisible = this.isInvisible(peer.userId)): void {
    const cluster = this.cluster;
    if (cluster === undefined) return;
    const stream = statusStream(peer.userId);
    const status = peer.status;
    if (status === undefined) {
      cluster.removePresence(stream, peer.id).catch(this.onClusterError);
      return;
    }
    const presence = toShared(StatusTracker.presence(peer, status), { hidden: invisible });
    cluster.setPresence(stream, presence).catch(this.onClusterError);
  }

  /**
   * Sets (a string) or erases (undefined: appear offline) a peer's status, telling the stream.
   * `invisible` overrides this node's cached flag of the peer's user (see `Status.update`).
   */
  setStatus(peer: Peer, status: string | undefined, invisible = this.isInvisible(peer.userId)): void {
    const old = peer.status;
    if (status === undefined) {
      if (old === undefined) return;
      peer.status = undefined;
      const s = this.stream(peer.userId);
      s.visible.delete(peer.id);
      this.emit(peer.userId, [], [StatusTracker.presence(peer, old)], "all", invisible);
      this.prune(peer.userId);
      if (this.cluster !== undefined) {
        this.share(peer, invisible);
        this.cluster.unsubscribe(statusStream(peer.userId));
      }
      return;
    }
    peer.status = status;
    if (this.cluster !== undefined) {
      this.share(peer, invisible);
      // Visible on its own stream, the peer hears its user's other sessions on other nodes.
      if (old === undefined) this.cluster.subscribe(statusStream(peer.userId)).catch(this.onClusterError);
    }
    const visible = this.stream(peer.userId).visible;
    // Re-inserting keeps the map in order of last change, which statusOf relies on.
    visible.delete(peer.id);
    visible.set(peer.id, peer);
    this.emit(
      peer.userId,
      [StatusTracker.presence(peer, status)],
      old === undefined ? [] : [StatusTracker.presence(peer, old)],
      "all",
      invisible,
    );
  }

  /** Follows users; returns the visible presences they have now. */
  follow(peer: Peer, userIds: readonly string[]): UserPresenceInit[] {
    const presences: UserPresenceInit[] = [];
    for (const userId of new Set(userIds)) {
      peer.follows.add(userId);
      const s = this.stream(userId);
      s.followers.add(peer);
      if (userId !== peer.userId && this.isInvisible(userId)) continue;
      for (const v of s.visible.values()) presences.push(StatusTracker.presence(v, v.status ?? ""));
    }
    return presences;
  }

  /**
   * {@link follow} in a cluster: this node listens to the users' streams before the reply, which
   * lists the visible presences of every node. Rejects with `disconnected` when the cluster state is
   * unavailable, leaving the new follows out. A user is left out while invisible by any account:
   * a shared presence still marked visible, or this node's flag, may not have heard of a change
   * made through another node a moment ago, which {@link invisibleNow} reads.
   */
  async followShared(peer: Peer, userIds: readonly string[]): Promise<UserPresenceInit[]> {
    const cluster = this.cluster;
    if (cluster === undefined) return this.follow(peer, userIds);
    const ids = [...new Set(userIds)];
    const added = ids.filter((id) => !peer.follows.has(id));
    this.follow(peer, added);
    try {
      await Promise.all(added.map((id) => cluster.subscribe(statusStream(id))));
      const others = ids.filter((id) => id !== peer.userId);
      const [lists, invisible] = await Promise.all([
        Promise.all(ids.map((id) => cluster.presences(statusStream(id)))),
        this.invisibleNow(others),
      ]);
      const presences: UserPresenceInit[] = [];
      for (const [i, list] of lists.entries()) {
        const id = ids[i] as string;
        const own = id === peer.userId;
        // A presence still marked hidden while the user turns visible shows moments later, by the
        // join event of its node, which this follow (subscribed above) receives.
        if (!own && invisible.has(id)) continue;
        for (const p of list) if (!p.hidden || own) presences.push(statusPresenceOf(p));
      }
      return presences;
    } catch (err) {
      this.unfollow(peer, added);
      throw err;
    }
  }

  unfollow(peer: Peer, userIds: readonly string[]): void {
    for (const userId of userIds) {
      if (this.cluster !== undefined && peer.follows.has(userId))
        this.cluster.unsubscribe(statusStream(userId));
      peer.follows.delete(userId);
      this.streams.get(userId)?.followers.delete(peer);
      this.prune(userId);
    }
  }

  /** Ends a peer: its follows stop and its followers see it leave. */
  removePeer(peer: Peer): void {
    this.unfollow(peer, [...peer.follows]);
    this.setStatus(peer, undefined);
  }

  /** True while the user has a peer visible on the status stream. */
  isOnline(userId: string): boolean {
    return (this.streams.get(userId)?.visible.size ?? 0) > 0;
  }

  /** The status of the user's most recently changed visible peer, if any. */
  statusOf(userId: string): string | undefined {
    const visible = this.streams.get(userId)?.visible;
    if (visible === undefined) return undefined;
    let last: string | undefined;
    for (const s of visible.values()) last = s.status;
    return last;
  }
}
