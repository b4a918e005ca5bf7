/**
 * herald: realtime status, presence and chat for TypeScript apps.
 *
 * ```ts
 * import { Client, ChannelType } from "herald";
 * const client = new Client({ host: "127.0.0.1", port: 7350 });
 * const session = await client.authenticateDevice({ id: "device-0001", username: "ada" });
 * const socket = client.createSocket();
 * await socket.connect(session, { appearOnline: true });
 * ```
 * @module
 */

export type { CallOptions } from "./call-options.js";
export {
  type AuthenticateEmailOptions,
  type AuthenticateIdOptions,
  type ChannelMessagesOptions,
  Client,
  type ClientOptions,
  type ListChannelMessagesOptions,
  type ListMembershipOptions,
  type ListNotificationsOptions,
  type SessionRefreshOptions,
  type UserRefs,
} from "./client.js";
export { HeraldError, type HeraldErrorCode, type HeraldErrorOptions } from "./errors.js";
export type { EventIteratorOptions, Unsubscribe } from "./events.js";
export type {
  AddFriendsOptions,
  BlockFriendsOptions,
  ClientMethods,
  CreateGroupFields,
  DeleteFriendsOptions,
  GetUsersOptions,
  ListFriendsOptions,
  ListGroupsOptions,
  ListGroupUsersOptions,
  ListUserGroupsOptions,
  UpdateAccountFields,
  UpdateGroupFields,
} from "./gen/client.js";
export type {
  Account,
  AccountDeviceInfo,
  Capabilities,
  Channel,
  ChannelMessage,
  ChannelMessageAck,
  ChannelMessageList,
  ChannelPresenceEvent,
  Friend,
  FriendList,
  Group,
  GroupList,
  GroupUser,
  GroupUserList,
  JsonObject,
  Notification,
  NotificationList,
  Status,
  StatusPresenceEvent,
  User,
  UserGroup,
  UserGroupList,
  UserPresence,
  Users,
} from "./gen/model.js";
export {
  ChannelMessageCode,
  ChannelType,
  ErrorCode,
  FriendState,
  GroupUserState,
  NotificationCode,
} from "./gen/wire.js";
export type { Codec, DecodeOptions } from "./protocol/codec.js";
export { jsonCodec } from "./protocol/json-codec.js";
export {
  HERALD_MAX_FRAME_BYTES,
  MAX_CONTENT_BYTES,
  MAX_ROOM_NAME_LENGTH,
  MAX_STATUS_LENGTH,
  STOCK_MAX_FRAME_BYTES,
} from "./protocol/limits.js";
export { Session } from "./session.js";
export { type ReconnectOptions, retryDelay } from "./socket/backoff.js";
export {
  MemoryOutboxStorage,
  type OutboxEntry,
  type OutboxOptions,
  type OutboxStorage,
} from "./socket/outbox-storage.js";
export { Socket } from "./socket/socket.js";
export type { SocketClient } from "./socket/socket-client.js";
export type {
  CatchUpOptions,
  ConnectOptions,
  DisconnectEvent,
  FollowOptions,
  GapEvent,
  HeartbeatOptions,
  JoinChatOptions,
  ReconnectedEvent,
  SocketChannelMessage,
  SocketEvents,
  SocketOptions,
  SocketState,
  StateChange,
  WriteChatMessageOptions,
} from "./socket/socket-types.js";
export type { FetchFunction, FetchInit, FetchResponse } from "./transport/fetch.js";
export type { CloseEventLike, WebSocketConstructor, WebSocketLike } from "./transport/websocket.js";
