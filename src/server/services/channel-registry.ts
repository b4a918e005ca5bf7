import type { ChannelInit, UserPresenceInit } from "../../gen/wire.js";
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
}

/** A live channel: who is in it now. Rooms exist while someone is in them. */
export interface LiveChannel {
  target: ChannelTarget;
  members: Map<string, Member>;
}

/** Live channel memberships and presence events. */
export class ChannelRegistry {
  private readonly channels = new Map<string, LiveChannel>();

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
   * of an invisible user are hidden.
   */
  join(
    peer: Peer,
    target: ChannelTarget,
    requestedHidden: boolean,
    persistence: boolean,
    invisible = false,
  ): { reply: ChannelInit; announce: () => void } {
    const hidden = requestedHidden || invisible;
    let ch = this.channels.get(target.id);
    if (ch === undefined) {
      ch = { target, members: new Map() };
      this.channels.set(target.id, ch);
    }
    const existing = ch.members.get(peer.id);
    const member = existing ?? {
      peer,
      presence: peer.presence(persistence),
      hidden,
      hiddenByInvisible: hidden && !requestedHidden,
      persistence,
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
        if (!hidden) this.broadcast(live, { ...channelFields(target), joins: [member.presence] });
      },
    };
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
        } else if (!invisible && m.hiddenByInvisible) {
          m.hidden = false;
          m.hiddenByInvisible = false;
          this.broadcast(ch, { ...channelFields(ch.target), joins: [m.presence] }, userId);
        }
      }
    }
  }

  /** Removes a peer from a channel; remaining members see it leave (unless it was hidden). */
  leave(peer: Peer, channelId: string): void {
    peer.channels.delete(channelId);
    const ch = this.channels.get(channelId);
    const member = ch?.members.get(peer.id);
    if (ch === undefined || member === undefined) return;
    ch.members.delete(peer.id);
    if (!member.hidden) this.broadcast(ch, { ...channelFields(ch.target), leaves: [member.presence] });
    if (ch.members.size === 0) this.channels.delete(channelId);
  }

  /** Removes every peer of a user from a channel (a kick, ban or leave of a group). */
  removeUser(channelId: string, userId: string): void {
    const ch = this.channels.get(channelId);
    if (ch === undefined) return;
    for (const m of [...ch.members.values()]) if (m.peer.userId === userId) this.leave(m.peer, channelId);
  }

  /** Removes a closing peer from every channel it is in. */
  removePeer(peer: Peer): void {
    for (const channelId of [...peer.channels.keys()]) this.leave(peer, channelId);
  }

  /** Sends one message, encoded once per format, to every peer in the channel. */
  send(channelId: string, out: Outgoing): void {
    const ch = this.channels.get(channelId);
    if (ch === undefined) return;
    for (const m of ch.members.values()) m.peer.send(out);
  }

  /** Sends a presence event to the channel's members, except the peers of `exceptUser`. */
  private broadcast(
    ch: LiveChannel,
    event: { channelId: string; joins?: UserPresenceInit[]; leaves?: UserPresenceInit[] },
    exceptUser?: string,
  ): void {
    const out = new Outgoing({ kind: "channelPresenceEvent", body: event });
    for (const m of ch.members.values()) if (m.peer.userId !== exceptUser) m.peer.send(out);
  }
}

function channelFieldsForChannel(target: ChannelTarget): ChannelInit {
  const { channelId, ...rest } = channelFields(target);
  return { id: channelId, ...rest };
}
