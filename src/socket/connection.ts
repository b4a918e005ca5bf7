import { HeraldError } from "../errors.js";
import type { HeraldErrorCode } from "../protocol/error-codes.js";
import type { WebSocketConstructor, WebSocketLike } from "../transport/websocket.js";

/** What a {@link Connection} reports to its owner. */
export interface ConnectionHandlers {
  /** A frame arrived. */
  frame(data: unknown): void;
  /** The connection ended (by either side, or cut); called once. */
  closed(code: number, reason: string): void;
  /** A transport error that did not end the connection by itself. */
  error(error: HeraldError): void;
}

/**
 * One WebSocket connection, the seam between the Socket and the network: frames out, frames in,
 * and an end reported exactly once. Nothing above it touches the WebSocket.
 */
export interface Connection {
  /** True until the end is reported. */
  readonly open: boolean;
  send(frame: string | Uint8Array): void;
  /** Closes with a handshake; the end is reported when it completes. */
  close(code?: number): void;
  /** Drops the connection at once (no handshake to wait for) and reports the end now. */
  cut(code: number, reason: string): void;
}

const ignore = () => {};

// What a refused upgrade's HTTP status means. 429 is a count cap (herald's server: too many
// sockets for one user), 503 a server that cannot serve now; both are worth a later retry.
const upgradeRefusals: Record<number, HeraldErrorCode> = {
  400: "bad_input",
  401: "unauthenticated",
  429: "resource_exhausted",
  503: "unavailable",
};

// The `ws` package (Node) reports a refused upgrade as an error naming the HTTP status; browsers
// hide the status, so there a refused token looks like any failed connection.
function connectError(address: string, cause: unknown): HeraldError {
  const message = String((cause as { message?: unknown } | null)?.message ?? "");
  const status = Number(/response: (\d+)/.exec(message)?.[1]);
  const code = upgradeRefusals[status] ?? "disconnected";
  const why = status ? ` with HTTP ${status}` : message ? `: ${message}` : "";
  return new HeraldError(code, `connect to ${address} failed${why}`, { cause, status: status || undefined });
}

/**
 * Opens a WebSocket to `url`. Resolves once it is open; rejects with a HeraldError naming the
 * address (`unauthenticated` for a refused token) if it fails first. `abort` receives a function
 * that gives up on the attempt with the given error.
 */
export function openConnection(
  WebSocket: WebSocketConstructor,
  url: string,
  handlers: ConnectionHandlers,
  abort: (stop: (error: HeraldError) => void) => void,
): Promise<Connection> {
  // The address without its query, which holds the session token.
  const address = url.split("?")[0] as string;
  return new Promise<Connection>((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new WebSocket(url);
    } catch (cause) {
      reject(connectError(address, cause));
      return;
    }
    let failure: unknown;
    let ended = false;
    const detach = (close: boolean) => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      // Not null: `ws` (Node) throws an error event nobody listens to, e.g. closing mid-handshake.
      ws.onerror = ignore;
      try {
        if (close) ws.close(1000);
      } catch {
        // Already closing or closed.
      }
    };
    abort((error) => {
      detach(true);
      reject(error);
    });
    ws.binaryType = "arraybuffer";
    ws.onerror = (event) => {
      failure ??= (event as { error?: unknown } | null)?.error ?? event;
    };
    ws.onclose = (event) => {
      detach(false);
      reject(
        failure === undefined
          ? new HeraldError("disconnected", `connect to ${address}: closed by the server (${event.code})`)
          : connectError(address, failure),
      );
    };
    ws.onopen = () => {
      const end = (code: number, reason: string) => {
        if (ended) return;
        ended = true;
        detach(false);
        handlers.closed(code, reason);
      };
      const connection: Connection = {
        get open() {
          return !ended;
        },
        send: (frame) => ws.send(frame),
        close(code = 1000) {
          try {
            ws.close(code);
          } catch {
            end(code, "");
          }
        },
        cut(code, reason) {
          if (ended) return;
          const terminate = (ws as { terminate?: () => void }).terminate;
          end(code, reason);
          try {
            if (terminate) terminate.call(ws);
            else ws.close(4000, reason);
          } catch {
            // Already closed.
          }
        },
      };
      ws.onerror = (event) =>
        handlers.error(connectError(address, (event as { error?: unknown }).error ?? event));
      ws.onclose = (event) => end(event.code, event.reason);
      ws.onmessage = (event) => handlers.frame(event.data);
      resolve(connection);
    };
  });
}
