import { checkFields } from "../arguments.js";
import {
  type CloseEventLike,
  defaultWebSocket,
  type WebSocketConstructor,
  type WebSocketLike,
} from "../transport/websocket.js";

/** Options of {@link cuttableWebSocket}. */
export interface CuttableWebSocketOptions {
  /** The real constructor the wrapper opens connections with. @default the platform's (`ws` in Node) */
  WebSocket?: WebSocketConstructor | undefined;
}

/** The WebSocket constructor to hand to a socket, and the controls over the connections it opens. */
export interface CuttableWebSocket {
  /** Pass as `client.createSocket({ WebSocket })`. */
  readonly WebSocket: WebSocketConstructor;
  /** URLs of the connections attempted so far, oldest first. */
  readonly urls: readonly string[];
  /** Connections attempted so far. */
  count(): number;
  /** Drops the latest connection at once (its socket sees close code 1006, no close handshake). */
  cut(): void;
  /** Drops every open connection at once. */
  cutAll(): void;
  /**
   * Holds traffic of every connection, open and future, in both directions: sends and received
   * messages wait, nothing closes. `restore()` delivers what was held, in order.
   */
  blackhole(): void;
  /** Fails new connections at once (an error, then close 1006) until `restore()`. */
  refuse(): void;
  /** Passes traffic again and delivers what a blackhole held. */
  restore(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

type Mode = "open" | "blackhole" | "refuse";

/**
 * A WebSocket wrapper an app hands to its socket, whose connections a test can cut, blackhole or
 * refuse from inside the app, without a proxy: it works wherever the SDK does (Node, browsers,
 * React Native), since it only wraps the standard WebSocket API.
 *
 * ```ts
 * const net = cuttableWebSocket();
 * const socket = client.createSocket({ WebSocket: net.WebSocket });
 * await socket.connect(session);
 * net.cut(); // the socket sees a lost connection
 * ```
 */
export function cuttableWebSocket(options: CuttableWebSocketOptions = {}): CuttableWebSocket {
  checkFields("cuttableWebSocket", "WebSocket:f", options);
  const Inner = options.WebSocket ?? defaultWebSocket;
  const made: Wrapped[] = [];
  const urls: string[] = [];
  const state = { mode: "open" as Mode };

  class Wrapped implements WebSocketLike {
    onopen: WebSocketLike["onopen"] = null;
    onclose: WebSocketLike["onclose"] = null;
    onerror: WebSocketLike["onerror"] = null;
    onmessage: WebSocketLike["onmessage"] = null;
    readonly #inner: WebSocketLike | undefined;
    readonly #heldOut: (string | Uint8Array)[] = [];
    readonly #heldIn: { data: unknown }[] = [];
    #cut = false;
    #binaryType = "blob";

    constructor(url: string) {
      urls.push(url);
      made.push(this);
      if (state.mode === "refuse") {
        this.#inner = undefined;
        this.#cut = true;
        setTimeout(() => {
          this.onerror?.({ error: new Error(`connection to ${url} refused (cuttableWebSocket.refuse)`) });
          this.onclose?.({ code: 1006, reason: "", wasClean: false });
        }, 0);
        return;
      }
      const inner = new Inner(url);
      this.#inner = inner;
      inner.onopen = (event) => {
        if (!this.#cut) this.onopen?.(event);
      };
      inner.onerror = (event) => {
        if (!this.#cut) this.onerror?.(event);
      };
      inner.onclose = (event) => {
        if (!this.#cut) this.onclose?.(event);
      };
      inner.onmessage = (event) => {
        if (this.#cut) return;
        if (state.mode === "blackhole") this.#heldIn.push({ data: event.data });
        else this.onmessage?.(event);
      };
    }

    get binaryType(): string {
      return this.#inner?.binaryType ?? this.#binaryType;
    }

    set binaryType(value: string) {
      this.#binaryType = value;
      if (this.#inner) this.#inner.binaryType = value;
    }

    get readyState(): number {
      if (this.#cut) return CLOSED;
      return this.#inner?.readyState ?? CONNECTING;
    }

    send(data: string | Uint8Array): void {
      if (this.#cut) return;
      if (state.mode === "blackhole" || this.#heldOut.length) this.#heldOut.push(data);
      else this.#inner?.send(data);
    }

    close(code?: number, reason?: string): void {
      if (this.#cut) return;
      this.#inner?.close(code, reason);
    }

    /** Drops the connection: the app sees 1006 at once, the real socket is closed behind it. */
    cut(): void {
      if (this.#cut || this.readyState === CLOSED) return;
      this.#cut = true;
      const inner = this.#inner;
      if (inner) {
        const terminate = (inner as { terminate?: () => void }).terminate;
        try {
          if (terminate) terminate.call(inner);
          else inner.close(4000, "cut");
        } catch {
          // Already closing.
        }
      }
      const event: CloseEventLike = { code: 1006, reason: "", wasClean: false };
      setTimeout(() => this.onclose?.(event), 0);
    }

    /** Delivers what a blackhole held, in order. */
    flush(): void {
      if (this.#cut) return;
      for (const data of this.#heldOut.splice(0)) this.#inner?.send(data);
      for (const event of this.#heldIn.splice(0)) this.onmessage?.(event);
    }

    get live(): boolean {
      return !this.#cut && this.readyState <= OPEN;
    }
  }

  return {
    WebSocket: Wrapped,
    urls,
    count: () => made.length,
    cut: () => made[made.length - 1]?.cut(),
    cutAll: () => {
      for (const ws of made) if (ws.live) ws.cut();
    },
    blackhole: () => {
      state.mode = "blackhole";
    },
    refuse: () => {
      state.mode = "refuse";
    },
    restore: () => {
      state.mode = "open";
      for (const ws of made) ws.flush();
    },
  };
}
