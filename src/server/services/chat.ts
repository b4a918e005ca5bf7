import { randomUUID } from "node:crypto";
import { HeraldError } from "../../errors.js";
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
import type { ChannelMessageDraft, HookContext, ServerHooks } from "../hooks.js";
import type { Logger } from "../logger.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { FriendStore } from "../storage/friends.js";
import { type GroupStore, MemberState } from "../storage/groups.js";
import { type MessageRow, type MessageStore, messageToWire } from "../storage/messages.js";
import type { UserStore } from "../storage/users.js";
import {
  type ChannelTarget,
  channelFields,
  directChannel,
  groupChannel,
  MAX_ROOM_NAME,
  parseChannelId,
  roomChannel,
} from "./channel-id.js";
import type { ChannelRegistry } from "./channel-registry.js";
import { hasControlCharacter } from "./field-limits.js";
import type { Notifier } from "./notifier.js";
import { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";
import type { Visibility } from "./visibility.js";

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

/** A join's reply, and what to do once it is sent. */
export interface JoinResult {
  reply: ChannelInit;
  after: () => void;
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
    return refuse("bad_input", StockWords.contentNotObject);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse("bad_input", StockWords.contentNotObject);
  }
  if (Buffer.byteLength(text, "utf8") > MAX_CONTENT_BYTES) {
    return refuse("bad_input", `Message content is too large: at most ${MAX_CONTENT_BYTES} bytes`);
  }
  return value as Record<string, unknown>;
}

/** Chat: joins and leaves, messages and their edits, and the server's group event messages. */
export class Chat {
  private readonly recentAcks = new Map<string, ChannelMessageAckInit>();

  constructor(private readonly deps: ChatDeps) {}

  /**
   * Handles a channel join; returns the Channel reply and what to do once it is sent (a promise
   * of them in a cluster).
   */
  join(peer: Peer, req: ChannelJoin): JoinResult | Promise<JoinResult> {
    const { users, friends, groups, channels } = this.deps;
    let target: ChannelTarget;
    switch (req.type) {
      case ChannelType.Unspecified:
      case ChannelType.Room:
        if (req.target === "" || req.target.length > MAX_ROOM_NAME || hasControlCharacter(req.target))
          refuse("bad_input", StockWords.invalidChannelTarget);
        target = roomChannel(req.target);
        break;
      case ChannelType.DirectMessage: {
        const other = isUuid(req.target) ? users.byId(req.target.toLowerCase()) : undefined;
        // A user who blocked the caller is "not found" too, also in the precise code: a block
        // must not be told apart from a missing user.
        if (other === undefined || friends.edge(other.id, peer.userId)?.state === 3)
          refuse("not_found", StockWords.userChannelNotFound, { wire: "bad_input" });
        target = directChannel(peer.userId, other.id);
        break;
      }
      case ChannelType.Group: {
        const groupId = req.target.toLowerCase();
        if (!isUuid(groupId) || groups.byId(groupId) === undefined)
          refuse("not_found", StockWords.groupChannelNotFound, { wire: "bad_input" });
        const state = groups.stateOf(groupId, peer.userId);
        if (state === undefined || state > MemberState.Member)
          refuse("permission_denied", StockWords.groupChannelNotFound, { wire: "bad_input" });
        target = groupChannel(groupId);
        break;
      }
      default:
        return refuse("bad_input", StockWords.invalidChannelType);
    }
    const otherUser =
      target.type === ChannelType.DirectMessage
        ? target.userIdOne === peer.userId
          ? target.userIdTwo
          : target.userIdOne
        : undefined;
    const hidden = req.hidden ?? false;
    const persistence = req.persistence ?? true;
    const invisible = this.deps.visibility.isInvisible(peer.userId);
    const finish = (reply: ChannelInit, announce: () => void, present: (userId: string) => boolean) => {
      const invite = otherUser !== undefined && otherUser !== peer.userId && !present(otherUser);
      return { reply, after: () => this.afterJoin(peer, announce, invite ? otherUser : undefined) };
    };
    if (channels.shared) {
      // In a cluster the members of every node are listed, which takes a round trip.
      return channels
        .joinShared(peer, target, hidden, persistence, invisible)
        .then(({ reply, announce, userIds }) => finish(reply, announce, (id) => userIds.has(id)));
    }
    const present = (id: string) => channels.hasUser(target.id, id);
    const wasPresent = otherUser !== undefined && present(otherUser);
    const { reply, announce } = channels.join(peer, target, hidden, persistence, invisible);
    return finish(reply, announce, () => wasPresent);
  }

  /** Announces a join, and invites the other user of a direct chat who is not in it. */
  private afterJoin(peer: Peer, announce: () => void, invitee: string | undefined): void {
    announce();
    // One pending invitation per pair: join/leave loops must not pile them up.
    if (
      invitee !== undefined &&
      !this.deps.notifier.pending(invitee, peer.userId, NotificationCode.DmRequest)
    ) {
      this.deps.notifier.send({
        userId: invitee,
        subject: `${peer.username} wants to chat`,
        content: JSON.stringify({ username: peer.username }),
        code: NotificationCode.DmRequest,
        senderId: peer.userId,
      });
    }
  }

  leave(peer: Peer, channelId: string): void {
    this.deps.channels.leave(peer, channelId);
  }

  private hookContext(peer: Peer, target: ChannelTarget): HookContext {
    const f = channelFields(target);
    return {
      userId: peer.userId,
      username: peer.username,
      sessionId: peer.id,
      vars: peer.vars,
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
  async send(peer: Peer, req: ChannelMessageSend): Promise<ChannelMessageAckInit> {
    const target = parseChannelId(req.channelId);
    const membership = peer.channels.get(target.id);
    if (membership === undefined) refuse("bad_input", StockWords.mustJoinToSend);
    const parsed = parseContent(req.content);
    // Without the extension a client message id is not ours to keep, as on a stock server.
    const clientMsgId = this.deps.clientMsgIds ? req.clientMsgId : "";
    // Deduplicated per sender and channel: the same id in another channel is another message.
    const dedupeKey = clientMsgId === "" ? undefined : `${peer.userId}\n${target.id}\n${clientMsgId}`;
    if (dedupeKey !== undefined) {
      const stored = this.deps.messages.byClientId(peer.userId, target.id, clientMsgId);
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
        ? this.hookContext(peer, target)
        : undefined;
    let content = req.content;
    if (hooks.beforeChannelMessageSend && ctx) {
      let result: ChannelMessageDraft | undefined;
      try {
        result =
          (await withTimeout(hooks.beforeChannelMessageSend(ctx, draft), this.deps.hookTimeoutMs)) ??
          undefined;
      } catch (err) {
        // A hook refuses by throwing a HeraldError; its code and message go to the sender.
        if (HeraldError.is(err)) throw err;
        if (err instanceof HookTimeout) {
          this.deps.logger.error("hook_timeout", {
            hook: "beforeChannelMessageSend",
            ms: this.deps.hookTimeoutMs,
          });
          return refuse("timeout", "Message refused: a server hook did not answer in time");
        }
        this.deps.logger.error("hook_failed", { hook: "beforeChannelMessageSend", err });
        return refuse("server_error", "Message refused by a server hook");
      }
      if (result) {
        draft = result;
        content = JSON.stringify(draft.content);
        parseContent(content);
      }
      // The sender may have left or been removed while the hook ran, and another peer of the
      // same user may have sent the same client message id meanwhile.
      if (!peer.channels.has(target.id)) refuse("bad_input", StockWords.mustJoinToSend);
      if (dedupeKey !== undefined) {
        const stored = this.deps.messages.byClientId(peer.userId, target.id, clientMsgId);
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
      sender_id: peer.userId,
      username: peer.username,
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
    if (persistent) {
      // Acknowledged and pushed only once committed: a failed commit answers the sender with a
      // retryable error and nobody sees a message that was never stored.
      const seq = await this.deps.messages.insert(row);
      if (seq === undefined) {
        // Another send with this client message id was committed first: answer with that one.
        const stored = this.deps.messages.byClientId(peer.userId, target.id, clientMsgId);
        if (stored !== undefined) return this.ackOf(stored, 0, true);
        return refuse("server_error", "Message not stored");
      }
      row.seq = seq;
    }
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
    peer: Peer,
    channelId: string,
    messageId: string,
    verb: "update" | "remove",
  ): MessageRow {
    const target = parseChannelId(channelId);
    if (!peer.channels.has(target.id))
      refuse("bad_input", `Must join channel before ${verb === "update" ? "updating" : "removing"} messages`);
    const row = isUuid(messageId) ? this.deps.messages.byId(target.id, messageId) : undefined;
    if (row === undefined || row.sender_id !== peer.userId || row.code !== 0) {
      refuse("bad_input", verb === "update" ? StockWords.noMessageToUpdate : StockWords.noMessageToRemove);
    }
    return row;
  }

  /** Replaces the content of the sender's own message; members get it with code 1. */
  update(peer: Peer, req: ChannelMessageUpdate): ChannelMessageAckInit {
    const row = this.ownMessage(peer, req.channelId, req.messageId, "update");
    parseContent(req.content);
    const now = Date.now();
    this.deps.messages.updateContent(row.seq, req.content, now);
    const updated: MessageRow = { ...row, content: req.content, update_time: now };
    const push: ChannelMessageInit = { ...messageToWire(updated), code: 1 };
    this.deps.channels.send(row.channel_id, new Outgoing({ kind: "channelMessage", body: push }));
    return this.ackOf(updated, 1, true);
  }

  /** Removes the sender's own message; members get a code 2 message with empty content. */
  remove(peer: Peer, req: ChannelMessageRemove): ChannelMessageAckInit {
    const row = this.ownMessage(peer, req.channelId, req.messageId, "remove");
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
    // Pushed once stored, like any message; a group event that cannot be stored is logged, not shown.
    this.deps.messages.insert(row).then(
      () =>
        this.deps.channels.send(
          target.id,
          new Outgoing({ kind: "channelMessage", body: messageToWire(row) }),
        ),
      (err: unknown) => this.deps.logger.error("group_event_not_stored", { err, groupId }),
    );
  }

  /**
   * Ends the direct chat of two users (one blocked the other): every peer of both leaves it, so
   * no message goes either way from now on; the blocked user cannot join it again.
   */
  endDirectChat(userA: string, userB: string): void {
    const channelId = directChannel(userA, userB).id;
    this.deps.channels.removeUser(channelId, userA);
    this.deps.channels.removeUser(channelId, userB);
  }

  /** Takes every peer of a user out of a group's channel (after a kick, ban or leave). */
  removeFromGroupChannel(groupId: string, userId: string): void {
    this.deps.channels.removeUser(groupChannel(groupId).id, userId);
  }
}
