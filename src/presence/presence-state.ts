import type { HeraldError } from "../errors.js";
import type { UserPresence } from "../gen/model.js";

/** One connection (session) of a watched user that is visible on the status stream. */
export interface SessionPresence {
  readonly sessionId: string;
  /** The session's status; `""` for a session that appeared online without one. */
  readonly status: string;
}

/** What the {@link PresenceStore} knows about one watched user. Replaced, never mutated. */
export interface UserPresenceState {
  readonly userId: string;
  /** `""` until known (from the user's presences or from `getUsers`). */
  readonly username: string;
  /** True while the user has at least one visible session. */
  readonly online: boolean;
  /** The status of the most recently changed visible session; `undefined` while offline. */
  readonly status: string | undefined;
  /**
   * When the user was last active, as the server reported it (herald's "user_presence"
   * extension); `undefined` on servers without it or before it is loaded.
   */
  readonly lastActive: Date | undefined;
  /** Visible sessions, the most recently changed last. */
  readonly sessions: readonly SessionPresence[];
}

/**
 * A change of one watched user: `join` when the user comes online, `leave` when the user goes
 * offline, `change` for anything else (a status, a session, `lastActive`, the username).
 * `previous` is `undefined` the first time the store reports a user.
 */
export interface PresenceChange {
  readonly type: "join" | "change" | "leave";
  readonly userId: string;
  readonly previous: UserPresenceState | undefined;
  readonly current: UserPresenceState;
}

/** Events of a {@link PresenceStore}, by name. */
export interface PresenceStoreEvents {
  /** A watched user's state changed. */
  change: PresenceChange;
  /** A background step failed (e.g. reloading users after a reconnect), or a listener threw. */
  error: HeraldError;
}

/** The kind of change between two states of one user. */
export function changeType(
  previous: UserPresenceState | undefined,
  current: UserPresenceState,
): PresenceChange["type"] {
  const was = previous?.online ?? false;
  if (current.online && !was) return "join";
  if (!current.online && was) return "leave";
  return "change";
}

/** True when two states say the same thing (so no event is due). */
export function sameState(a: UserPresenceState | undefined, b: UserPresenceState): boolean {
  if (a === undefined) return false;
  if (
    a.username !== b.username ||
    a.online !== b.online ||
    a.status !== b.status ||
    a.lastActive?.getTime() !== b.lastActive?.getTime() ||
    a.sessions.length !== b.sessions.length
  ) {
    return false;
  }
  return a.sessions.every(
    (s, i) => s.sessionId === b.sessions[i]?.sessionId && s.status === b.sessions[i]?.status,
  );
}

/**
 * The live facts about one user, from which states are derived. Sessions are kept in order of
 * their last change: a Map re-inserted on every change keeps that order for free.
 */
export class UserEntry {
  readonly sessions = new Map<string, string>();
  username = "";
  lastActive: Date | undefined;
  state: UserPresenceState | undefined;
  /** The user-level status `getUsers` reported, used to order sessions loaded together. */
  reportedStatus: string | undefined;
  /** A live status event was applied since the last follow reply. */
  touched = false;
  /** Status events held while a follow is in flight, replayed over its reply. */
  buffered: { joins: UserPresence[]; leaves: UserPresence[] }[] | undefined;

  constructor(readonly userId: string) {}

  /**
   * Applies one status event's presences of this user, leaves first: a status change carries the
   * session's old presence in `leaves` and its new one in `joins`. Each step only sets or deletes
   * a session, so replaying events the state already reflects converges on the latest state.
   */
  apply(joins: readonly UserPresence[], leaves: readonly UserPresence[]): void {
    for (const p of leaves) this.sessions.delete(p.sessionId);
    for (const p of joins) {
      this.sessions.delete(p.sessionId);
      this.sessions.set(p.sessionId, p.status ?? "");
      if (p.username) this.username = p.username;
    }
  }

  /** Replaces the sessions with a follow reply's presences of this user. */
  reset(presences: readonly UserPresence[]): void {
    this.sessions.clear();
    this.apply(presences, []);
  }

  /** Moves the session whose status the server called the user's current one to the end. */
  preferStatus(status: string | undefined): void {
    if (status === undefined) return;
    const last = [...this.sessions].pop();
    if (last === undefined || last[1] === status) return;
    for (const [id, s] of this.sessions) {
      if (s !== status) continue;
      this.sessions.delete(id);
      this.sessions.set(id, s);
      return;
    }
  }

  /** The state as it stands now. */
  derive(): UserPresenceState {
    const sessions = [...this.sessions].map(([sessionId, status]) => Object.freeze({ sessionId, status }));
    const last = sessions[sessions.length - 1];
    return Object.freeze({
      userId: this.userId,
      username: this.username,
      online: last !== undefined,
      status: last?.status,
      lastActive: this.lastActive,
      sessions: Object.freeze(sessions),
    });
  }
}
