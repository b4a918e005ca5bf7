import type { ChannelInit, UserPresenceInit } from "../../gen/wire.js";
import { ChannelSequencer, type ChannelSequencerOptions } from "../cluster/channel-sequencer.js";
import {
  type Audience,
  type ChangeOf,
  type ClusterAdapter,
  channelStream,
  type StoredOrder,
} from "../cluster/cluster-adapter.js";
import { frameOf, type RemoteFrame } from "../cluster/remote-frame.js";
import { audienceOf, channelPresenceOf, inAudience, toShared } from "../cluster/shared-presence.js";
import { StoredTips, type StoredTipsOptions } from "../cluster/stored-tips.js";
import type { AsyncMessageStore } from "../storage/async-storage.js";
import { messageToWire } from "../storage/messages.js";
import { type ChannelTarget, channelFields } from "./channel-id.js";
import { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";

interface Member {
  peer: Peer;
  presence: UserPresenceInit;
  hidden: boolean;
  /** Hidden only because its user is invisible: shown again when the user turns visible. */
  hiddenByInvisible: boolean;
  persistence: boolean;
  /** When the member joined (or was last hidden or shown), as shared with the other nodes. */
  changedAt: number;
  /** Written to the cluster's shared presences (and this node listens to the channel for it). */
  shared?: boolean;
  /**
   * The channel's frames for this member, held until its join's reply is out (a join that names
   * a mark): the reply comes first, so that a client knows the channel before its messages.
   */
  held?: (Outgoing | RemoteFrame)[] | undefined;
}

/** Sends to a member, or holds for it while its join is being answered. */
function sendTo(m: Member, frame: Outgoing | RemoteFrame): void {
  if (m.held === undefined) m.peer.send(frame);
  else m.held.push(frame);
}

/** A live channel: who is in it now. Rooms exist while someone is in them. */
export interface LiveChannel {
  target: ChannelTarget;
  members: Map<string, Member>;
}

/** Options of {@link ChannelRegistry.orderStored}. */
export type StoredOrderOptions = Pick<
  ChannelSequencerOptions<unknown>,
  "gapFillMs" | "maxHeld" | "onFill" | "onError"
> & {
  /** Where a gap's messages are read from. */
  messages: Pick<AsyncMessageStore, "after" | "before">;
  /**
   * How often this node tells the others the newest seq it stored in the channels it wrote to
   * lately (see {@link StoredTips}).
   * @default 1000
   */
  tipMs?: StoredTipsOptions["intervalMs"];
};

/** What a join in a cluster answers: the reply, the announce, and who is in the channel anywhere. */
export interface SharedJoin {
  reply: ChannelInit;
  announce: () => void;
  /** Users with a session in the channel on any node, hidden ones included. */
  userIds: Set<string>;
}

/**
 * Live channel memberships and presence events. In a cluster (see {@link useCluster}) the members
 * of other nodes are shared through the cluster adapter: this registry still delivers to its own
 * peers, and publishes each broadcast once for the other nodes.
 */
export class ChannelRegistry {
  private readonly channels = new Map<string, LiveChannel>();
  private cluster: ClusterAdapter | undefined;
  private sequencer: ChannelSequencer<Outgoing | RemoteFrame> | undefined;
  private tips: StoredTips | undefined;
  private messages: StoredOrderOptions["messages"] | undefined;
  private onClusterError: (err: unknown) => void = () => {};

  /**
   * Shares channels with the other nodes of a cluster. `onError` hears of background failures
   * (a presence that could not be written while Redis is away); the adapter writes them again.
   */
  useCluster(cluster: ClusterAdapter, onError: (err: unknown) => void): void {
    this.cluster = cluster;
    this.onClusterError = onError;
  }

  /**
   * Hands stored messages to this node's members in history order (a cluster's nodes store and
   * publish each on their own): see {@link ChannelSequencer}. A single server needs none of it.
   */
  orderStored(options: StoredOrderOptions): void {
    const { messages, tipMs, ...rest } = options;
    this.messages = messages;
    this.tips = new StoredTips({
      publish: (channelId, seq) => this.cluster?.publish(channelStream(channelId), { kind: "tip", seq }),
      ...(tipMs !== undefined && { intervalMs: tipMs }),
    });
    this.sequencer = new ChannelSequencer<Outgoing | RemoteFrame>({
      ...rest,
      deliver: (channelId, frame) => this.deliverLocal(channelId, frame),
      read: async (channelId, seq, limit) =>
        (await messages.after(channelId, seq, limit)).map((row) => {
          const frame = new Outgoing({ kind: "channelMessage", body: messageToWire(row) });
          frame.storedSeq = row.seq;
          return { seq: row.seq, frame };
        }),
      newest: async (channelId) =>
        (await messages.before(channelId, Number.MAX_SAFE_INTEGER, 1))[0]?.seq ?? 0,
    });
  }

  /**
   * Gives the channel's order its start once this node listens to it: the seq of its newest stored
   * message, read after the node began to listen (a join's mark). Without it, the order reads it
   * when it has none yet. Does nothing on a single server.
   */
  chainFrom(channelId: string, newest?: number): void {
    this.sequencer?.begin(channelId, newest);
  }

  /** Reads back every ordered channel's stored messages after its last delivered one (see {@link ChannelSequencer.fillAll}). */
  refill(): void {
    this.sequencer?.fillAll();
  }

  /** Another node stored the channel's message `seq`: a gap up to it is filled if still open after the wait. */
  tip(channelId: string, seq: number): void {
    this.sequencer?.tip(channelId, seq);
  }

  /**
   * Tells every node listening to these channels (this one too) their newest stored seq, read
   * from storage: another node died, maybe between a commit and its publish, and cannot tell.
   */
  async tipFromStorage(channelIds: Iterable<string>): Promise<void> {
    const messages = this.messages;
    if (messages === undefined) return;
    for (const channelId of channelIds) {
      const [newest] = await messages.before(channelId, Number.MAX_SAFE_INTEGER, 1);
      if (newest === undefined) continue;
      this.sequencer?.tip(channelId, newest.seq);
      this.cluster?.publish(channelStream(channelId), { kind: "tip", seq: newest.seq });
    }
  }

  /** Stops telling the other nodes what this one stored (the node is closing). */
  stopTips(): void {
    this.tips?.close();
  }

  /** True when channels are shared with other nodes (joins must then use {@link joinShared}). */
  get shared(): boolean {
    return this.cluster !== undefined;
  }

  get(channelId: string): LiveChannel | undefined {
    return this.channels.get(channelId);
  }

  /** True if any peer of `userId` is in the channel. */
  hasUser(channelId: string, userId: string): boolean {
    const ch = this.channels.get(channelId);
    if (ch === undefined) return false;
    for (const m of ch.members.values()) if (m.peer.userId === userId) return true;
    return false;
  }

  /**
   * Joins a peer to a channel and returns the Channel reply. A new visible join is announced to
   * every member, the joiner included, after the reply; a repeated join changes nothing. The joins
   * of an invisible user are hidden. With `hold`, the channel's frames for a new member wait until
   * `announce` (called once the reply is sent), which hands them over first.
   */
  join(
    peer: Peer,
    target: ChannelTarget,
    requestedHidden: boolean,
    persistence: boolean,
    invisible = false,
    hold = false,
  ): { reply: ChannelInit; announce: () => void } {
    const hidden = requestedHidden || invisible;
    let ch = this.channels.get(target.id);
    if (ch === undefined) {
      ch = { target, members: new Map() };
      this.channels.set(target.id, ch);
      this.sequencer?.open(target.id);
    }
    const existing = ch.members.get(peer.id);
    const member = existing ?? {
      peer,
      presence: peer.presence(persistence),
      hidden,
      hiddenByInvisible: hidden && !requestedHidden,
      persistence,
      changedAt: Date.now(),
      held: hold ? [] : undefined,
    };
    const presences: UserPresenceInit[] = [];
    for (const m of ch.members.values()) {
      if (!m.hidden && m.peer !== peer) presences.push(m.presence);
    }
    if (existing !== undefined && !existing.hidden) presences.push(existing.presence);
    const reply: ChannelInit = { ...channelFieldsForChannel(target), presences, self: member.presence };
    if (existing !== undefined) return { reply, announce: () => {} };
    ch.members.set(peer.id, member);
    peer.channels.set(target.id, { channelId: target.id, hidden, persistence });
    const live = ch;
    return {
      reply,
      announce: () => {
        // The peer may have left (or closed) while a shared join waited on the other nodes.
        if (live.members.get(peer.id) !== member) return;
        const held = member.held;
        member.held = undefined;
        for (const frame of held ?? []) peer.send(frame);
        if (!hidden) this.broadcast(live, { ...channelFields(target), joins: [member.presence] });
      },
    };
  }

  /**
   * {@link join} in a cluster: the member is shared (and this node listens to the channel) before
   * the reply, which lists the visible members of every node. Rejects with `disconnected` when the
   * cluster state is unavailable, leaving the peer out of the channel.
   */
  async joinShared(
    peer: Peer,
    target: ChannelTarget,
    requestedHidden: boolean,
    persistence: boolean,
    invisible = false,
    hold = false,
  ): Promise<SharedJoin> {
    const cluster = this.cluster;
    const joined = this.join(peer, target, requestedHidden, persistence, invisible, hold);
    if (cluster === undefined) {
      const userIds = new Set<string>();
      for (const m of this.channels.get(target.id)?.members.values() ?? []) userIds.add(m.peer.userId);
      return { ...joined, userIds };
    }
    const stream = channelStream(target.id);
    const member = this.channels.get(target.id)?.members.get(peer.id);
    const isNew = member !== undefined && peer.channels.get(target.id) !== undefined && !member.shared;
    if (member !== undefined && isNew) {
      member.shared = true;
      try {
        await cluster.subscribe(stream);
        if (!this.isMember(member, target.id)) throw new Error("left while joining");
        await cluster.setPresence(stream, toShared(member.presence, member));
      } catch (err) {
        // Left meanwhile (its leave undid the sharing), or the cluster is away: undo the join here.
        if (this.isMember(member, target.id)) this.leave(peer, target.id, true);
        throw err;
      }
    }
    let all: Awaited<ReturnType<ClusterAdapter["presences"]>>;
    try {
      all = await cluster.presences(stream);
    } catch (err) {
      if (isNew && member !== undefined && this.isMember(member, target.id))
        this.leave(peer, target.id, true);
      throw err;
    }
    const userIds = new Set<string>();
    const presences: UserPresenceInit[] = [];
    for (const p of all) {
      userIds.add(p.userId);
      if (!p.hidden && (p.sessionId !== peer.id || !isNew)) presences.push(channelPresenceOf(p));
    }
    return { reply: { ...joined.reply, presences }, announce: joined.announce, userIds };
  }

  private isMember(member: Member, channelId: string): boolean {
    return this.channels.get(channelId)?.members.get(member.peer.id) === member;
  }

  /**
   * Hides (or shows again) every channel presence of a user who turned invisible (or visible).
   * Other users' peers see the presences leave (or join); the user's own peers see no change.
   */
  setInvisible(userId: string, invisible: boolean, peers: Iterable<Peer>): void {
    for (const peer of peers) {
      for (const channelId of peer.channels.keys()) {
        const ch = this.channels.get(channelId);
        const m = ch?.members.get(peer.id);
        if (ch === undefined || m === undefined) continue;
        if (invisible && !m.hidden) {
          m.hidden = true;
          m.hiddenByInvisible = true;
          this.broadcast(ch, { ...channelFields(ch.target), leaves: [m.presence] }, userId);
          this.share(channelId, m);
        } else if (!invisible && m.hiddenByInvisible) {
          m.hidden = false;
          m.hiddenByInvisible = false;
          this.broadcast(ch, { ...channelFields(ch.target), joins: [m.presence] }, userId);
          this.share(channelId, m);
        }
      }
    }
  }

  /** Writes a member's changed presence for the other nodes. */
  private share(channelId: string, m: Member): void {
    if (this.cluster === undefined || m.shared !== true) return;
    m.changedAt = Date.now();
    this.cluster.setPresence(channelStream(channelId), toShared(m.presence, m)).catch(this.onClusterError);
  }

  /**
   * Removes a peer from a channel; remaining members see it leave (unless it was hidden, or
   * `silent`: a join undone before anyone saw it).
   */
  leave(peer: Peer, channelId: string, silent = false): void {
    peer.channels.delete(channelId);
    const ch = this.channels.get(channelId);
    const member = ch?.members.get(peer.id);
    if (ch === undefined || member === undefined) return;
    ch.members.delete(peer.id);
    if (!member.hidden && !silent)
      this.broadcast(ch, { ...channelFields(ch.target), leaves: [member.presence] });
    if (ch.members.size === 0) {
      this.channels.delete(channelId);
      this.sequencer?.close(channelId);
    }
    if (this.cluster !== undefined && member.shared === true) {
      const stream = channelStream(channelId);
      this.cluster.removePresence(stream, peer.id).catch(this.onClusterError);
      this.cluster.unsubscribe(stream);
    }
  }

  /** Removes every peer of a user from a channel (a kick, ban or leave of a group), on every node. */
  removeUser(channelId: string, userId: string): void {
    this.removeLocalUser(channelId, userId);
    this.cluster?.publish(channelStream(channelId), { kind: "evict", channelId, userId });
  }

  /** Removes this node's peers of a user from a channel. */
  removeLocalUser(channelId: string, userId: string): void {
    const ch = this.channels.get(channelId);
    if (ch === undefined) return;
    for (const m of [...ch.members.values()]) if (m.peer.userId === userId) this.leave(m.peer, channelId);
  }

  /** Removes a closing peer from every channel it is in. */
  removePeer(peer: Peer): void {
    for (const channelId of [...peer.channels.keys()]) this.leave(peer, channelId);
  }

  /** Sends one message, encoded once per format, to every peer in the channel, on every node. */
  send(channelId: string, out: Outgoing): void {
    const ch = this.channels.get(channelId);
    if (ch !== undefined) for (const m of ch.members.values()) sendTo(m, out);
    // The encodings made for this node's sockets cross as they are.
    if (this.cluster !== undefined) this.cluster.publish(channelStream(channelId), frameOf(out));
  }

  /**
   * {@link send} for a stored message, with its place in history. In a cluster it crosses with it,
   * and this node's members get it in history order with the other nodes' messages.
   */
  sendStored(channelId: string, out: Outgoing, order: StoredOrder): void {
    out.storedSeq = order.seq;
    if (this.cluster === undefined) {
      this.send(channelId, out);
      return;
    }
    if (this.sequencer === undefined) this.deliverLocal(channelId, out);
    else this.sequencer.offer(channelId, order, out);
    this.cluster.publish(channelStream(channelId), { ...frameOf(out), ...order });
    this.tips?.note(channelId, order.seq);
  }

  /**
   * {@link send} for an edit or removal of the stored message `edits`. In a cluster it crosses with
   * that seq, and every node's members get it after the message it changes.
   */
  sendChange(channelId: string, out: Outgoing, edits: number): void {
    if (this.cluster === undefined) {
      this.send(channelId, out);
      return;
    }
    if (this.sequencer === undefined) this.deliverLocal(channelId, out);
    else this.sequencer.offerChange(channelId, edits, out);
    this.cluster.publish(channelStream(channelId), { ...frameOf(out), edits });
  }

  private deliverLocal(channelId: string, frame: Outgoing | RemoteFrame): void {
    const ch = this.channels.get(channelId);
    if (ch !== undefined) for (const m of ch.members.values()) sendTo(m, frame);
  }

  /**
   * Delivers a message from another node to this node's peers in the channel; a stored one (with
   * its place in history) in history order.
   */
  deliverRemote(
    channelId: string,
    frame: RemoteFrame,
    audience: Audience & Partial<StoredOrder> & Partial<ChangeOf>,
  ): void {
    const { seq, prevSeq, edits } = audience;
    if (seq !== undefined && edits === undefined) frame.storedSeq = seq;
    if (
      this.sequencer !== undefined &&
      edits !== undefined &&
      audience.exceptUser === undefined &&
      audience.onlyUser === undefined
    ) {
      this.sequencer.offerChange(channelId, edits, frame);
      return;
    }
    if (
      this.sequencer !== undefined &&
      seq !== undefined &&
      prevSeq !== undefined &&
      audience.exceptUser === undefined &&
      audience.onlyUser === undefined
    ) {
      this.sequencer.offer(channelId, { seq, prevSeq }, frame);
      return;
    }
    const ch = this.channels.get(channelId);
    if (ch === undefined) return;
    for (const m of ch.members.values()) if (inAudience(audience, m.peer.userId)) sendTo(m, frame);
  }

  /** Tells this node's members of a channel about joins and leaves on other nodes. */
  remotePresence(
    channelId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: Audience,
  ): void {
    const ch = this.channels.get(channelId);
    if (ch === undefined) return;
    const event = { ...channelFields(ch.target), joins, leaves };
    const out = new Outgoing({ kind: "channelPresenceEvent", body: event });
    for (const m of ch.members.values()) if (inAudience(audience, m.peer.userId)) sendTo(m, out);
  }

  /** Sends a presence event to the channel's members (except the peers of `exceptUser`), everywhere. */
  private broadcast(
    ch: LiveChannel,
    event: { channelId: string; joins?: UserPresenceInit[]; leaves?: UserPresenceInit[] },
    exceptUser?: string,
  ): void {
    const out = new Outgoing({ kind: "channelPresenceEvent", body: event });
    for (const m of ch.members.values()) if (m.peer.userId !== exceptUser) sendTo(m, out);
    if (this.cluster === undefined) return;
    const stream = channelStream(ch.target.id);
    this.cluster.publish(stream, {
      kind: "presence",
      stream,
      joins: (event.joins ?? []).map((p) => toShared(p)),
      leaves: (event.leaves ?? []).map((p) => toShared(p)),
      ...audienceOf(exceptUser),
    });
  }
}

function channelFieldsForChannel(target: ChannelTarget): ChannelInit {
  const { channelId, ...rest } = channelFields(target);
  return { id: channelId, ...rest };
}
