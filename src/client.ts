import {
  badInput,
  checkCallOptions,
  checkFields,
  checkId,
  checkSession,
  describeValue,
  isRecord,
} from "./arguments.js";
import { type CallOptions, startDeadline, watchCall } from "./call-options.js";
import { noExtensions, requireExtension } from "./capabilities.js";
import { HeraldError } from "./errors.js";
import {
  type AddFriendsOptions,
  type ClientMethodSpec,
  type ClientMethods,
  clientMethods,
  type ListChannelMessagesOptions,
  type ListGroupUsersOptions,
} from "./gen/client.js";
import type { Capabilities, ChannelMessage } from "./gen/model.js";
import { type RouteName, type RouteTypes, routes } from "./gen/routes.js";
import type {
  AccountDeviceInit,
  AccountEmailInit,
  AuthenticateDeviceRequestInit,
  SessionRefreshRequestInit,
} from "./gen/wire.js";
import { camelCase, type FieldInfo, K, messageInfo } from "./protocol/schema.js";
import { refusedTokens, Session } from "./session.js";
import { Socket } from "./socket/socket.js";
import { checkSocketOptions } from "./socket/socket-options.js";
import type { SocketOptions } from "./socket/socket-types.js";
import { defaultFetch, type FetchFunction } from "./transport/fetch.js";
import { callRoute, type HttpConfig, type RouteResult } from "./transport/http.js";

export type { ListChannelMessagesOptions, ListNotificationsOptions } from "./gen/client.js";

/** Options of {@link Client}. */
export interface ClientOptions {
  /**
   * The server's host name or address, without scheme or port (an IPv6 address in brackets:
   * `"[::1]"`). A URL or `host:port` is refused with `bad_input`.
   * @default "127.0.0.1"
   */
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
  /**
   * Called after a session was refreshed (automatically or not), e.g. to store its new tokens. If it
   * throws, `sessionRefresh` rejects with `server_error` holding the exception as `cause` (the
   * session is refreshed all the same); a call that refreshed automatically goes on.
   */
  onSessionRefresh?: ((session: Session) => void) | undefined;
}

/** What every authentication takes besides the identifier. */
type AuthenticateCommon = Pick<AuthenticateDeviceRequestInit, "create" | "username"> &
  Pick<AccountDeviceInit, "vars"> &
  CallOptions;

/**
 * Options of {@link Client.authenticateDevice} and {@link Client.authenticateCustom}: `create`
 * (default true: make the user if there is none with this id), `username` (of a new user; a
 * random one if not given) and `vars` (copied into the session token).
 */
export type AuthenticateIdOptions = AuthenticateCommon & {
  /**
   * The device id (10 to 128 bytes in UTF-8) or custom id (6 to 128 bytes), without spaces or
   * control characters.
   */
  id: string;
};

/**
 * Options of {@link Client.authenticateEmail}; see {@link AuthenticateIdOptions} for the others.
 * An empty `email` with a `username` signs in by username and password (never creating a user).
 */
export type AuthenticateEmailOptions = AuthenticateCommon &
  Required<Pick<AccountEmailInit, "email" | "password">>;

/** Options of {@link Client.sessionRefresh}. */
export type SessionRefreshOptions = Pick<SessionRefreshRequestInit, "vars"> & CallOptions;

/** Users to act on, by id and/or username. */
export type UserRefs = AddFriendsOptions;

/** Options of {@link Client.channelMessages}: those of `listChannelMessages`, `limit` being the page size. */
export type ChannelMessagesOptions = ListChannelMessagesOptions;

/** Options of {@link Client.listGroupUsers} and {@link Client.listUserGroups}. */
export type ListMembershipOptions = ListGroupUsersOptions;

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Checks the Client's options (see `checkFields`); the constructor is not async, so this throws.
 * A host that is really a URL or `host:port` (a common first mistake) is refused with a hint: it
 * would only fail later, at every call, as an unreachable or unparsable address.
 */
function checkClientOptions(options: unknown): ClientOptions {
  const o = checkFields<ClientOptions>(
    "new Client",
    "host:s port:p ssl:b serverKey:s fetch:f timeoutMs:t autoRefreshSession:b refreshMarginMs:t onSessionRefresh:f",
    options,
  );
  const host = o.host ?? "-";
  // Told apart in this order: a scheme, then characters no host has, then one colon (or one after
  // a bracket) is a port, any other colon outside brackets an IPv6 address.
  const why = /^\w+:\/\//.test(host)
    ? "without the scheme (set `ssl: true` for https and wss)"
    : /[\s/?#@]|^$/.test(host)
      ? "not empty, without spaces, paths or credentials"
      : /\]:|^[^[:]*:[^:]*$/.test(host)
        ? "without the port (set `port`)"
        : /^[^[]*:/.test(host) && "with an IPv6 address in brackets";
  if (why) throw badInput("new Client", `host must be a bare host name or address, ${why}: got "${host}"`);
  return o;
}

/**
 * The HTTP Basic credentials of a server key, in UTF-8 as servers read them (`btoa` alone takes
 * Latin-1 only, which a server reads as something else, and throws past it).
 */
function basicCredentials(key: string): string {
  try {
    return btoa(
      encodeURIComponent(`${key}:`).replace(/%(..)/g, (_, hex: string) =>
        String.fromCharCode(parseInt(hex, 16)),
      ),
    );
  } catch {
    throw badInput("new Client", "serverKey must be well-formed text");
  }
}

/** Checks one positional argument of a generated method against its request field. */
function checkArgument(what: string, field: FieldInfo, v: unknown): void {
  if (field.repeated) {
    if (!Array.isArray(v)) throw badInput(what, `${field.camel} must be an array, got ${describeValue(v)}`);
  } else if (field.k === K.s) {
    checkId(what, field.camel, v);
  } else if (v === undefined || v === null) {
    throw badInput(what, `${field.camel} is required`);
  }
}

// The generated methods' interface and the class merge, so `client.listGroupUsers(...)` is typed
// by the proto while its code is the one dispatcher below.
export interface Client extends ClientMethods {}

/**
 * The entry point: REST calls (authentication, account, users, history, notifications, friends,
 * groups) and the factory of realtime {@link Socket}s. Every call takes `{ signal, timeoutMs }`
 * last and rejects only with {@link HeraldError}.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged methods are installed on the prototype by the static block
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

  /** Throws HeraldError `bad_input` for options of the wrong type. */
  constructor(options: ClientOptions = {}) {
    const o = checkClientOptions(options);
    // "s" after the scheme with ssl; the host and port after it.
    const tail = `${o.ssl ? "s" : ""}://${o.host ?? "127.0.0.1"}:${o.port ?? 7350}`;
    this.baseUrl = `http${tail}`;
    this.socketUrl = `ws${tail}`;
    this.#http = {
      baseUrl: this.baseUrl,
      basic: basicCredentials(o.serverKey ?? "defaultkey"),
      fetch: o.fetch ?? defaultFetch,
      timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    this.#autoRefresh = o.autoRefreshSession ?? true;
    this.#refreshMarginMs = o.refreshMarginMs ?? 300_000;
    this.#onSessionRefresh = o.onSessionRefresh;
  }

  /**
   * A realtime socket to this server (not yet connected). Throws HeraldError `bad_input` for
   * options of the wrong type (a NaN or negative time, a codec that is not one, ...).
   */
  createSocket(options?: SocketOptions): Socket {
    return new Socket(this.socketUrl, checkSocketOptions(options), this);
  }

  // Every method of ClientMethods, made from its generated spec.
  static {
    for (const [name, spec] of Object.entries(clientMethods) as [
      RouteName & keyof ClientMethods,
      ClientMethodSpec,
    ][]) {
      Object.defineProperty(Client.prototype, name, {
        configurable: true,
        writable: true,
        value(this: Client, ...args: unknown[]) {
          return this.#generated(name, spec, args);
        },
      });
    }
  }

  /** A generated method: checks its arguments, builds its request and calls its route. */
  async #generated(name: RouteName, spec: ClientMethodSpec, args: unknown[]): Promise<unknown> {
    const route = routes[name];
    const info = messageInfo(route.request);
    const {
      args: positional = route.pathParams.map(camelCase),
      fields: mode = "none",
      required = [],
      defaults = {},
    } = spec;
    let at = 0;
    let session: Session | undefined;
    if (route.auth === "bearer") {
      const candidate = args[at++];
      checkSession(name, candidate);
      session = candidate;
    }
    const request: Record<string, unknown> = {};
    for (const camel of positional) {
      const v = args[at++];
      checkArgument(name, info.lookup[camel] as FieldInfo, v);
      request[camel] = v;
    }
    let options = args[at++] as CallOptions | undefined;
    if (mode !== "none") {
      const fields = options;
      if (mode === "separate") options = args[at++] as CallOptions | undefined;
      if (fields === undefined && (mode === "required" || mode === "separate")) {
        throw badInput(name, `the ${mode === "separate" ? "fields" : "options"} argument is required`);
      }
      if (fields !== undefined && !isRecord(fields)) {
        throw badInput(name, `expected an object, got ${describeValue(fields)}`);
      }
      for (const field of info.fields) {
        if (positional.includes(field.camel)) continue;
        const v = (fields as Record<string, unknown> | undefined)?.[field.camel] ?? defaults[field.camel];
        if (v !== undefined) request[field.camel] = v;
      }
    }
    checkCallOptions(name, options);
    for (const camel of required) {
      const v = request[camel];
      if (v === undefined || v === null || v === "") throw badInput(name, `${camel} is required`);
    }
    // A server without the extension would skip the field: `true` is refused, and `false` (nobody is
    // hidden there) is left out, so that the server gets no field it does not know.
    if (request.invisible !== undefined) {
      const caps = await this.capabilities(options);
      if (request.invisible) requireExtension(caps, "user_presence", `${name}: invisible`);
      else if (!caps.extensions.includes("user_presence")) delete request.invisible;
    }
    const typed = request as RouteTypes[typeof name]["request"];
    const result = await this.#call(name, typed, options, session);
    return route.response === "Empty" ? undefined : result;
  }

  // ---------- plumbing ----------

  /**
   * Calls a route; with a session, refreshed first if about to expire, and its token. A token the
   * server refuses (401) while the device took it for valid (its clock behind the server's) is
   * refreshed, and the call made once more.
   */
  async #call<N extends RouteName>(
    name: N,
    request: RouteTypes[N]["request"],
    options: CallOptions | undefined,
    session?: Session,
  ): Promise<RouteResult<N>> {
    if (!session) return callRoute(this.#http, name, request, undefined, options);
    await this.ensureFresh(session, options);
    return this.#refreshedOn401(session, () => callRoute(this.#http, name, request, session.token, options));
  }

  /**
   * Runs `call` (which reads the session's token afresh); if the server refuses the token (401)
   * though the device took it for valid (its clock behind the server's), refreshes the session and
   * runs it once more.
   */
  #refreshedOn401<T>(session: Session, call: () => Promise<T>): Promise<T> {
    return call().catch(async (error: HeraldError) => {
      if (error.status !== 401 || !this.#canRefresh(session)) throw error;
      await this.#sharedRefresh(session);
      return call();
    });
  }

  #canRefresh(session: Session): boolean {
    return this.#autoRefresh && !!session.refreshToken && !session.isRefreshExpired();
  }

  #needsRefresh(session: Session): boolean {
    if (!this.#canRefresh(session)) return false;
    if (refusedTokens.get(session) === session.token) return true;
    const expires = session.expiresAt.getTime();
    const lifetime = session.issuedAt ? expires - session.issuedAt.getTime() : Number.POSITIVE_INFINITY;
    const margin = Math.min(this.#refreshMarginMs, lifetime / 2);
    return Date.now() >= expires - margin;
  }

  /**
   * Refreshes `session` if it is about to expire and automatic refresh is on. Concurrent callers
   * share one refresh, each waiting on it within its own `signal` and `timeoutMs`. If the refresh
   * fails while the token is still valid, the call goes on with the current token; once it has
   * expired, the refresh's error is thrown.
   */
  async ensureFresh(session: Session, options?: CallOptions): Promise<void> {
    checkSession("ensureFresh", session);
    checkCallOptions("ensureFresh", options);
    if (!this.#needsRefresh(session)) return;
    // The refresh is not tied to this caller (see #sharedRefresh), so its wait is.
    const deadline = startDeadline("ensureFresh", options, this.#http.timeoutMs);
    try {
      await Promise.race([this.#sharedRefresh(session), deadline.expired]);
    } catch (error) {
      if (error === deadline.reason || session.isExpired()) throw error;
    } finally {
      deadline.done();
    }
  }

  #sharedRefresh(session: Session): Promise<Session> {
    let pending = this.#refreshing.get(session);
    if (!pending) {
      // Not tied to one caller's signal or limit (the client's applies): others may be waiting on it.
      pending = this.sessionRefresh(session).finally(() => this.#refreshing.delete(session));
      this.#refreshing.set(session, pending);
    }
    return pending;
  }

  // ---------- server ----------

  /**
   * What the server offers beyond the Nakama protocol (herald extensions). A server without the
   * route (stock Nakama) has none: `{ server: "", version: "", extensions: [] }`. Cached once answered
   * for certain (a failed read is tried again at the next call).
   */
  capabilities(options?: CallOptions): Promise<Capabilities> {
    return new Promise((resolve, reject) => {
      checkCallOptions("capabilities", options);
      // Only this caller's own signal and time limit end its wait; an aborted signal throws here.
      const unwatch = watchCall("capabilities", options, 0, reject);
      // One read for every caller, tied to none: a few seconds of its own (or the client's limit if
      // shorter), since every connection waits for it.
      const timeoutMs = Math.min(this.#http.timeoutMs || 3000, 3000);
      this.#capabilities ??= this.#call("getCapabilities", {}, { timeoutMs }).catch((error: unknown) => {
        // Only a definite answer is kept: stock Nakama's 404 (no such route), or the capabilities.
        // Anything else (a network failure, no answer, a proxy's error, garbage) is asked again.
        if (HeraldError.is(error) && error.status === 404) return noExtensions;
        this.#capabilities = undefined;
        throw error;
      });
      this.#capabilities.then(resolve, reject).finally(unwatch);
    });
  }

  // ---------- sessions ----------

  async #authenticate(
    name: "authenticateDevice" | "authenticateCustom" | "authenticateEmail",
    options: AuthenticateIdOptions | AuthenticateEmailOptions | undefined,
    account: readonly string[],
  ): Promise<Session> {
    if (!isRecord(options)) {
      throw badInput(
        name,
        `expected an options object with ${account.join(" and ")}, got ${describeValue(options)}`,
      );
    }
    checkCallOptions(name, options);
    const given: Record<string, unknown> = {};
    for (const key of account) {
      const value = (options as Record<string, unknown>)[key];
      // An empty email with a username signs in by username and password, as stock Nakama allows.
      if (value !== "" || key !== "email" || !options.username) checkId(name, key, value);
      given[key] = value;
    }
    // Field types (create, username, vars) are checked by the encoder, which refuses with bad_input.
    const result = await this.#call(
      name,
      {
        account: { ...given, vars: options.vars ?? {} },
        create: options.create ?? true,
        username: options.username,
      },
      options,
    );
    return new Session(result.token, result.refreshToken, result.created);
  }

  /** Signs in with a device id (creating the user unless `create: false`). */
  authenticateDevice(options: AuthenticateIdOptions): Promise<Session> {
    return this.#authenticate("authenticateDevice", options, ["id"]);
  }

  /** Signs in with an id from the app's own user system (creating the user unless `create: false`). */
  authenticateCustom(options: AuthenticateIdOptions): Promise<Session> {
    return this.#authenticate("authenticateCustom", options, ["id"]);
  }

  /**
   * Signs in with email and password (creating the user unless `create: false`), or with an empty
   * email, by `username` and password.
   */
  authenticateEmail(options: AuthenticateEmailOptions): Promise<Session> {
    return this.#authenticate("authenticateEmail", options, ["email", "password"]);
  }

  /**
   * Trades the session's refresh token for new tokens and updates `session` in place (so every
   * holder of it sees the new token); returns the same object.
   */
  async sessionRefresh(session: Session, options: SessionRefreshOptions = {}): Promise<Session> {
    checkSession("sessionRefresh", session);
    checkCallOptions("sessionRefresh", options);
    if (!session.refreshToken) throw new HeraldError("unauthenticated", "the session has no refresh token");
    const result = await this.#call(
      "sessionRefresh",
      { token: session.refreshToken, vars: options.vars ?? {} },
      options,
    );
    session.update(result.token, result.refreshToken);
    try {
      this.#onSessionRefresh?.(session);
    } catch (cause) {
      // The session is refreshed; the app's callback failed (to store it, say): told, as a HeraldError.
      throw HeraldError.from(cause, "server_error", `onSessionRefresh threw: ${cause}`);
    }
    return session;
  }

  /**
   * Revokes the session's token and refresh token on the server. A session whose token has expired
   * is refreshed first (with automatic refresh on): the server takes a logout only with a valid
   * token, and would otherwise leave the refresh token usable.
   */
  async sessionLogout(session: Session, options?: CallOptions): Promise<void> {
    checkSession("sessionLogout", session);
    checkCallOptions("sessionLogout", options);
    await this.ensureFresh(session, options);
    // Made again with the new tokens if the server refused one the device took for valid.
    await this.#refreshedOn401(session, () =>
      callRoute(
        this.#http,
        "sessionLogout",
        { token: session.token, refreshToken: session.refreshToken },
        session.token,
        options,
      ),
    );
  }

  // ---------- history ----------

  /**
   * Every message of a channel's history, page by page (`limit` is the page size), starting at
   * `cursor` if given. Throws HeraldError `server_error` rather than loop forever if the server
   * hands back a cursor it already gave, or, before yielding any of it, a page holding messages of
   * the page before (stock Nakama 3.26 does both for messages created within one second).
   */
  async *channelMessages(
    session: Session,
    channelId: string,
    options: ChannelMessagesOptions = {},
  ): AsyncGenerator<ChannelMessage, void, undefined> {
    // The first page's call checks the other arguments; the spread below needs an object.
    const opts = checkFields<ChannelMessagesOptions>("channelMessages", "cursor:s", options);
    const seen = new Set<string | undefined>();
    let cursor = opts.cursor;
    let before = new Set<string>();
    const repeated = () =>
      new HeraldError("server_error", "channelMessages: the server repeated a cursor; stopping");
    for (;;) {
      seen.add(cursor);
      const page = await this.listChannelMessages(session, channelId, { ...opts, cursor });
      // Stock Nakama 3.26 lists the same page again behind a cursor that did not advance.
      if (page.messages.some((m) => before.has(m.messageId))) throw repeated();
      before = new Set(page.messages.map((m) => m.messageId));
      yield* page.messages;
      cursor = page.nextCursor;
      if (!cursor) return;
      if (seen.has(cursor)) throw repeated();
    }
  }
}
