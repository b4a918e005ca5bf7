import type { UserPresenceInit } from "../../gen/wire.js";
import type { Logger } from "../logger.js";
import type {
  Audience,
  ChangeOf,
  ClusterAdapter,
  ClusterMessage,
  Room,
  StoredOrder,
} from "./cluster-adapter.js";
import { RemoteFrame } from "./remote-frame.js";
import { channelPresenceOf, statusPresenceOf } from "./shared-presence.js";

type OnError = (err: unknown) => void;

// What the node needs of the services' live registries, declared here so this layer imports none.

/** The channel registry's side of a cluster. */
export interface SharedChannels {
  useCluster(cluster: ClusterAdapter, onError: OnError): void;
  /**
   * A stored message's frame carries its place in history, an edit's or removal's the message it
   * changes, to be delivered in that order.
   */
  deliverRemote(
    channelId: string,
    frame: RemoteFrame,
    audience: Audience & Partial<StoredOrder> & Partial<ChangeOf>,
  ): void;
  /** Another node stored the channel's message `seq` (see `StoredTips`). */
  tip(channelId: string, seq: number): void;
  /** Tells every node the newest stored seq of these channels, read from storage. */
  tipFromStorage(channelIds: Iterable<string>): Promise<void>;
  /** Stops telling other nodes what this node stored. */
  stopTips(): void;
  remotePresence(
    channelId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: Audience,
  ): void;
  removeLocalUser(channelId: string, userId: string): void;
  /** Reads back the stored messages this node may have missed (its subscription was lost). */
  refill(): void;
}

/** The status tracker's side of a cluster. */
export interface SharedStatus {
  useCluster(cluster: ClusterAdapter, onError: OnError): void;
  deliverRemote(userId: string, frame: RemoteFrame, audience: Audience): void;
  remotePresence(
    userId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: Audience,
  ): void;
}

/** The peer registry's side of a cluster. */
export interface SharedPeers {
  useCluster(cluster: ClusterAdapter, onError: OnError): void;
  deliverRemote(userId: string, frame: RemoteFrame, audience: Audience): void;
}

/** Visibility's side of a cluster. */
export interface SharedVisibility {
  useCluster(cluster: ClusterAdapter): void;
  apply(userId: string, invisible: boolean): Promise<void>;
}

/** What a node of a cluster connects to the adapter. */
export interface ClusterNodeDeps {
  adapter: ClusterAdapter;
  channels: SharedChannels;
  status: SharedStatus;
  peers: SharedPeers;
  visibility: SharedVisibility;
  /**
   * Sets the `last_active` of users whose sessions died with another node; their leaves are
   * published once it resolves.
   */
  touchLastActive: (userIds: Iterable<string>, at: number) => Promise<void>;
  logger: Logger;
}

/**
 * One herald node's side of a cluster: shares the live registries through the adapter, and hands
 * what other nodes publish to this node's own sockets.
 */
export class ClusterNode {
  private readonly stops: (() => void)[] = [];
  private errorsLogged = 0;

  constructor(private readonly deps: ClusterNodeDeps) {
    const { adapter, channels, status, peers, visibility, logger } = deps;
    const onError = (err: unknown) => this.logError(err);
    channels.useCluster(adapter, onError);
    status.useCluster(adapter, onError);
    peers.useCluster(adapter, onError);
    visibility.useCluster(adapter);
    this.stops.push(
      adapter.on("message", (room, message) => this.receive(room, message)),
      adapter.on("error", onError),
      // Stored messages published while this node was not subscribed come from storage, in order.
      adapter.on("resubscribed", () => channels.refill()),
      adapter.on("reannounced", ({ reaped }) => {
        this.errorsLogged = 0;
        logger.warn("cluster_reannounced", { nodeId: adapter.nodeId, reaped });
      }),
      // A follower told that a dead node's user left reads when: it is stored before the leave.
      adapter.beforeLeaves(async ({ presences }) => {
        const users = new Set(presences.map((p) => p.presence.userId));
        if (users.size === 0) return;
        try {
          await deps.touchLastActive(users, Date.now());
        } catch (err) {
          logger.warn("last_active_not_saved", { err });
        }
      }),
      adapter.on("nodeDown", ({ nodeId, presences }) => {
        const users = new Set(presences.map((p) => p.presence.userId));
        logger.warn("cluster_node_down", { nodeId, presences: presences.length, users: users.size });
        // Its users sent only in channels they were in: a message it stored but never published
        // is found by telling every node those channels' newest stored seq.
        const channelIds = new Set<string>();
        for (const { stream } of presences) {
          if (stream.startsWith("channel:")) channelIds.add(stream.slice("channel:".length));
        }
        if (channelIds.size > 0)
          channels.tipFromStorage(channelIds).catch((err: unknown) => {
            logger.warn("cluster_tip_failed", { nodeId, err });
          });
      }),
    );
  }

  // While Redis is away every publish fails: the first failure is worth a line, the rest are noise.
  private logError(err: unknown): void {
    if (this.errorsLogged++ < 3) this.deps.logger.warn("cluster_error", { err });
  }

  private receive(room: Room, message: ClusterMessage): void {
    const cut = room.indexOf(":");
    const kind = room.slice(0, cut);
    const id = room.slice(cut + 1);
    try {
      switch (message.kind) {
        case "frame": {
          const frame = new RemoteFrame(message);
          if (kind === "channel") this.deps.channels.deliverRemote(id, frame, message);
          else if (kind === "status") this.deps.status.deliverRemote(id, frame, message);
          else if (kind === "user") this.deps.peers.deliverRemote(id, frame, message);
          return;
        }
        case "presence":
          if (kind === "channel")
            this.deps.channels.remotePresence(
              id,
              message.joins.map(channelPresenceOf),
              message.leaves.map(channelPresenceOf),
              message,
            );
          else if (kind === "status")
            this.deps.status.remotePresence(
              id,
              message.joins.map(statusPresenceOf),
              message.leaves.map(statusPresenceOf),
              message,
            );
          return;
        case "invisible":
          this.deps.visibility.apply(message.userId, message.invisible).catch((err: unknown) => {
            this.deps.logger.error("cluster_message_failed", { room, kind: message.kind, err });
          });
          return;
        case "evict":
          this.deps.channels.removeLocalUser(message.channelId, message.userId);
          return;
        case "tip":
          if (kind === "channel") this.deps.channels.tip(id, message.seq);
          return;
      }
    } catch (err) {
      // A corrupt frame from another node must not take this one down.
      this.deps.logger.error("cluster_message_failed", { room, kind: message.kind, err });
    }
  }

  /** Stops listening to the adapter. */
  close(): void {
    this.deps.channels.stopTips();
    for (const stop of this.stops.splice(0)) stop();
  }
}
