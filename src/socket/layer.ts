import type { CallOptions } from "../call-options.js";
import type { HeraldError } from "../errors.js";
import type { ChannelMessage } from "../gen/model.js";
import type { Envelope, EnvelopeInit, EnvelopeKind } from "../gen/wire.js";
import type { Session } from "../session.js";
import type { ServerProfile } from "./server-profile.js";
import type { SocketClient } from "./socket-client.js";
import type { ReconnectedEvent, SocketEvents, SocketState } from "./socket-types.js";

/** An outgoing request as it travels down the layers. */
export interface OutgoingRequest {
  /** The public call's name, for error messages. */
  what: string;
  message: EnvelopeInit;
  /** The reply kind a success carries (undefined: a bare acknowledgement). */
  expect?: EnvelopeKind | undefined;
  options?: CallOptions | undefined;
}

/** Sends a request and resolves with its reply envelope (undefined for a bare acknowledgement). */
export type Send = (request: OutgoingRequest) => Promise<Envelope | undefined>;

/** A layer over outgoing requests: gets the next sender, returns its own (connect-es's interceptor shape). */
export type Interceptor = (next: Send) => Send;

/**
 * Hands a channel message on towards the app; `catchUp` is set on one fetched from history after
 * a reconnection. Two arguments rather than a wrapper object: one allocation fewer per message.
 */
export type Deliver = (message: ChannelMessage, catchUp?: boolean) => void;

/** A layer over incoming channel messages: gets the next deliverer, returns its own. */
export type PushInterceptor = (next: Deliver) => Deliver;

/** What the Socket lends its layers. */
export interface LayerHost {
  readonly state: SocketState;
  /** Bumped by every connection opened and every one lost: work begun under an older one stops. */
  readonly generation: number;
  readonly session: Session | undefined;
  readonly client: SocketClient;
  /** What the current server takes and offers. */
  readonly profile: ServerProfile;
  /** Sends on the current connection below every layer (restores are not recorded again). */
  transmit: Send;
  emit<K extends keyof SocketEvents>(name: K, value: SocketEvents[K]): void;
  /** Drops the current connection at once (a heartbeat that got no answer). */
  cut(reason: string): void;
  /** Opens a new connection with the session and options of `connect()`; rejects if it fails. */
  redial(): Promise<void>;
}

/**
 * A piece of the Socket's behaviour: interceptors over requests and messages, and hooks on the
 * connection's life. Every hook is optional.
 */
export interface Layer {
  request?: Interceptor;
  push?: PushInterceptor;
  /** A connection is open (the first, or a restored one once restored). */
  opened?(reconnected: boolean): void;
  /** The connection was lost and will be restored. */
  lost?(code: number): void;
  /** A new connection is open after a loss, not yet reported open: put back what was there. */
  restore?(report: ReconnectedEvent): Promise<void>;
  /** The socket closed for good (`disconnect()`, or a refused session). */
  closed?(error: HeraldError): void;
}
