import type { Envelope, EnvelopeInit } from "../../gen/wire.js";
import type { Codec } from "../../protocol/codec.js";

/**
 * What the operator console needs to know of a connected socket. The server's own session type
 * satisfies it structurally, so the console depends on no server module and survives their moves.
 */
export interface ObservedSession {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  /** The session's status while it is visible on its user's status stream. */
  readonly status: string | undefined;
  /** Users this session follows. */
  readonly follows: ReadonlySet<string>;
  /** Channels joined, by channel id. */
  readonly channels: ReadonlyMap<string, { readonly hidden: boolean; readonly persistence: boolean }>;
  readonly codec: { readonly format: string };
}

/** An envelope on its way out, possibly shared by a whole broadcast. */
export interface ObservedOutgoing {
  readonly envelope: EnvelopeInit;
  /** Its frame in a codec's format, encoded once and shared (the JSON text of a broadcast). */
  bytes?(codec: Codec): Uint8Array;
  /**
   * A stored chat message's seq in its channel's history (absent on edits, removals and
   * messages not stored): the order a read of the message table shares.
   */
  readonly storedSeq?: number | undefined;
}

/**
 * The narrow seam between the server and its operator console: the server calls these as sockets
 * come and go and envelopes pass. Each call must stay cheap (it runs on the hot path of every
 * delivery), so implementations only record references and do any work later.
 */
export interface ConsoleTap {
  /** A socket was upgraded and its session registered. */
  sessionOpened(session: ObservedSession): void;
  /** A session ended (its channels and status already cleared). */
  sessionClosed(session: ObservedSession): void;
  /** A request envelope arrived from a session, decoded. */
  received(session: ObservedSession, envelope: Envelope): void;
  /**
   * An envelope is being written to a session. A broadcast passes the same `out` object once per
   * member, one call after the other.
   */
  sent(session: ObservedSession, out: ObservedOutgoing): void;
}
