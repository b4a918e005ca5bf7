import type { CallOptions } from "./call-options.js";
import { HeraldError } from "./errors.js";
import type {
  Account,
  Capabilities,
  ChannelMessage,
  ChannelMessageList,
  FriendList,
  Group,
  GroupList,
  GroupUserList,
  NotificationList,
  UserGroupList,
  Users,
} from "./gen/model.js";
import type { RouteName, RouteTypes } from "./gen/routes.js";
import type {
  CreateGroupRequestInit,
  ListFriendsRequestInit,
  ListGroupsRequestInit,
  UpdateAccountRequestInit,
  UpdateGroupRequestInit,
} from "./gen/wire.js";
import { Session } from "./session.js";
import { Socket } from "./socket/socket.js";
import type { SocketOptions } from "./socket/socket-types.js";
import { defaultFetch, type FetchFunction } from "./transport/fetch.js";
import { callRoute, type HttpConfig, type RouteResult } from "./transport/http.js";

/** Options of {@link Client}. */
export interface ClientOptions {
  /** The server's host name or address (an IPv6 address in brackets: `"[::1]"`). @default "127.0.0.1" */
  host?: string | undefined;
  /** @default 7350 */
  port?: number | undefined;
  /** Use https and wss. @default false */
  ssl?: boolean | undefined;
  /** The server key, sent (as HTTP Basic user) by authentication and refresh calls. @default "defaultkey" */
  serverKey?: string | undefined;
  /** The fetch function REST calls use. @default the platform's fetch, through `cross-fetch` */
  fetch?: FetchFunction | undefined;
  /** Time limit of each REST call, in milliseconds (`0` = none). @default 10000 */
  timeoutMs?: number | undefined;
  /**
   * Refresh a session shortly before its token expires, before any call that uses it (one refresh
   * per session at a time, shared by concurrent calls).
   * @default true
   */
  autoRefreshSession?: boolean | undefined;
  /**
   * How long before expiry a session is refreshed, in milliseconds; at most half the token's
   * lifetime is used, so short-lived tokens are not refreshed on every call.
   * @default 300000
   */
  refreshMarginMs?: number | undefined;
  /** Called after a session was refreshed (automatically or not), e.g. to store its new tokens. */
  onSessionRefresh?: ((session: Session) => void) | undefined;
}

/** Identifies an account to authenticate. */
interface AuthenticateCommon extends CallOptions {
  /** Create the user if there is none with this identifier. @default true */
  create?: boolean | undefined;
  /** Username of a new user (a random one if not given). */
  username?: string | undefined;
  /** Variables copied into the session token (`session.vars`). */
  vars?: Record<string, string> | undefined;
}

/** Options of {@link Client.authenticateDevice} and {@link Client.authenticateCustom}. */
export interface AuthenticateIdOptions extends AuthenticateCommon {
  /** The device id (10 to 128 characters) or custom id (6 to 128 characters). */
  id: string;
}

/** Options of {@link Client.authenticateEmail}. */
export interface AuthenticateEmailOptions extends AuthenticateCommon {
  email: string;
  /** At least 8 characters. */
  password: string;
}

/** Users to look up or act on, by id and/or username. */
export interface UserRefs extends CallOptions {
  ids?: readonly string[] | undefined;
  usernames?: readonly string[] | undefined;
}

/** Options of {@link Client.listChannelMessages}. */
export interface ListChannelMessagesOptions extends CallOptions {
  /** Page size, 1 to 100. @default 100 */
  limit?: number | undefined;
  /** `true` lists oldest first, `false` newest first. @default false */
  forward?: boolean | undefined;
  /** A `nextCursor`, `prevCursor` or `cacheableCursor` of an earlier page. */
  cursor?: string | undefined;
}

/** Options of {@link Client.channelMessages}. */
export interface ChannelMessagesOptions extends ListChannelMessagesOptions {}

/** Options of {@link Client.listNotifications}. */
export interface ListNotificationsOptions extends CallOptions {
  /** 1 to 100. @default 100 */
  limit?: number | undefined;
  /** The `cacheableCursor` of an earlier listing: lists only notifications newer than it. */
  cacheableCursor?: string | undefined;
}

/** Options of {@link Client.listGroupUsers} and {@link Client.listUserGroups}. */
export interface ListMembershipOptions extends CallOptions {
  limit?: number | undefined;
  /** Only members in this GroupUserState. */
  state?: number | undefined;
  cursor?: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PAGE_SIZE = 100;
const noExtensions: Capabilities = { server: "", version: "", extensions: [] };

const refsOf = (refs: UserRefs) => ({ ids: [...(refs.ids ?? [])], usernames: [...(refs.usernames ?? [])] });

/**
 * The entry point: REST calls (authentication, account, users, history, notifications, friends,
 * groups) and the factory of realtime {@link Socket}s. Every call takes `{ signal, timeoutMs }`
 * last and rejects only with {@link HeraldError}.
 */
export class Client {
  /** `http(s)://host:port` of the server. */
  readonly baseUrl: string;
  /** `ws(s)://host:port` of the server. */
  readonly socketUrl: string;
  readonly #http: HttpConfig;
  readonly #autoRefresh: boolean;
  readonly #refreshMarginMs: number;
  readonly #onSessionRefresh: ((session: Session) => void) | undefined;
  readonly #refreshing = new WeakMap<Session, Promise<Session>>();
  #capabilities: Promise<Capabilities> | undefined;

  constructor(options: ClientOptions = {}) {
    const ssl = options.ssl ?? false;
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? 7350;
    this.baseUrl = `${ssl ? "https" : "http"}://${host}:${port}`;
    this.socketUrl = `${ssl ? "wss" : "ws"}://${host}:${port}`;
    this.#http = {
      baseUrl: this.baseUrl,
      serverKey: options.serverKey ?? "defaultkey",
      fetch: options.fetch ?? defaultFetch,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    this.#autoRefresh = options.autoRefreshSession ?? true;
    this.#refreshMarginMs = options.refreshMarginMs ?? 300_000;
    this.#onSessionRefresh = options.onSessionRefresh;
  }

  /** A realtime socket to this server (not yet connected). */
  createSocket(options: SocketOptions = {}): Socket {
    return new Socket(this.socketUrl, options, this);
  }

  // ---------- plumbing ----------

  #call<N extends RouteName>(
    name: N,
    request: RouteTypes[N]["request"],
    options: CallOptions | undefined,
  ): Promise<RouteResult<N>> {
    return callRoute(this.#http, name, request, undefined, options);
  }

  async #authed<N extends RouteName>(
    session: Session,
    name: N,
    request: RouteTypes[N]["request"],
    options: CallOptions | undefined,
  ): Promise<RouteResult<N>> {
    await this.ensureFresh(session, options);
    return callRoute(this.#http, name, request, session.token, options);
  }

  #needsRefresh(session: Session): boolean {
    if (!session.refreshToken || session.isRefreshExpired()) return false;
    const expires = session.expiresAt.getTime();
    const lifetime = session.issuedAt ? expires - session.issuedAt.getTime() : Number.POSITIVE_INFINITY;
    const margin = Math.min(this.#refreshMarginMs, lifetime / 2);
    return Date.now() >= expires - margin;
  }

  /**
   * Refreshes `session` if it is about to expire and automatic refresh is on. Concurrent callers
   * share one refresh. If the refresh fails while the token is still valid, the call goes on with
   * the current token; once it has expired, the refresh's error is thrown.
   */
  async ensureFresh(session: Session, options?: CallOptions): Promise<void> {
    if (!this.#autoRefresh || !this.#needsRefresh(session)) return;
    try {
      await this.#sharedRefresh(session, options);
    } catch (error) {
      if (session.isExpired()) throw error;
    }
  }

  #sharedRefresh(session: Session, options?: CallOptions): Promise<Session> {
    let pending = this.#refreshing.get(session);
    if (!pending) {
      // Not tied to one caller's signal: others may be waiting on the same refresh.
      const timeoutMs = options?.timeoutMs;
      pending = this.sessionRefresh(session, timeoutMs === undefined ? {} : { timeoutMs }).finally(() =>
        this.#refreshing.delete(session),
      );
      this.#refreshing.set(session, pending);
    }
    return pending;
  }

  // ---------- server ----------

  /** Resolves while the server is up. */
  async healthcheck(options?: CallOptions): Promise<void> {
    await this.#call("healthcheck", {}, options);
  }

  /**
   * What the server offers beyond the Nakama protocol (herald extensions). A server without the
   * route (stock Nakama) has none: `{ server: "", version: "", extensions: [] }`. Cached once answered.
   */
  capabilities(options?: CallOptions): Promise<Capabilities> {
    if (!this.#capabilities) {
      const pending = this.#call("getCapabilities", {}, options).catch((error: unknown) => {
        // Any refusal but "too many requests" means no such route; network failures are worth retrying.
        if (HeraldError.is(error) && (error.status ?? 500) < 500 && error.status !== 429) {
          return noExtensions;
        }
        this.#capabilities = undefined; // a network failure or timeout is worth asking again
        throw error;
      });
      this.#capabilities = pending;
    }
    return this.#capabilities;
  }

  // ---------- sessions ----------

  async #authenticate(
    name: "authenticateDevice" | "authenticateCustom" | "authenticateEmail",
    account: Record<string, unknown>,
    options: AuthenticateCommon,
  ): Promise<Session> {
    const result = await this.#call(
      name,
      {
        account: { ...account, vars: options.vars ?? {} },
        create: options.create ?? true,
        username: options.username,
      },
      options,
    );
    return new Session(result.token, result.refreshToken, result.created);
  }

  /** Signs in with a device id (creating the user unless `create: false`). */
  authenticateDevice(options: AuthenticateIdOptions): Promise<Session> {
    return this.#authenticate("authenticateDevice", { id: options.id }, options);
  }

  /** Signs in with an id from the app's own user system (creating the user unless `create: false`). */
  authenticateCustom(options: AuthenticateIdOptions): Promise<Session> {
    return this.#authenticate("authenticateCustom", { id: options.id }, options);
  }

  /** Signs in with email and password (creating the user unless `create: false`). */
  authenticateEmail(options: AuthenticateEmailOptions): Promise<Session> {
    return this.#authenticate(
      "authenticateEmail",
      { email: options.email, password: options.password },
      options,
    );
  }

  /**
   * Trades the session's refresh token for new tokens and updates `session` in place (so every
   * holder of it sees the new token); returns the same object.
   */
  async sessionRefresh(
    session: Session,
    options: CallOptions & { vars?: Record<string, string> | undefined } = {},
  ): Promise<Session> {
    if (!session.refreshToken) throw new HeraldError("unauthenticated", "the session has no refresh token");
    const result = await this.#call(
      "sessionRefresh",
      { token: session.refreshToken, vars: options.vars ?? {} },
      options,
    );
    session.update(result.token, result.refreshToken);
    this.#onSessionRefresh?.(session);
    return session;
  }

  /** Revokes the session's token and refresh token on the server. */
  async sessionLogout(session: Session, options?: CallOptions): Promise<void> {
    await callRoute(
      this.#http,
      "sessionLogout",
      { token: session.token, refreshToken: session.refreshToken },
      session.token,
      options,
    );
  }

  // ---------- account and users ----------

  /** The signed-in user's account. */
  getAccount(session: Session, options?: CallOptions): Promise<Account> {
    return this.#authed(session, "getAccount", {}, options);
  }

  /** Changes the signed-in user's account; fields left out stay as they are. */
  async updateAccount(
    session: Session,
    changes: UpdateAccountRequestInit,
    options?: CallOptions,
  ): Promise<void> {
    await this.#authed(session, "updateAccount", changes, options);
  }

  /** Users by id and/or username (unknown ones are left out), each with `online`. */
  getUsers(
    session: Session,
    refs: UserRefs & { facebookIds?: readonly string[] | undefined },
  ): Promise<Users> {
    return this.#authed(
      session,
      "getUsers",
      {
        ids: [...(refs.ids ?? [])],
        usernames: [...(refs.usernames ?? [])],
        facebookIds: [...(refs.facebookIds ?? [])],
      },
      refs,
    );
  }

  // ---------- history ----------

  /** One page of a channel's history: `{ messages, nextCursor, prevCursor, cacheableCursor }`. */
  listChannelMessages(
    session: Session,
    channelId: string,
    options: ListChannelMessagesOptions = {},
  ): Promise<ChannelMessageList> {
    const { limit = DEFAULT_PAGE_SIZE, forward = false, cursor } = options;
    return this.#authed(session, "listChannelMessages", { channelId, limit, forward, cursor }, options);
  }

  /**
   * Every message of a channel's history, page by page (`limit` is the page size), starting at
   * `cursor` if given. Throws HeraldError `server_error` rather than loop forever if the server
   * hands back a cursor it already gave.
   */
  async *channelMessages(
    session: Session,
    channelId: string,
    options: ChannelMessagesOptions = {},
  ): AsyncGenerator<ChannelMessage, void, undefined> {
    const seen = new Set<string | undefined>();
    let cursor = options.cursor;
    for (;;) {
      seen.add(cursor);
      const page = await this.listChannelMessages(session, channelId, { ...options, cursor });
      yield* page.messages;
      cursor = page.nextCursor;
      if (!cursor) return;
      if (seen.has(cursor)) {
        throw new HeraldError("server_error", "channelMessages: the server repeated a cursor; stopping");
      }
    }
  }

  // ---------- notifications ----------

  /** Stored notifications of the signed-in user. */
  listNotifications(session: Session, options: ListNotificationsOptions = {}): Promise<NotificationList> {
    return this.#authed(
      session,
      "listNotifications",
      { limit: options.limit ?? DEFAULT_PAGE_SIZE, cacheableCursor: options.cacheableCursor },
      options,
    );
  }

  /** Deletes notifications by id. */
  async deleteNotifications(session: Session, ids: readonly string[], options?: CallOptions): Promise<void> {
    await this.#authed(session, "deleteNotifications", { ids: [...ids] }, options);
  }

  // ---------- friends ----------

  /** Friends, invites and blocked users, each with its FriendState. */
  listFriends(session: Session, options: ListFriendsRequestInit & CallOptions = {}): Promise<FriendList> {
    return this.#authed(session, "listFriends", options, options);
  }

  /** Invites users to be friends, or accepts their invites. */
  async addFriends(session: Session, refs: UserRefs): Promise<void> {
    await this.#authed(session, "addFriends", refsOf(refs), refs);
  }

  /** Blocks users: they can no longer reach the signed-in user (e.g. in direct chat). */
  async blockFriends(session: Session, refs: UserRefs): Promise<void> {
    await this.#authed(session, "blockFriends", refsOf(refs), refs);
  }

  /** Removes friends, invites or blocks. */
  async deleteFriends(session: Session, refs: UserRefs): Promise<void> {
    await this.#authed(session, "deleteFriends", refsOf(refs), refs);
  }

  // ---------- groups ----------

  /** Groups whose name starts with `name`. */
  listGroups(session: Session, options: ListGroupsRequestInit & CallOptions = {}): Promise<GroupList> {
    return this.#authed(session, "listGroups", options, options);
  }

  /** Creates a group; the signed-in user becomes its superadmin. */
  createGroup(
    session: Session,
    group: CreateGroupRequestInit & { name: string },
    options?: CallOptions,
  ): Promise<Group> {
    return this.#authed(session, "createGroup", group, options);
  }

  /** Changes a group (admins only); fields left out stay as they are. */
  async updateGroup(
    session: Session,
    groupId: string,
    changes: Omit<UpdateGroupRequestInit, "groupId">,
    options?: CallOptions,
  ): Promise<void> {
    await this.#authed(session, "updateGroup", { ...changes, groupId }, options);
  }

  /** Deletes a group (superadmins only). */
  async deleteGroup(session: Session, groupId: string, options?: CallOptions): Promise<void> {
    await this.#authed(session, "deleteGroup", { groupId }, options);
  }

  /** Joins an open group, or asks to join a closed one. */
  async joinGroup(session: Session, groupId: string, options?: CallOptions): Promise<void> {
    await this.#authed(session, "joinGroup", { groupId }, options);
  }

  /** Leaves a group. */
  async leaveGroup(session: Session, groupId: string, options?: CallOptions): Promise<void> {
    await this.#authed(session, "leaveGroup", { groupId }, options);
  }

  async #members(
    session: Session,
    name: "addGroupUsers" | "kickGroupUsers" | "promoteGroupUsers" | "demoteGroupUsers" | "banGroupUsers",
    groupId: string,
    userIds: readonly string[],
    options: CallOptions | undefined,
  ): Promise<void> {
    await this.#authed(session, name, { groupId, userIds: [...userIds] }, options);
  }

  /** Adds users to a group, or accepts their join requests (admins only). */
  addGroupUsers(
    session: Session,
    groupId: string,
    userIds: readonly string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.#members(session, "addGroupUsers", groupId, userIds, options);
  }

  /** Removes members from a group (admins only). */
  kickGroupUsers(
    session: Session,
    groupId: string,
    userIds: readonly string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.#members(session, "kickGroupUsers", groupId, userIds, options);
  }

  /** Raises members one role (admins only). */
  promoteGroupUsers(
    session: Session,
    groupId: string,
    userIds: readonly string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.#members(session, "promoteGroupUsers", groupId, userIds, options);
  }

  /** Lowers members one role (admins only). */
  demoteGroupUsers(
    session: Session,
    groupId: string,
    userIds: readonly string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.#members(session, "demoteGroupUsers", groupId, userIds, options);
  }

  /** Bans users from a group (admins only): they are removed and cannot rejoin. */
  banGroupUsers(
    session: Session,
    groupId: string,
    userIds: readonly string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.#members(session, "banGroupUsers", groupId, userIds, options);
  }

  /** A group's members and join requests: `{ groupUsers, cursor }`. */
  listGroupUsers(
    session: Session,
    groupId: string,
    options: ListMembershipOptions = {},
  ): Promise<GroupUserList> {
    return this.#authed(session, "listGroupUsers", { ...options, groupId }, options);
  }

  /** The groups a user belongs to: `{ userGroups, cursor }`. */
  listUserGroups(
    session: Session,
    userId: string,
    options: ListMembershipOptions = {},
  ): Promise<UserGroupList> {
    return this.#authed(session, "listUserGroups", { ...options, userId }, options);
  }
}
