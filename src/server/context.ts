import type { AuthService } from "./auth/auth-service.js";
import type { HistoryCursorMode } from "./compat.js";
import type { Extension } from "./extensions.js";
import type { ServerHooks } from "./hooks.js";
import type { Logger } from "./logger.js";
import type { Notifier } from "./notifier.js";
import type { ChannelRegistry } from "./realtime/channel-registry.js";
import type { Chat } from "./realtime/chat.js";
import type { SessionRegistry } from "./realtime/session-registry.js";
import type { StatusTracker } from "./realtime/status-tracker.js";
import type { Db } from "./storage/database.js";
import type { FriendStore } from "./storage/friends.js";
import type { GroupStore } from "./storage/groups.js";
import type { MessageStore } from "./storage/messages.js";
import type { NotificationStore } from "./storage/notifications.js";
import type { UserStore } from "./storage/users.js";
import type { Visibility } from "./visibility.js";

/** Everything request handlers share: stores, live state and settings. */
export interface ServerContext {
  db: Db;
  serverKey: string;
  version: string;
  /** The protocol extensions enabled (listed by the capabilities route). */
  extensions: ReadonlySet<Extension>;
  /** How history cursors page (stock 3.26's bug only when asked for). */
  historyCursors: HistoryCursorMode;
  visibility: Visibility;
  logger: Logger;
  hooks: ServerHooks;
  auth: AuthService;
  users: UserStore;
  messages: MessageStore;
  groups: GroupStore;
  friends: FriendStore;
  notifications: NotificationStore;
  notifier: Notifier;
  sessions: SessionRegistry;
  status: StatusTracker;
  channels: ChannelRegistry;
  chat: Chat;
}

/** The caller of a bearer-authenticated route. */
export interface Caller {
  userId: string;
  username: string;
  tid: string;
  exp: number;
  vars: Record<string, string>;
}
