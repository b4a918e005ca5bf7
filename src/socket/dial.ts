import { noExtensions, requireExtension } from "../capabilities.js";
import { HeraldError } from "../errors.js";
import type { Codec } from "../protocol/codec.js";
import { refusedTokens, type Session } from "../session.js";
import type { WebSocketConstructor } from "../transport/websocket.js";
import { type Connection, type ConnectionHandlers, openConnection } from "./connection.js";
import { type ServerProfile, serverProfile } from "./server-profile.js";
import type { SocketClient } from "./socket-client.js";
import type { ConnectOptions } from "./socket-types.js";

/** How long `connect()` waits by default, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** One attempt to open a Socket's connection. */
export interface DialRequest {
  /** The server's base URL (`ws[s]://host:port`). */
  url: string;
  codec: Codec;
  WebSocket: WebSocketConstructor;
  client: SocketClient;
  session: Session;
  options: ConnectOptions;
  /** The caller's own frame limit, if any. */
  maxFrameBytes: number | undefined;
  /** A frame arrived on the new connection. */
  frame: ConnectionHandlers["frame"];
  /** A transport error of the new connection. */
  error: ConnectionHandlers["error"];
  /** The new connection ended; `conn` is undefined if it ended before it was handed over. */
  closed(conn: Connection | undefined, code: number, reason: string): void;
  /**
   * Receives a function that gives up on the attempt while the WebSocket opens, and `undefined`
   * once it is open (the attempt can no longer be given up that way).
   */
  abortable(stop: ((error: HeraldError) => void) | undefined): void;
  /** False once the attempt is no longer wanted (`disconnect()`, a newer attempt). */
  wanted(): boolean;
}

const unwanted = () => new HeraldError("disconnected", "connect: disconnect() was called");

/** Sessions whose server took a token this device's clock called expired: that clock runs ahead. */
const clockAhead = new WeakSet<Session>();

/**
 * Opens a connection: refreshes the session, learns what the server takes and offers, opens the
 * WebSocket. Resolves with the open connection and the server's profile. `again`: this is the try
 * after the server refused a token this device's clock called valid.
 */
export async function dial(
  r: DialRequest,
  again?: boolean,
): Promise<{ conn: Connection; profile: ServerProfile }> {
  const { options, session, codec } = r;
  await r.client.ensureFresh(session, options);
  let caps = noExtensions;
  try {
    caps = await r.client.capabilities(options);
  } catch (error) {
    // Unknown: the strictest limits are assumed, unless the caller's own limit ran out.
    if (HeraldError.is(error, "aborted")) throw error;
  }
  if (options.invisible) requireExtension(caps, "user_presence", "connect: invisible");
  if (!r.wanted()) throw unwanted();
  const profile = serverProfile(caps, codec, r.maxFrameBytes);
  // Built by hand: React Native's URLSearchParams lacks most methods.
  const query = `lang=${encodeURIComponent(options.lang ?? "en")}&status=${!!options.appearOnline}&token=${encodeURIComponent(session.token)}${codec.format === "json" ? "" : `&format=${codec.format}`}${options.invisible === undefined ? "" : `&invisible=${options.invisible}`}`;
  let self: Connection | undefined;
  const conn = await openConnection(
    r.WebSocket,
    `${r.url}/ws?${query}`,
    { frame: r.frame, error: r.error, closed: (code, reason) => r.closed(self, code, reason) },
    r.abortable,
  ).catch((error: HeraldError) => {
    // A token the server refused though this device's clock calls it valid (that clock runs behind
    // the server's): refreshed, and tried once more, as the Client does for REST calls.
    if (error.status === 401 && !again && !session.isExpired()) {
      refusedTokens.set(session, session.token);
      return undefined;
    }
    // A browser hides a refused upgrade's HTTP status. With the token expired here and not
    // refreshed (no refresh token left), the failure is taken for that refusal, or a reconnection
    // would retry for ever. Judged after the failure, not before: a device whose clock runs ahead
    // still connects with a token its server takes; and once it did, the clock's word on expiry is
    // not taken at all, so that a network gone for a while does not end its reconnection.
    throw r.wanted() &&
      !error.status &&
      error.code === "disconnected" &&
      session.isExpired() &&
      !clockAhead.has(session)
      ? new HeraldError("unauthenticated", "connect: the session has expired", { cause: error })
      : error;
  });
  if (!conn) return dial(r, true);
  self = conn;
  r.abortable(undefined);
  if (session.isExpired()) clockAhead.add(session);
  if (!r.wanted()) {
    conn.close();
    throw unwanted();
  }
  return { conn, profile };
}
