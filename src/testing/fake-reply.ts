import { HeraldError } from "../errors.js";
import type { EnvelopeInit, EnvelopeKind, EnvelopeMessageInits, RealtimeErrorInit } from "../gen/wire.js";
import {
  type HeraldErrorCode,
  isHeraldErrorCode,
  PRECISE_CODE_KEY,
  wireCodes,
} from "../protocol/error-codes.js";

/** A reply message of any kind, typed by its kind: `{ kind: "status", body: { presences: [] } }`. */
export type FakeMessage = {
  [K in EnvelopeKind]: { kind: K; body: EnvelopeMessageInits[K] };
}[EnvelopeKind];

/**
 * An error a fake server sends: a wire `code` (a number such as 3, or a herald error code such as
 * `"permission_denied"`, sent as its gRPC number with the precise code in `context`, as herald's
 * server does), a `message` and an optional `context`.
 */
export interface FakeError {
  /** @default 3 (bad input) */
  code?: number | HeraldErrorCode | undefined;
  /** @default "refused by the fake server" */
  message?: string | undefined;
  context?: Record<string, string> | undefined;
}

/**
 * What a request hook decides:
 * - `undefined` (or no return): the next hook decides, and in the end the fake server's default
 *   answer (a pong for a ping, an acknowledgement for a chat message, and so on);
 * - `"silence"`: no answer at all (the client's request times out);
 * - `{ kind: "empty" }`: a bare acknowledgement holding only the request's cid;
 * - a message such as `{ kind: "channel", body: {...} }`: that reply, with the request's cid;
 * - `{ error: {...} }` or a `HeraldError`: an `error` envelope with the request's cid.
 */
export type FakeReply =
  | undefined
  | "silence"
  | { kind: "empty" }
  | FakeMessage
  | { error: FakeError }
  | HeraldError;

/** The realtime error envelope's body for an error a test describes. */
export function errorBody(error: FakeError | HeraldError): RealtimeErrorInit {
  if (HeraldError.is(error)) {
    return {
      code: error.serverCode ?? wireCodes[error.code].grpc,
      message: error.message,
      context: { [PRECISE_CODE_KEY]: error.code },
    };
  }
  const { code = 3, message = "refused by the fake server", context } = error;
  if (isHeraldErrorCode(code)) {
    return { code: wireCodes[code].grpc, message, context: { ...context, [PRECISE_CODE_KEY]: code } };
  }
  return { code, message, context: { ...context } };
}

/** The envelope that answers request `cid` with `reply`, or undefined for silence. */
export function replyEnvelope(
  cid: string | undefined,
  reply: Exclude<FakeReply, undefined>,
): EnvelopeInit | undefined {
  if (reply === "silence") return undefined;
  if (HeraldError.is(reply)) return { cid, kind: "error", body: errorBody(reply) };
  if ("error" in reply) return { cid, kind: "error", body: errorBody(reply.error) };
  if (reply.kind === "empty") return { cid: cid ?? "", kind: "empty", body: {} };
  return { cid, kind: reply.kind, body: reply.body } as EnvelopeInit;
}
