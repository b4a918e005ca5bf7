/**
 * herald/react: hooks for React and React Native over herald's SDK. React (18 or later) is an
 * optional peer dependency: only apps that import this entry need it.
 *
 * ```tsx
 * import { HeraldProvider, useChannel, useConnectionState } from "herald/react";
 * <HeraldProvider client={client} session={session}><Chat /></HeraldProvider>;
 * ```
 * @module
 */
export type { ChannelOptions, ChannelSnapshot, ChannelStatus } from "./channel-types.js";
export { HeraldProvider, type HeraldProviderProps } from "./herald-provider.js";
export type { HeraldSocket, HeraldSocketEvents } from "./herald-socket.js";
export { type ChannelResult, useChannel } from "./use-channel.js";
export {
  type ConnectionInfo,
  useClient,
  useConnection,
  useConnectionState,
  useSession,
  useSocket,
} from "./use-connection.js";
export { type EventResult, useEvent } from "./use-event.js";
export { type PresenceResult, usePresence, useStatus } from "./use-presence.js";
