import type { EnvelopeInit, UserPresenceInit } from "../../gen/wire.js";
import type { RemoteFrame } from "../cluster/remote-frame.js";
import type { Outgoing } from "./outgoing.js";

/** How a peer is in a channel. */
export interface Membership {
  channelId: string;
  hidden: boolean;
  persistence: boolean;
}

/**
 * One connected socket of one user, as the services see it: its status, follows and channel
 * memberships, and a way to send it envelopes. The realtime transport's `Connection` is one.
 */
export interface Peer {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  /** The session token's variables. */
  readonly vars: Readonly<Record<string, string>>;
  /** The status while visible on its user's status stream; undefined when not. */
  status: string | undefined;
  /** Users whose status this peer follows. */
  readonly follows: Set<string>;
  /** Channels joined, by channel id. */
  readonly channels: Map<string, Membership>;
  /** Sends an envelope (or a shared broadcast, possibly from another node of a cluster). */
  send(message: Outgoing | RemoteFrame | EnvelopeInit): void;
  /**
   * True once the socket has closed: a request that was waiting on storage must then change
   * nothing (no join, no follow). Peers that never close leave it undefined.
   */
  readonly closed?: boolean;
  /** This peer as a channel presence. */
  presence(persistence: boolean): UserPresenceInit;
}
