import type { UserPresenceInit } from "../../gen/wire.js";
import { Outgoing } from "./outgoing.js";
import type { Session } from "./session.js";

/** The status stream of one user: sessions visible on it, and sessions following it. */
interface Stream {
  visible: Map<string, Session>;
  followers: Set<Session>;
}

/**
 * Status presences. Each user has a stream; a session with a status is visible on its own user's
 * stream, and a follow puts the follower on the followed user's stream. An event on a stream goes
 * to everyone on it, so (as on stock Nakama) a user sees their own status changes, and a session
 * leaving the stream does not receive its own leave.
 */
export class StatusTracker {
  private readonly streams = new Map<string, Stream>();

  /**
   * @param isInvisible whether a user is invisible: their status events then reach only their own
   *   sessions, and follows by others do not list their presences.
   */
  constructor(private readonly isInvisible: (userId: string) => boolean = () => false) {}

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

  private static presence(session: Session, status: string): UserPresenceInit {
    return { userId: session.userId, sessionId: session.id, username: session.username, status };
  }

  /**
   * Sends an event to everyone on a user's stream. `audience` narrows it to the user's own
   * sessions or to everyone else's; an invisible user's events reach only their own sessions.
   */
  private emit(
    userId: string,
    joins: UserPresenceInit[],
    leaves: UserPresenceInit[],
    audience: "all" | "self" | "others" = "all",
  ): void {
    const s = this.streams.get(userId);
    if (s === undefined) return;
    const to = audience === "all" && this.isInvisible(userId) ? "self" : audience;
    const out = new Outgoing({ kind: "statusPresenceEvent", body: { joins, leaves } });
    if (to === "all") {
      for (const session of s.visible.values()) session.send(out);
      // A session both visible here and following its own user gets the event once.
      for (const session of s.followers) if (!s.visible.has(session.id)) session.send(out);
      return;
    }
    const own = to === "self";
    if (own) for (const session of s.visible.values()) session.send(out);
    for (const session of s.followers) {
      if ((session.userId === userId) !== own) continue;
      if (!s.visible.has(session.id)) session.send(out);
    }
  }

  /**
   * A user turned invisible (or visible again): everyone else following them sees each visible
   * session leave (or join), exactly as for a disconnect (or a new status).
   */
  setInvisible(userId: string, invisible: boolean): void {
    const s = this.streams.get(userId);
    if (s === undefined || s.visible.size === 0) return;
    const presences = [...s.visible.values()].map((v) => StatusTracker.presence(v, v.status ?? ""));
    if (invisible) this.emit(userId, [], presences, "others");
    else this.emit(userId, presences, [], "others");
  }

  /** Sets (a string) or erases (undefined: appear offline) a session's status, telling the stream. */
  setStatus(session: Session, status: string | undefined): void {
    const old = session.status;
    if (status === undefined) {
      if (old === undefined) return;
      session.status = undefined;
      const s = this.stream(session.userId);
      s.visible.delete(session.id);
      this.emit(session.userId, [], [StatusTracker.presence(session, old)]);
      this.prune(session.userId);
      return;
    }
    session.status = status;
    const visible = this.stream(session.userId).visible;
    // Re-inserting keeps the map in order of last change, which statusOf relies on.
    visible.delete(session.id);
    visible.set(session.id, session);
    this.emit(
      session.userId,
      [StatusTracker.presence(session, status)],
      old === undefined ? [] : [StatusTracker.presence(session, old)],
    );
  }

  /** Follows users; returns the visible presences they have now. */
  follow(session: Session, userIds: readonly string[]): UserPresenceInit[] {
    const presences: UserPresenceInit[] = [];
    for (const userId of new Set(userIds)) {
      session.follows.add(userId);
      const s = this.stream(userId);
      s.followers.add(session);
      if (userId !== session.userId && this.isInvisible(userId)) continue;
      for (const v of s.visible.values()) presences.push(StatusTracker.presence(v, v.status ?? ""));
    }
    return presences;
  }

  unfollow(session: Session, userIds: readonly string[]): void {
    for (const userId of userIds) {
      session.follows.delete(userId);
      this.streams.get(userId)?.followers.delete(session);
      this.prune(userId);
    }
  }

  /** Ends a session: its follows stop and its followers see it leave. */
  removeSession(session: Session): void {
    this.unfollow(session, [...session.follows]);
    this.setStatus(session, undefined);
  }

  /** True while the user has a session visible on the status stream. */
  isOnline(userId: string): boolean {
    return (this.streams.get(userId)?.visible.size ?? 0) > 0;
  }

  /** The status of the user's most recently changed visible session, if any. */
  statusOf(userId: string): string | undefined {
    const visible = this.streams.get(userId)?.visible;
    if (visible === undefined) return undefined;
    let last: string | undefined;
    for (const s of visible.values()) last = s.status;
    return last;
  }
}
