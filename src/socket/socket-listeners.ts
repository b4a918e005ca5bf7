import { badInput, checkFields, describeValue } from "../arguments.js";
import type { HeraldError } from "../errors.js";
import type { Emitter, EventIteratorOptions, Unsubscribe } from "../events.js";
import type { ChannelPresenceEvent, JsonObject, Notification, StatusPresenceEvent } from "../gen/model.js";
import type {
  DisconnectEvent,
  GapEvent,
  ReconnectedEvent,
  SocketChannelMessage,
  SocketEvents,
  StateChange,
} from "./socket-types.js";

// Every event a socket emits. JavaScript callers are not stopped by the compiler: a misspelt name
// (`"channelMesage"`) would listen to nothing, and a listener that is not a function would fail
// only at the first event.
const EVENTS =
  "statusPresence channelPresence channelMessage notification error disconnect state reconnected gap";

// The names in a space-separated list, as a type.
type Names<S extends string> = S extends `${infer Head} ${infer Rest}` ? Head | Names<Rest> : S;
type Same<A, B> = [A, B] extends [B, A] ? true : false;
type Assert<T extends true> = T;
/** Does not compile unless EVENTS names every event of SocketEvents and no other. */
export type EventListComplete = Assert<Same<Names<typeof EVENTS>, keyof SocketEvents>>;

function checkEventName(what: string, name: unknown): void {
  if (!EVENTS.split(" ").includes(name as string)) {
    throw badInput(what, `unknown event ${JSON.stringify(String(name))} (one of ${EVENTS})`);
  }
}

/** One method per event, as sugar for `on(name, fn)`; installed by the class's static block. */
export interface SocketListeners {
  /** Followed users' status changes. */
  onStatusPresence(fn: (event: StatusPresenceEvent) => void): Unsubscribe;
  /** Members joining or leaving joined channels. */
  onChannelPresence(fn: (event: ChannelPresenceEvent) => void): Unsubscribe;
  /** Messages in joined channels; `T` types the parsed `content`. */
  onChannelMessage<T extends object = JsonObject>(
    fn: (message: SocketChannelMessage<T>) => void,
  ): Unsubscribe;
  /** Notifications, one call per notification. */
  onNotification(fn: (notification: Notification) => void): Unsubscribe;
  /** Problems not tied to one call. */
  onError(fn: (error: HeraldError) => void): Unsubscribe;
  /** The socket closed for good. */
  onDisconnect(fn: (event: DisconnectEvent) => void): Unsubscribe;
  /** The connection state changed. */
  onState(fn: (change: StateChange) => void): Unsubscribe;
  /** A lost connection was restored. */
  onReconnected(fn: (event: ReconnectedEvent) => void): Unsubscribe;
  /** Messages of a channel could not be recovered. */
  onGap(fn: (event: GapEvent) => void): Unsubscribe;
}

/** The event side of a `Socket`: typed listeners and async iterators over its events. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the onX methods are installed on the prototype by the static block
export class SocketListeners {
  readonly #events: Emitter<SocketEvents>;

  /** Listens on `events`, which the socket emits to. */
  constructor(events: Emitter<SocketEvents>) {
    this.#events = events;
  }

  /**
   * Calls `fn` for every `name` event; returns the function that stops it. Throws HeraldError
   * `bad_input` for an unknown event name or a listener that is not a function.
   */
  on<K extends keyof SocketEvents>(name: K, fn: (event: SocketEvents[K]) => void): Unsubscribe {
    checkEventName("on", name);
    if (typeof fn !== "function")
      throw badInput("on", `the listener must be a function, got ${describeValue(fn)}`);
    return this.#events.on(name, fn);
  }

  /**
   * The `name` events as an async iterator (`for await`). Ends when `signal` aborts, the loop is
   * left, or the socket closes for good; throws HeraldError `overflow` if more than `bufferSize`
   * events wait unread. Throws HeraldError `bad_input` for an unknown event name, a `bufferSize`
   * that is not a whole number 1 or more, or a `signal` that is not an AbortSignal.
   */
  events<K extends keyof SocketEvents>(
    name: K,
    options?: EventIteratorOptions,
  ): AsyncIterableIterator<SocketEvents[K]> {
    checkEventName("events", name);
    checkFields("events", "signal:a bufferSize:w", options);
    return this.#events.events(name, options);
  }

  // Every `onX(fn)` of the interface below, as `on("x", fn)`.
  static {
    for (const name of EVENTS.split(" ")) {
      Object.defineProperty(SocketListeners.prototype, `on${name[0]?.toUpperCase()}${name.slice(1)}`, {
        configurable: true,
        writable: true,
        value(this: SocketListeners, fn: never) {
          return this.on(name as keyof SocketEvents, fn);
        },
      });
    }
  }
}
