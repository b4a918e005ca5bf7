import type { JsonObject, ChannelMessage as ModelChannelMessage } from "../gen/model.js";

/** Who is sending, and where: what a hook knows about a realtime request. */
export interface HookContext {
  userId: string;
  username: string;
  sessionId: string;
  /** The session token's variables. */
  vars: Readonly<Record<string, string>>;
  channel: {
    id: string;
    /** A ChannelType value: 1 room, 2 direct, 3 group. */
    type: number;
    roomName: string;
    groupId: string;
    userIdOne: string;
    userIdTwo: string;
  };
}

/** A chat message about to be stored and delivered, as `beforeChannelMessageSend` sees it. */
export interface ChannelMessageDraft {
  channelId: string;
  /** The parsed JSON object the sender wrote. */
  content: JsonObject;
  /** The sender's client message id, or "" when none. */
  clientMsgId: string;
}

/** A message after it was stored (when persistent) and delivered. */
export type SentChannelMessage = ModelChannelMessage;

/** What a "before" hook returns: a replacement, or nothing to keep the original. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that keeps the message may simply return nothing.
export type HookResult<T> = T | undefined | void | Promise<T | undefined | void>;

/**
 * Server-side hooks on realtime requests. Hooks may be async; a session's requests are handled in
 * order, so a slow hook delays that sender's later requests, not other users'.
 */
export interface ServerHooks {
  /**
   * Runs before a chat message is stored or delivered. Return a draft to replace the message
   * (e.g. sanitised content), nothing to keep it, or throw a `HeraldError` to refuse it: the
   * sender then gets an error with the hook's message and code (e.g.
   * `new HeraldError("permission_denied", "Links are not allowed")`), and nothing is stored or sent.
   */
  beforeChannelMessageSend?: (
    ctx: HookContext,
    message: ChannelMessageDraft,
  ) => HookResult<ChannelMessageDraft>;
  /** Runs after a chat message was stored and delivered; for side effects. Errors are logged only. */
  afterChannelMessageSend?: (ctx: HookContext, message: SentChannelMessage) => void | Promise<void>;
}
