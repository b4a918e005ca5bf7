import type { UserPresenceInit } from "../../gen/wire.js";
import type { Audience, ClusterPresence } from "./cluster-adapter.js";

/** A presence as it crosses to other nodes (the adapter sets `node`; `changedAt` orders statuses). */
export function toShared(
  p: UserPresenceInit,
  fields: { hidden?: boolean; changedAt?: number } = {},
): ClusterPresence {
  const shared: ClusterPresence = {
    sessionId: p.sessionId ?? "",
    userId: p.userId ?? "",
    username: p.username ?? "",
    hidden: fields.hidden ?? false,
    changedAt: fields.changedAt ?? Date.now(),
    node: "",
  };
  if (p.persistence !== undefined) shared.persistence = p.persistence;
  if (p.status !== undefined) shared.status = p.status;
  return shared;
}

/** A shared channel presence as clients see it. */
export function channelPresenceOf(p: ClusterPresence): UserPresenceInit {
  return {
    userId: p.userId,
    sessionId: p.sessionId,
    username: p.username,
    persistence: p.persistence ?? true,
  };
}

/** A shared status presence as clients see it. */
export function statusPresenceOf(p: ClusterPresence): UserPresenceInit {
  return { userId: p.userId, sessionId: p.sessionId, username: p.username, status: p.status ?? "" };
}

/** Whether a session of `userId` is in the audience. */
export function inAudience(audience: Audience, userId: string): boolean {
  if (audience.exceptUser !== undefined && audience.exceptUser === userId) return false;
  if (audience.onlyUser !== undefined && audience.onlyUser !== userId) return false;
  return true;
}

/** The audience of a message, without the fields left unset. */
export function audienceOf(exceptUser: string | undefined, onlyUser?: string): Audience {
  const audience: Audience = {};
  if (exceptUser !== undefined) audience.exceptUser = exceptUser;
  if (onlyUser !== undefined) audience.onlyUser = onlyUser;
  return audience;
}
