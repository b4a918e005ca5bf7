import { type CallOptions, watchCall } from "../call-options.js";
import { HeraldError } from "../errors.js";
import type { Unsubscribe } from "../events.js";
import type { Channel, ChannelMessageAck, ChannelPresenceEvent, UserPresence } from "../gen/model.js";
import type { ChannelType } from "../gen/wire.js";
import type { WriteChatMessageOptions } from "../socket/socket-types.js";
import type { ChannelOptions, ChannelStatus } from "./channel-types.js";
import { type HeraldSocket, type HeraldSocketEvents, listen } from "./herald-socket.js";

/** The shared part of a channel: where its join stands and who is in it. */
export interface JoinState {
  readonly status: ChannelStatus;
  readonly channel: Channel | undefined;
  readonly channelId: string | undefined;
  readonly presences: readonly UserPresence[];
  readonly error: HeraldError | undefined;
}

const ignore = () => {};
// The wait for the join is bounded like a realtime request: by the call's own time limit, else 10 s.
const JOIN_WAIT_MS = 10_000;

/**
 * One joined channel shared by every component that asks for it: joins when the socket opens,
 * keeps its members live, and joins again when the app's socket comes back. Messages are kept by
 * the views over it (`ChannelView`), one per history page size.
 */
export class ChannelFeed {
  readonly #socket: HeraldSocket;
  readonly #target: string;
  readonly #type: ChannelType;
  readonly #persistence: boolean;
  readonly #hidden: boolean;
  readonly #listeners = new Set<() => void>();
  readonly #joinedListeners = new Set<(channelId: string) => void>();
  readonly #offs: Unsubscribe[];
  #state: JoinState = {
    status: "joining",
    channel: undefined,
    channelId: undefined,
    presences: [],
    error: undefined,
  };
  #joins = 0;
  #waiters: { resolve(id: string): void; reject(error: HeraldError): void }[] = [];
  #closed = false;
  /** Whether a join answered after the close is to be left (asked then, not at the close). */
  #leaveLate: () => boolean = () => false;

  /**
   * `refused`: a feed that never joins and is `failed` with this error from the start (the socket's
   * membership of the channel is another feed's, with other options).
   */
  constructor(
    socket: HeraldSocket,
    target: string,
    type: ChannelType,
    options: ChannelOptions,
    refused?: HeraldError,
  ) {
    this.#socket = socket;
    this.#target = target;
    this.#type = type;
    this.#persistence = options.persistence ?? true;
    this.#hidden = options.hidden ?? false;
    if (refused) {
      this.#state = { ...this.#state, status: "failed", error: refused };
      this.#offs = [];
      return;
    }
    this.#offs = [
      listen(socket, "channelPresence", (e) => this.#onPresence(e)),
      listen(socket, "state", ({ previous, state }) => this.#onState(previous, state)),
      // Reconnecting sockets join again by themselves; joining once more reads the members now.
      listen(socket, "reconnected", () => this.#join()),
      listen(socket, "gap", (e) => this.#onGap(e)),
    ];
    if (socket.state === "open") this.#join();
  }

  /** The socket the channel is joined over. */
  get socket(): HeraldSocket {
    return this.#socket;
  }

  /** Whether the channel is joined with persistence (what a socket's catch-up reads back). */
  get persistent(): boolean {
    return this.#persistence;
  }

  /** The current state; the same object until something changes. */
  get state(): JoinState {
    return this.#state;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `fn` after every change of {@link ChannelFeed.state}. */
  subscribe(fn: () => void): Unsubscribe {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Calls `fn` after every join that succeeds (the first and each one after a reconnection). */
  onJoined(fn: (channelId: string) => void): Unsubscribe {
    this.#joinedListeners.add(fn);
    return () => this.#joinedListeners.delete(fn);
  }

  /** Sends a message, once the channel is joined; rejects with the join's error if it failed. */
  async send(content: object, options?: WriteChatMessageOptions): Promise<ChannelMessageAck> {
    const channelId = await this.joined("send", options);
    return this.#socket.writeChatMessage(channelId, content, options);
  }

  /** Replaces the content of a message this user wrote. */
  async update(messageId: string, content: object, options?: CallOptions): Promise<ChannelMessageAck> {
    const channelId = await this.joined("update", options);
    return this.#socket.updateChatMessage(channelId, messageId, content, options);
  }

  /** Removes a message this user wrote. */
  async remove(messageId: string, options?: CallOptions): Promise<ChannelMessageAck> {
    const channelId = await this.joined("remove", options);
    return this.#socket.removeChatMessage(channelId, messageId, options);
  }

  /**
   * Joins again, with this feed's options: after the socket left a membership of the channel
   * that another feed had joined with other options.
   */
  rejoin(): void {
    this.#join();
  }

  /** Marks the channel `failed` with `error` (a socket that can never open): waiting calls reject. */
  fail(error: HeraldError): void {
    this.#update({ status: "failed", error });
    this.#rejectWaiters(error);
  }

  /**
   * Stops listening and, with `leave` (when the socket is open), leaves the channel. `leave` may
   * be a function, asked when the leave would be sent: a join still on its way is left only once
   * it answers, and the socket's membership may by then be another feed's.
   */
  close(leave: boolean | (() => boolean) = true): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leaveLate = typeof leave === "function" ? leave : () => leave;
    for (const off of this.#offs) off();
    this.#listeners.clear();
    this.#joinedListeners.clear();
    this.#rejectWaiters(new HeraldError("bad_input", "the channel was left"));
    const { channelId } = this.#state;
    // A socket away (reconnecting) would join the channel again on its return: the leave makes it
    // forget the channel (it resolves at once).
    const { state } = this.#socket;
    if (channelId && (state === "open" || state === "reconnecting") && this.#leaveLate())
      this.#socket.leaveChat(channelId).catch(ignore);
  }

  /**
   * The channel's id once joined; rejects with the join's error if it failed, and with `timeout`
   * or `aborted` when `options` say so before the join answers.
   */
  joined(what: string, options?: CallOptions): Promise<string> {
    if (this.#closed) return Promise.reject(new HeraldError("bad_input", `${what}: the channel was left`));
    const { channelId, status, error } = this.#state;
    if (channelId) return Promise.resolve(channelId);
    if (status === "failed")
      return Promise.reject(error ?? new HeraldError("server_error", `${what}: join failed`));
    return new Promise((resolve, reject) => {
      let stop = () => {};
      const waiter = {
        resolve(id: string) {
          stop();
          resolve(id);
        },
        reject(e: HeraldError) {
          stop();
          reject(e);
        },
      };
      try {
        stop = watchCall(what, options, JOIN_WAIT_MS, (e) => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          waiter.reject(e);
        });
      } catch (e) {
        reject(HeraldError.from(e, "bad_input"));
        return;
      }
      this.#waiters.push(waiter);
    });
  }

  #onState(previous: string, state: string): void {
    if (state === "open" && previous !== "reconnecting") {
      // First connection, or a plain socket the app connected again: nothing was joined for us.
      this.#join();
    } else if (state !== "open" && this.#state.status === "joined") {
      this.#update({ status: "joining" });
    }
  }

  #join(): void {
    if (this.#closed) return;
    const attempt = ++this.#joins;
    if (this.#state.status !== "joined") this.#update({ status: "joining" });
    this.#socket
      .joinChat(this.#target, this.#type, { persistence: this.#persistence, hidden: this.#hidden })
      .then(
        (channel) => {
          if (this.#closed) {
            if (this.#socket.state === "open" && this.#leaveLate())
              this.#socket.leaveChat(channel.id).catch(ignore);
            return;
          }
          if (attempt !== this.#joins) return;
          const presences = [...channel.presences];
          const self = channel.self;
          if (self && !this.#hidden && !presences.some((p) => p.sessionId === self.sessionId)) {
            presences.push(self);
          }
          this.#update({ status: "joined", channel, channelId: channel.id, presences, error: undefined });
          for (const w of this.#waiters.splice(0)) w.resolve(channel.id);
          for (const fn of [...this.#joinedListeners]) fn(channel.id);
        },
        (error: unknown) => {
          if (this.#closed || attempt !== this.#joins) return;
          const e = HeraldError.from(error);
          // A join cut short by a lost connection is tried again when the socket is back.
          if (e.code === "disconnected" && this.#socket.state !== "open") return;
          this.#update({ status: "failed", error: e });
          this.#rejectWaiters(e);
        },
      );
  }

  #rejectWaiters(error: HeraldError): void {
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }

  #onGap(event: HeraldSocketEvents["gap"]): void {
    if (event.channelId !== this.#state.channelId || event.reason !== "not_rejoined") return;
    const error = event.error ?? new HeraldError("server_error", "the channel could not be joined again");
    this.#update({ status: "failed", error });
  }

  #onPresence(event: ChannelPresenceEvent): void {
    if (event.channelId !== this.#state.channelId) return;
    const gone = new Set(event.leaves.map((p) => p.sessionId));
    const kept = this.#state.presences.filter((p) => !gone.has(p.sessionId));
    const known = new Set(kept.map((p) => p.sessionId));
    const joined = event.joins.filter((p) => !known.has(p.sessionId));
    this.#update({ presences: [...kept, ...joined] });
  }

  #update(change: Partial<JoinState>): void {
    if (this.#closed) return;
    this.#state = { ...this.#state, ...change };
    for (const fn of [...this.#listeners]) fn();
  }
}
