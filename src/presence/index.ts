/**
 * User presence, on its own entry point so that apps without it do not load it: a live
 * {@link PresenceStore} of watched users, and herald's invisible flag.
 *
 * ```ts
 * import { PresenceStore } from "herald/presence";
 * const presence = new PresenceStore(socket, client, session);
 * presence.onChange(({ type, current }) => console.log(type, current.username));
 * await presence.watch([friendId]);
 * ```
 * @module
 */
export { hasExtension, requireExtension, USER_PRESENCE } from "./extension.js";
export { isInvisible, setInvisible } from "./invisible.js";
export type {
  PresenceChange,
  PresenceStoreEvents,
  SessionPresence,
  UserPresenceState,
} from "./presence-state.js";
export { type PresenceSocket, PresenceStore, type PresenceStoreOptions } from "./presence-store.js";
