import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import type { Unsubscribe } from "../events.js";
import type { ChannelType } from "../gen/wire.js";
import type { PresenceStoreOptions } from "../presence/presence-store.js";
import type { Session } from "../session.js";
import type { ConnectOptions } from "../socket/socket-types.js";
import { ChannelFeed } from "./channel-feed.js";
import { type ChannelOptions, channelKey, channelMembership } from "./channel-types.js";
import { ChannelView, DEFAULT_PAGE_SIZE } from "./channel-view.js";
import { makeSocket } from "./failed-socket.js";
import { type HeraldSocket, listen } from "./herald-socket.js";
import { PresenceWatch } from "./presence-watch.js";

/** What a {@link HeraldConnection} is made of. */
export interface HeraldConnectionOptions {
  client: Client;
  session: Session;
  /** Makes the socket (not connected yet). @default `(client) => client.createSocket()` */
  createSocket?: ((client: Client) => HeraldSocket) | undefined;
  /** Options of the socket's `connect()`. @default {} */
  connectOptions?: ConnectOptions | undefined;
  /** Options of the presence store behind `usePresence` / `useStatus`. @default {} */
  presence?: PresenceStoreOptions | undefined;
}

interface Shared<T> {
  value: T;
  users: number;
}

/**
 * One signed-in user's socket and what the hooks share over it: the connection state, the users
 * watched, the channels joined. Users are counted (`acquire` returns the release); the last
 * release closes the thing a microtask later, so that React's strict mode, which unmounts and
 * mounts every component once more at once, costs no extra connection, follow or join.
 */
export class HeraldConnection {
  readonly client: Client;
  readonly session: Session;
  readonly socket: HeraldSocket;
  readonly #connectOptions: ConnectOptions;
  readonly #presenceOptions: PresenceStoreOptions;
  readonly #listeners = new Set<() => void>();
  readonly #channels = new Map<
    string,
    Shared<ChannelFeed> & { membership: string; views: Map<number, Shared<ChannelView>> }
  >();
  #presence: Shared<PresenceWatch> | undefined;
  #users = 0;
  #started = false;
  #stopped = false;
  #error: HeraldError | undefined;
  #offState: Unsubscribe | undefined;
  /** Why no socket could be made: channels and watches fail with it rather than wait forever. */
  readonly #broken: HeraldError | undefined;

  constructor(options: HeraldConnectionOptions) {
    this.client = options.client;
    this.session = options.session;
    const { createSocket, client } = options;
    // Made while React renders: a failure here is kept for `connect()` to report, never thrown.
    const made = makeSocket(() => (createSocket ? createSocket(client) : client.createSocket()));
    this.socket = made.socket;
    this.#broken = made.error;
    this.#connectOptions = options.connectOptions ?? {};
    this.#presenceOptions = options.presence ?? {};
  }

  /** True once the last user released it: a provider mounted again needs a new connection. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Why the last `connect()` failed; cleared when the socket opens. */
  get error(): HeraldError | undefined {
    return this.#error;
  }

  /** Calls `fn` whenever the socket's state or {@link HeraldConnection.error} changes. */
  subscribe(fn: () => void): Unsubscribe {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Connects on first use; the returned function releases this use. */
  acquire(): () => void {
    this.#users++;
    if (!this.#started) this.#start();
    return this.#releaser(() => {
      this.#users--;
      if (this.#users === 0) this.#stop();
    });
  }

  /** Connects again after a failed or closed connection (does nothing while connecting or open). */
  reconnect(): void {
    if (this.#stopped || this.socket.state !== "closed") return;
    this.#connect();
  }

  /** The shared presence watch, made on first use. */
  acquirePresence(): { watch: PresenceWatch; release: () => void } {
    this.#assertRunning("usePresence");
    this.#presence ??= {
      value: new PresenceWatch(this.socket, this.client, this.session, this.#presenceOptions),
      users: 0,
    };
    if (this.#broken) this.#presence.value.fail(this.#broken);
    const shared = this.#presence;
    shared.users++;
    const release = this.#releaser(() => {
      shared.users--;
      if (shared.users > 0 || this.#presence !== shared) return;
      this.#presence = undefined;
      shared.value.close();
    });
    return { watch: shared.value, release };
  }

  /**
   * The shared feed of a channel, joined on first use, seen through the shared view of the
   * history page size asked for (made on first use too).
   */
  acquireChannel(
    target: string,
    type: ChannelType,
    options: ChannelOptions,
  ): { view: ChannelView; release: () => void } {
    this.#assertRunning("useChannel");
    const key = channelKey(target, type, options);
    let entry = this.#channels.get(key);
    if (!entry) {
      entry = {
        value: new ChannelFeed(this.socket, target, type, options),
        users: 0,
        membership: channelMembership(target, type),
        views: new Map(),
      };
      this.#channels.set(key, entry);
      if (this.#broken) entry.value.fail(this.#broken);
    }
    const shared = entry;
    const size = options.historyPageSize ?? DEFAULT_PAGE_SIZE;
    let view = shared.views.get(size);
    if (!view) {
      view = { value: new ChannelView(shared.value, this.client, this.session, size), users: 0 };
      shared.views.set(size, view);
    }
    const seen = view;
    shared.users++;
    seen.users++;
    const release = this.#releaser(() => {
      seen.users--;
      if (seen.users === 0 && shared.views.get(size) === seen) {
        shared.views.delete(size);
        seen.value.close();
      }
      shared.users--;
      if (shared.users > 0 || this.#channels.get(key) !== shared) return;
      this.#channels.delete(key);
      // The same channel joined with other options is the same membership: it stays for them,
      // now or when a join of this feed still on its way answers (a feed made meanwhile counts).
      shared.value.close(() => !this.#stopped && !this.#hasMembership(shared.membership));
    });
    return { view: seen.value, release };
  }

  /** Whether a feed in use joins the channel of this membership. */
  #hasMembership(membership: string): boolean {
    for (const e of this.#channels.values()) if (e.membership === membership) return true;
    return false;
  }

  // A release that runs once, a microtask later: a new use meanwhile keeps the thing alive.
  #releaser(run: () => void): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      queueMicrotask(run);
    };
  }

  #assertRunning(what: string): void {
    if (this.#stopped) throw new HeraldError("bad_input", `${what}: the provider's connection was closed`);
  }

  #start(): void {
    this.#started = true;
    this.#offState = listen(this.socket, "state", ({ state }) => {
      if (state === "open") this.#error = undefined;
      this.#changed();
    });
    this.#connect();
  }

  #connect(): void {
    // A promise even if a custom socket's connect() throws instead of rejecting.
    new Promise<void>((resolve) => resolve(this.socket.connect(this.session, this.#connectOptions))).then(
      () => this.#changed(),
      (error: unknown) => {
        // disconnect() during connect() is the provider going away, not a failure to show.
        if (this.#stopped) return;
        this.#error = HeraldError.from(error, "disconnected");
        this.#changed();
      },
    );
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#offState?.();
    // The socket closes next, and channel memberships end with it.
    for (const { value, views } of this.#channels.values()) {
      for (const view of views.values()) view.value.close();
      value.close(false);
    }
    this.#channels.clear();
    this.#presence?.value.close();
    this.#presence = undefined;
    this.#listeners.clear();
    void this.socket.disconnect();
  }

  #changed(): void {
    for (const fn of [...this.#listeners]) fn();
  }
}
