import type { CallOptions } from "../call-options.js";
import type { Client } from "../client.js";
import type { Session } from "../session.js";
import { requireExtension, USER_PRESENCE } from "./extension.js";

/**
 * Makes the signed-in user invisible (`true`: offline to everyone else, across disconnects and
 * reconnects) or visible again (`false`). Rejects with HeraldError `unsupported` on a server
 * without herald's "user_presence" extension (stock Nakama).
 */
export async function setInvisible(
  client: Client,
  session: Session,
  invisible: boolean,
  options?: CallOptions,
): Promise<void> {
  await requireExtension(client, USER_PRESENCE, "invisible", options);
  await client.updateAccount(session, { invisible }, options);
}

/**
 * Whether the signed-in user is invisible (the flag stored on the account). Rejects with
 * HeraldError `unsupported` on a server without herald's "user_presence" extension.
 */
export async function isInvisible(client: Client, session: Session, options?: CallOptions): Promise<boolean> {
  await requireExtension(client, USER_PRESENCE, "invisible", options);
  const account = await client.getAccount(session, options);
  return account.invisible;
}
