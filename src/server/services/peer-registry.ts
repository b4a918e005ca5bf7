import { type Audience, type ClusterAdapter, userRoom } from "../cluster/cluster-adapter.js";
import { frameOf, type RemoteFrame } from "../cluster/remote-frame.js";
import { inAudience } from "../cluster/shared-presence.js";
import type { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";

/**
 * Every connected peer, by id and by user. In a cluster (see {@link useCluster}) this node listens
 * to each connected user's room, so what is sent to a user reaches their peers on every node.
 */
export class PeerRegistry {
  private readonly byId = new Map<string, Peer>();
  private readonly byUser = new Map<string, Set<Peer>>();
  private cluster: ClusterAdapter | undefined;
  private onClusterError: (err: unknown) => void = () => {};

  /** Shares users' rooms with the other nodes of a cluster; `onError` hears of background failures. */
  useCluster(cluster: ClusterAdapter, onError: (err: unknown) => void): void {
    this.cluster = cluster;
    this.onClusterError = onError;
  }

  add(peer: Peer): void {
    this.byId.set(peer.id, peer);
    let set = this.byUser.get(peer.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(peer.userId, set);
      this.cluster?.subscribe(userRoom(peer.userId)).catch(this.onClusterError);
    }
    set.add(peer);
  }

  remove(peer: Peer): void {
    if (!this.byId.delete(peer.id)) return;
    const set = this.byUser.get(peer.userId);
    if (set === undefined) return;
    set.delete(peer);
    if (set.size === 0) {
      this.byUser.delete(peer.userId);
      this.cluster?.unsubscribe(userRoom(peer.userId));
    }
  }

  /** The user's connected peers on this node (empty when none). */
  ofUser(userId: string): ReadonlySet<Peer> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** Sends one encoded message to every peer of a user, on every node. */
  sendToUser(userId: string, out: Outgoing): void {
    for (const s of this.ofUser(userId)) s.send(out);
    this.cluster?.publish(userRoom(userId), frameOf(out));
  }

  /** Delivers a message from another node to this node's peers of a user. */
  deliverRemote(userId: string, frame: RemoteFrame, audience: Audience): void {
    if (!inAudience(audience, userId)) return;
    for (const s of this.ofUser(userId)) s.send(frame);
  }

  all(): IterableIterator<Peer> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
