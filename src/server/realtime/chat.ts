import { randomUUID } from "node:crypto";
import type {
  ChannelInit,
  ChannelJoin,
  ChannelMessageAckInit,
  ChannelMessageInit,
  ChannelMessageRemove,
  ChannelMessageSend,
  ChannelMessageUpdate,
} from "../../gen/wire.js";
import { ChannelType, NotificationCode } from "../../gen/wire.js";
import { MAX_CONTENT_BYTES } from "../../protocol/limits.js";
import {
  type ChannelTarget,
  channelFields,
  directChannel,
  groupChannel,
  MAX_ROOM_NAME,
  parseChannelId,
  roomChannel,
} from "../channel-id.js";
import { type ChannelMessageDraft, type HookContext, HookError, type ServerHooks } from "../hooks.js";
import type { Logger } from "../logger.js";
import type { Notifier } from "../notifier.js";
import { isUuid, refuse } from "../refusal.js";
import type { FriendStore } from "../storage/friends.js";
import { type GroupStore, MemberState } from "../storage/groups.js";
import { type MessageRow, type MessageStore, messageToWire } from "../storage/messages.js";
import type { UserStore } from "../storage/users.js";
import type { Visibility } from "../visibility.js";
import type { ChannelRegistry } from "./channel-registry.js";
import { Outgoing } from "./outgoing.js";
import type { Session } from "./session.js";

// Repeated sends of non-persistent messages are answered from memory; this bounds that memory.
const RECENT_ACKS = 10_000;

interface ChatDeps {
  users: UserStore;
  friends: FriendStore;
  groups: GroupStore;
  messages: MessageStore;
  channels: ChannelRegistry;
  notifier: Notifier;
  hooks: ServerHooks;
  logger: Logger;
  /** How long a before hook may take before the message is refused. */
  hookTimeoutMs: number;
  visibility: Visibility;
  /** Whether sends are deduplicated by client message id. */
  clientMsgIds: boolean;
}

class HookTimeout extends Error {}

/** Resolves with the hook's result, or rejects with HookTimeout after `ms`. */
function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HookTimeout()), ms);
  });
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}

function parseContent(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse("Message content must be a valid JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse("Message content must be a valid JSON object");
  }
  if (Buffer.byteLength(text, "utf8") > MAX_CONTENT_BYTES) {
    return refuse(`Message content is too large: at most ${MAX_CONTENT_BYTES} bytes`);
  }
  return value as Record<string, unknown>;
}

/** Chat: joins and leaves, messages and their edits, and the server's group event messages. */
export class Chat {
  private readonly recentAcks = new Map<string, ChannelMessageAckInit>();

  constructor(private readonly deps: ChatDeps) {}

  /** Handles a channel join; returns the Channel reply and what to do once it is sent. */
  join(session: Session, req: ChannelJoin): { reply: ChannelInit; after: () => void } {
    const { users, friends, groups, channels, notifier } = this.deps;
    let target: ChannelTarget;
    switch (req.type) {
      case ChannelType.Unspecified:
      case ChannelType.Room:
        if (req.target === "" || req.target.length > MAX_ROOM_NAME) refuse("Invalid channel target");
        target = roomChannel(req.target);
        break;
      case ChannelType.DirectMessage: {
        const other = isUuid(req.target) ? users.byId(req.target.toLowerCase()) : undefined;
        if (other === undefined) refuse("User ID not found: Invalid channel target", 5);
        if (friends.edge(other.id, session.userId)?.state === 3)
          refuse("User ID not found: Invalid channel target", 5);
        target = directChannel(session.userId, other.id);
        break;
      }
      case ChannelType.Group: {
        const groupId = req.target.toLowerCase();
        if (!isUuid(groupId) || groups.byId(groupId) === undefined)
          refuse("Group not found: Invalid channel target", 5);
        const state = groups.stateOf(groupId, session.userId);
        if (state === undefined || state > MemberState.Member)
          refuse("Group not found: Invalid channel target", 7);
        target = groupChannel(groupId);
        break;
      }
      default:
        return refuse("Invalid channel type");
    }
    const otherUser =
      target.type === ChannelType.DirectMessage
        ? target.userIdOne === session.userId
          ? target.userIdTwo
          : target.userIdOne
        : undefined;
    const invite =
      otherUser !== undefined && otherUser !== session.userId && !channels.hasUser(target.id, otherUser);
    const { reply, announce } = channels.join(
      session,
      target,
      req.hidden ?? false,
      req.persistence ?? true,
      this.deps.visibility.isInvisible(session.userId),
    );
    return {
      reply,
      after: () => {
        announce();
        if (invite && otherUser !== undefined) {
          notifier.send({
            userId: otherUser,
            subject: `${session.username} wants to chat`,
            content: JSON.stringify({ username: session.username }),
            code: NotificationCode.DmRequest,
            senderId: session.userId,
          });
        }
      },
    };
  }

  leave(session: Session, channelId: string): void {
    this.deps.channels.leave(session, channelId);
  }

  private hookContext(session: Session, target: ChannelTarget): HookContext {
    const f = channelFields(target);
    return {
      userId: session.userId,
      username: session.username,
      sessionId: session.id,
      vars: session.vars,
      channel: {
        id: f.channelId,
        type: target.type,
        roomName: f.roomName,
        groupId: f.groupId,
        userIdOne: f.userIdOne,
        userIdTwo: f.userIdTwo,
      },
    };
  }

  /** Handles a send: stores (if persistent), delivers to every member, and returns the ack. */
  async send(session: Session, req: ChannelMessageSend): Promise<ChannelMessageAckInit> {
    const target = parseChannelId(req.channelId);
    const membership = session.channels.get(target.id);
    if (membership === undefined) refuse("Must join channel before sending messages");
    const parsed = parseContent(req.content);
    // Without the extension a client message id is not ours to keep, as on a stock server.
    const clientMsgId = this.deps.clientMsgIds ? req.clientMsgId : "";
    const dedupeKey = clientMsgId === "" ? undefined : `${session.userId}\n${clientMsgId}`;
    if (dedupeKey !== undefined) {
      const stored = this.deps.messages.byClientId(session.userId, clientMsgId);
      if (stored !== undefined) return this.ackOf(stored, 0, true);
      const recent = this.recentAcks.get(dedupeKey);
      if (recent !== undefined) return recent;
    }
    let draft: ChannelMessageDraft = {
      channelId: target.id,
      content: parsed,
      clientMsgId,
    };
    const hooks = this.deps.hooks;
    const ctx =
      hooks.beforeChannelMessageSend || hooks.afterChannelMessageSend
        ? this.hookContext(session, target)
        : undefined;
    let content = req.content;
    if (hooks.beforeChannelMessageSend && ctx) {
      let result: ChannelMessageDraft | undefined;
      try {
        result =
          (await withTimeout(hooks.beforeChannelMessageSend(ctx, draft), this.deps.hookTimeoutMs)) ??
          undefined;
      } catch (err) {
        if (err instanceof HookError) refuse(err.message, err.code);
        if (err instanceof HookTimeout) {
          this.deps.logger.error("hook_timeout", {
            hook: "beforeChannelMessageSend",
            ms: this.deps.hookTimeoutMs,
          });
          return refuse("Message refused: a server hook did not answer in time", 4);
        }
        this.deps.logger.error("hook_failed", { hook: "beforeChannelMessageSend", err });
        return refuse("Message refused by a server hook", 13);
      }
      if (result) {
        draft = result;
        content = JSON.stringify(draft.content);
        parseContent(content);
      }
      // The sender may have left or been removed while the hook ran, and another session of the
      // same user may have sent the same client message id meanwhile.
      if (!session.channels.has(target.id)) refuse("Must join channel before sending messages");
      if (dedupeKey !== undefined) {
        const stored = this.deps.messages.byClientId(session.userId, clientMsgId);
        if (stored !== undefined) return this.ackOf(stored, 0, true);
        const recent = this.recentAcks.get(dedupeKey);
        if (recent !== undefined) return recent;
      }
    }
    const now = Date.now();
    const fields = channelFields(target);
    const row: MessageRow = {
      seq: 0,
      id: randomUUID(),
      channel_id: target.id,
      code: 0,
      sender_id: session.userId,
      username: session.username,
      content,
      create_time: now,
      update_time: now,
      client_msg_id: clientMsgId,
      room_name: fields.roomName,
      group_id: fields.groupId,
      user_id_one: fields.userIdOne,
      user_id_two: fields.userIdTwo,
    };
    const persistent = membership.persistence;
    if (persistent) this.deps.messages.insert(row);
    const message: ChannelMessageInit = { ...messageToWire(row), persistent };
    this.deps.channels.send(target.id, new Outgoing({ kind: "channelMessage", body: message }));
    const ack = this.ackOf(row, 0, persistent);
    if (dedupeKey !== undefined && !persistent) this.remember(dedupeKey, ack);
    if (hooks.afterChannelMessageSend && ctx) {
      const sent = { ...message, content: draft.content } as Parameters<
        NonNullable<ServerHooks["afterChannelMessageSend"]>
      >[1];
      Promise.resolve()
        .then(() => hooks.afterChannelMessageSend?.(ctx, sent))
        .catch((err: unknown) =>
          this.deps.logger.error("hook_failed", { hook: "afterChannelMessageSend", err }),
        );
    }
    return ack;
  }

  private remember(key: string, ack: ChannelMessageAckInit): void {
    this.recentAcks.set(key, ack);
    if (this.recentAcks.size > RECENT_ACKS) {
      const oldest = this.recentAcks.keys().next().value;
      if (oldest !== undefined) this.recentAcks.delete(oldest);
    }
  }

  private ackOf(row: MessageRow, code: number, persistent: boolean): ChannelMessageAckInit {
    return {
      channelId: row.channel_id,
      messageId: row.id,
      code,
      username: row.username,
      createTime: new Date(row.create_time),
      updateTime: new Date(row.update_time),
      persistent,
      roomName: row.room_name,
      groupId: row.group_id,
      userIdOne: row.user_id_one,
      userIdTwo: row.user_id_two,
      clientMsgId: row.client_msg_id,
    };
  }

  private ownMessage(
    session: Session,
    channelId: string,
    messageId: string,
    verb: "update" | "remove",
  ): MessageRow {
    const target = parseChannelId(channelId);
    if (!session.channels.has(target.id))
      refuse(`Must join channel before ${verb === "update" ? "updating" : "removing"} messages`);
    const row = isUuid(messageId) ? this.deps.messages.byId(target.id, messageId) : undefined;
    if (row === undefined || row.sender_id !== session.userId || row.code !== 0) {
      refuse(`Could not find message to ${verb} in channel history`);
    }
    return row;
  }

  /** Replaces the content of the sender's own message; members get it with code 1. */
  update(session: Session, req: ChannelMessageUpdate): ChannelMessageAckInit {
    const row = this.ownMessage(session, req.channelId, req.messageId, "update");
    parseContent(req.content);
    const now = Date.now();
    this.deps.messages.updateContent(row.seq, req.content, now);
    const updated: MessageRow = { ...row, content: req.content, update_time: now };
    const push: ChannelMessageInit = { ...messageToWire(updated), code: 1 };
    this.deps.channels.send(row.channel_id, new Outgoing({ kind: "channelMessage", body: push }));
    return this.ackOf(updated, 1, true);
  }

  /** Removes the sender's own message; members get a code 2 message with empty content. */
  remove(session: Session, req: ChannelMessageRemove): ChannelMessageAckInit {
    const row = this.ownMessage(session, req.channelId, req.messageId, "remove");
    this.deps.messages.delete(row.seq);
    const now = Date.now();
    const removed: MessageRow = { ...row, content: "{}", update_time: now };
    const push: ChannelMessageInit = { ...messageToWire(removed), code: 2 };
    this.deps.channels.send(row.channel_id, new Outgoing({ kind: "channelMessage", body: push }));
    return this.ackOf(removed, 2, true);
  }

  /**
   * Writes a server event message (codes 3 to 9) into a group's channel: stored, and pushed to
   * whoever is in the channel. Sender fields name the user affected, not the admin who acted.
   */
  groupEvent(groupId: string, code: number, user: { id: string; username: string }): void {
    const target = groupChannel(groupId);
    const now = Date.now();
    const row: MessageRow = {
      seq: 0,
      id: randomUUID(),
      channel_id: target.id,
      code,
      sender_id: user.id,
      username: user.username,
      content: "{}",
      create_time: now,
      update_time: now,
      client_msg_id: "",
      room_name: "",
      group_id: groupId,
      user_id_one: "",
      user_id_two: "",
    };
    this.deps.messages.insert(row);
    this.deps.channels.send(target.id, new Outgoing({ kind: "channelMessage", body: messageToWire(row) }));
  }

  /** Takes every session of a user out of a group's channel (after a kick, ban or leave). */
  removeFromGroupChannel(groupId: string, userId: string): void {
    this.deps.channels.removeUser(groupChannel(groupId).id, userId);
  }
}
