import type { Client } from "../client.js";
import { HeraldError } from "../errors.js";
import type { Unsubscribe } from "../events.js";
import type { UserPresenceState } from "../presence/presence-state.js";
import { type PresenceSocket, PresenceStore, type PresenceStoreOptions } from "../presence/presence-store.js";
import type { Session } from "../session.js";
import { canonicalUuid } from "../socket/ids.js";
import { type HeraldSocket, listen } from "./herald-socket.js";

/**
 * The users components ask to see, over one {@link PresenceStore}: each id is counted per
 * component, watched while at least one wants it, and watched again whenever the socket opens.
 * Releases wait a microtask, so a component that unmounts and mounts again at once (React's
 * strict mode) keeps its follows instead of unfollowing and following again.
 */
export class PresenceWatch {
  readonly store: PresenceStore;
  readonly #socket: HeraldSocket;
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  readonly #offs: Unsubscribe[];
  #version = 0;
  #error: HeraldError | undefined;
  #closed = false;
  /** Whether the socket has been open before: opening again means follows were lost. */
  #opened = false;

  constructor(socket: HeraldSocket, client: Client, session: Session, options: PresenceStoreOptions = {}) {
    this.#socket = socket;
    // The store takes the sugar names; any socket with `on` can provide them.
    const adapter: PresenceSocket = {
      get state() {
        return socket.state;
      },
      followUsers: (ids, o) => socket.followUsers(ids, o),
      unfollowUsers: (ids, o) => socket.unfollowUsers(ids, o),
      onStatusPresence: (fn) => socket.on("statusPresence", fn),
      onReconnected: (fn) => listen(socket, "reconnected", fn),
      // The store holds events from a lost connection until the restore's follow answers.
      onState: (fn) => listen(socket, "state", fn),
    };
    this.store = new PresenceStore(adapter, client, session, options);
    this.#opened = socket.state === "open";
    this.#offs = [
      this.store.onChange(() => this.#changed()),
      this.store.on("error", (error) => {
        this.#error = error;
        this.#changed();
      }),
      listen(socket, "state", ({ previous, state }) => this.#onState(previous, state)),
    ];
  }

  /** Counts a change of what the store knows; hooks read it as their snapshot. */
  get version(): number {
    return this.#version;
  }

  /** The last failure to watch or to refresh, cleared when a watch succeeds. */
  get error(): HeraldError | undefined {
    return this.#error;
  }

  /** Calls `fn` after every change of {@link PresenceWatch.version}. */
  subscribe(fn: () => void): Unsubscribe {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Wants `userIds` watched until the returned function is called. */
  acquire(userIds: readonly string[]): () => void {
    const ids = [...new Set(userIds.map(canonicalUuid))];
    const fresh: string[] = [];
    for (const id of ids) {
      const count = this.#counts.get(id) ?? 0;
      if (count === 0 && !this.store.watching.includes(id)) fresh.push(id);
      this.#counts.set(id, count + 1);
    }
    if (fresh.length > 0) this.#watch(fresh);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) this.#counts.set(id, (this.#counts.get(id) ?? 1) - 1);
      queueMicrotask(() => this.#unwatchUnwanted(ids));
    };
  }

  /** Reports `error` for every user watched (a socket that can never open). */
  fail(error: HeraldError): void {
    this.#error = error;
    this.#changed();
  }

  /** Stops listening and forgets every user (the socket is closing, follows end with it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#listeners.clear();
    void this.store.close();
  }

  #onState(previous: string, state: string): void {
    if (state !== "open") return;
    // Follows end with a connection. A socket that reconnects by itself says `reconnected`, and
    // the store resyncs on that; a plain socket connected again needs the resync here.
    if (this.#opened && previous !== "reconnecting" && this.store.watching.length > 0) {
      this.store.resync().catch((error: unknown) => this.#failed(error));
    }
    this.#opened = true;
    this.#watch([...this.#counts.keys()]);
  }

  #failed(error: unknown): void {
    if (this.#closed) return;
    this.#error = HeraldError.from(error);
    this.#changed();
  }

  #watch(ids: string[]): void {
    if (this.#closed || ids.length === 0 || this.#socket.state !== "open") return;
    this.store.watch(ids).then(
      () => {
        if (this.#error === undefined) return;
        this.#error = undefined;
        this.#changed();
      },
      (error: unknown) => this.#failed(error),
    );
  }

  #unwatchUnwanted(ids: string[]): void {
    if (this.#closed) return;
    const unwanted = ids.filter((id) => (this.#counts.get(id) ?? 0) <= 0);
    for (const id of unwanted) this.#counts.delete(id);
    if (unwanted.length === 0) return;
    this.store.unwatch(unwanted).catch(() => {
      // Unfollowing only fails with the connection, and follows end with it anyway.
    });
  }

  #changed(): void {
    this.#version++;
    for (const fn of [...this.#listeners]) fn();
  }

  /** The state of a watched user, once loaded. */
  get(userId: string): UserPresenceState | undefined {
    return this.store.get(userId);
  }
}
