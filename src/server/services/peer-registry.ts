import type { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";

/** Every connected peer, by id and by user. */
export class PeerRegistry {
  private readonly byId = new Map<string, Peer>();
  private readonly byUser = new Map<string, Set<Peer>>();

  add(peer: Peer): void {
    this.byId.set(peer.id, peer);
    let set = this.byUser.get(peer.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(peer.userId, set);
    }
    set.add(peer);
  }

  remove(peer: Peer): void {
    this.byId.delete(peer.id);
    const set = this.byUser.get(peer.userId);
    if (set === undefined) return;
    set.delete(peer);
    if (set.size === 0) this.byUser.delete(peer.userId);
  }

  /** The user's connected peers (empty when none). */
  ofUser(userId: string): ReadonlySet<Peer> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** Sends one encoded message to every peer of a user. */
  sendToUser(userId: string, out: Outgoing): void {
    for (const s of this.ofUser(userId)) s.send(out);
  }

  all(): IterableIterator<Peer> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
