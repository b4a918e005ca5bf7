import type { Outgoing } from "./outgoing.js";
import type { Session } from "./session.js";

/** Every connected session, by id and by user. */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();

  add(session: Session): void {
    this.byId.set(session.id, session);
    let set = this.byUser.get(session.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(session.userId, set);
    }
    set.add(session);
  }

  remove(session: Session): void {
    this.byId.delete(session.id);
    const set = this.byUser.get(session.userId);
    if (set === undefined) return;
    set.delete(session);
    if (set.size === 0) this.byUser.delete(session.userId);
  }

  /** The user's connected sessions (empty when none). */
  ofUser(userId: string): ReadonlySet<Session> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** Sends one encoded message to every session of a user. */
  sendToUser(userId: string, out: Outgoing): void {
    for (const s of this.ofUser(userId)) s.send(out);
  }

  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
