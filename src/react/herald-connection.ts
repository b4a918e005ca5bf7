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

/** A channel's shared feed and what the registry knows of it. */
interface ChannelEntry extends Shared<ChannelFeed> {
  /** The channel's membership on the socket (one per channel, whatever the options). */
  membership: string;
  /** The options it joins with, defaults applied. */
  persistence: boolean;
  hidden: boolean;
  /** Uses not released yet (`users` counts the released ones until their release runs). */
  live: number;
  views: Map<number, Shared<ChannelView>>;
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
  readonly #channels = new Map<string, ChannelEntry>();
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
   * history page size asked for (made on first use too). While the channel is in use with other
   * `persistence` or `hidden`, the view is one of its own, `failed` with the conflict: the socket
   * is a member of a channel once, and joining again would change nothing (joining anew would
   * change the membership of the components using it).
   */
  acquireChannel(
    target: string,
    type: ChannelType,
    options: ChannelOptions,
  ): { view: ChannelView; release: () => void } {
    this.#assertRunning("useChannel");
    const key = channelKey(target, type, options);
    const membership = channelMembership(target, type);
    const size = options.historyPageSize ?? DEFAULT_PAGE_SIZE;
    const persistence = options.persistence ?? true;
    const hidden = options.hidden ?? false;
    for (const [k, e] of this.#channels) {
      if (k !== key && e.membership === membership && e.live > 0) {
        return this.#refused(target, type, options, size, conflict(target, { persistence, hidden }, e));
      }
    }
    let entry = this.#channels.get(key);
    if (!entry) {
      entry = {
        value: new ChannelFeed(this.socket, target, type, options),
        users: 0,
        membership,
        persistence,
        hidden,
        live: 0,
        views: new Map(),
      };
      this.#channels.set(key, entry);
      if (this.#broken) entry.value.fail(this.#broken);
    }
    const shared = entry;
    let view = shared.views.get(size);
    if (!view) {
      view = { value: new ChannelView(shared.value, this.client, this.session, size), users: 0 };
      shared.views.set(size, view);
    }
    const seen = view;
    shared.users++;
    shared.live++;
    seen.users++;
    let released = false;
    const later = this.#releaser(() => {
      seen.users--;
      if (seen.users === 0 && shared.views.get(size) === seen) {
        shared.views.delete(size);
        seen.value.close();
      }
      shared.users--;
      if (shared.users > 0 || this.#channels.get(key) !== shared) return;
      this.#channels.delete(key);
      // A feed of the channel made once this one was released (a component's options changed)
      // joined a membership that is still this feed's, with these options: the socket leaves it,
      // and that feed joins again, with its own. Now, or when a join of this feed still on its way
      // answers (a feed made meanwhile counts).
      shared.value.close(() => {
        if (this.#stopped) return false;
        const next = this.#inUse(shared.membership);
        // After the leave is sent (the socket sends requests in order).
        if (next) queueMicrotask(() => next.value.rejoin());
        return true;
      });
    });
    const release = () => {
      if (!released) shared.live--;
      released = true;
      later();
    };
    return { view: seen.value, release };
  }

  /** A view of its own over a feed that never joins, `failed` with `error`. */
  #refused(
    target: string,
    type: ChannelType,
    options: ChannelOptions,
    size: number,
    error: HeraldError,
  ): { view: ChannelView; release: () => void } {
    const feed = new ChannelFeed(this.socket, target, type, options, error);
    const view = new ChannelView(feed, this.client, this.session, size);
    return {
      view,
      release: this.#releaser(() => {
        view.close();
        feed.close(false);
      }),
    };
  }

  /** The feed in use that joins the channel of this membership, if any. */
  #inUse(membership: string): ChannelEntry | undefined {
    for (const e of this.#channels.values()) if (e.membership === membership) return e;
    return undefined;
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

/** The refusal of a channel asked with other options than those it is in use with. */
function conflict(
  target: string,
  asked: { persistence: boolean; hidden: boolean },
  held: { persistence: boolean; hidden: boolean },
): HeraldError {
  const names = (["persistence", "hidden"] as const).filter((name) => asked[name] !== held[name]);
  const list = (o: typeof asked) => names.map((name) => `${name}: ${o[name]}`).join(", ");
  return new HeraldError(
    "bad_input",
    `useChannel: channel ${JSON.stringify(target)} is in use by another component with ${list(held)}; ` +
      `this one asks for ${list(asked)}. A socket joins a channel once, with one set of options: ` +
      "give every component using a channel the same persistence and hidden",
  );
}
