import { type ClusterAdapter, userRoom } from "../cluster/cluster-adapter.js";
import type { AsyncUserStore } from "../storage/async-storage.js";
import type { ChannelRegistry } from "./channel-registry.js";
import type { PeerRegistry } from "./peer-registry.js";
import type { StatusTracker } from "./status-tracker.js";

/**
 * Which users are invisible. The flag is stored on the user and lasts until turned off; while it
 * is on, the user appears offline to everyone else: no status events, follows list nothing, and
 * channel presences are hidden. The user's own peers still see their true state.
 */
export class Visibility {
  private readonly invisible = new Set<string>();
  private status: StatusTracker | undefined;
  private channels: ChannelRegistry | undefined;
  private peers: PeerRegistry | undefined;
  private cluster: ClusterAdapter | undefined;

  constructor(private readonly users: AsyncUserStore) {}

  /** Connects the live state that changes when a user's visibility does. */
  attach(status: StatusTracker, channels: ChannelRegistry, peers: PeerRegistry): void {
    this.status = status;
    this.channels = channels;
    this.peers = peers;
  }

  /** Tells the other nodes of a cluster when a user's visibility changes. */
  useCluster(cluster: ClusterAdapter): void {
    this.cluster = cluster;
  }

  isInvisible(userId: string): boolean {
    return this.invisible.has(userId);
  }

  /** Takes in the stored flag of a user who connects. */
  load(userId: string, invisible: boolean): void {
    if (invisible) this.invisible.add(userId);
    else this.invisible.delete(userId);
  }

  /** Stores a user's flag and, if it changed, updates what everyone else sees now. */
  async set(userId: string, invisible: boolean): Promise<void> {
    const row = await this.users.byId(userId);
    if (row === undefined) return;
    const was = row.invisible === 1;
    if (was === invisible) {
      this.load(userId, invisible);
      return;
    }
    // In a cluster, recorded first: until their message arrives, other nodes read it there (see
    // `Status`). With Redis away the change fails here, before anything is stored.
    await this.cluster?.noteInvisible(userId, invisible);
    try {
      await this.users.update(userId, { invisible });
    } catch (err) {
      // Not stored: the recorded change must not stand, or other nodes would go by it for a minute.
      await this.cluster?.noteInvisible(userId, was).catch(() => {});
      throw err;
    }
    this.load(userId, invisible);
    await this.apply(userId, invisible);
    this.cluster?.publish(userRoom(userId), { kind: "invisible", userId, invisible });
  }

  /** A user's visibility changed (here, or on another node): updates what others see of this node's peers. */
  async apply(userId: string, invisible: boolean): Promise<void> {
    this.load(userId, invisible);
    // Visible again while connected: others' view of last_active resumes from now.
    if (!invisible && (this.peers?.ofUser(userId).size ?? 0) > 0)
      await this.users.touchLastActive([userId], Date.now());
    this.status?.setInvisible(userId, invisible);
    this.channels?.setInvisible(userId, invisible, this.peers?.ofUser(userId) ?? []);
  }
}
