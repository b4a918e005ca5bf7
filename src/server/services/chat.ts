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
import {
  ChannelMessageCode,
  ChannelType,
  FriendState,
  GroupUserState,
  NotificationCode,
} from "../../gen/wire.js";
import { MAX_CONTENT_BYTES } from "../../protocol/limits.js";
import type { ChannelMessageDraft, HookContext, ServerHooks } from "../hooks.js";
import type { Logger } from "../logger.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type {
  AsyncFriendStore,
  AsyncGroupStore,
  AsyncMessageStore,
  AsyncUserStore,
  InsertedMessage,
} from "../storage/async-storage.js";
import { type MessageRow, messageToWire } from "../storage/messages.js";
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
import { utf8Length } from "./field-limits.js";
import type { Notifier } from "./notifier.js";
import { Outgoing } from "./outgoing.js";
import type { Peer } from "./peer.js";
import { canonicalUuid, isNilUuid } from "./uuid-text.js";
import type { Visibility } from "./visibility.js";

// Stock Nakama's words for the join targets it refuses, each prefixed to its "Invalid channel target".
const ROOM_NAME_LENGTH = `Channel name is required and must be 1-64 chars: ${StockWords.invalidChannelTarget}`;
const ROOM_NAME_CONTROL = `Channel name must not contain control chars: ${StockWords.invalidChannelTarget}`;
const DIRECT_TARGET_INVALID = `Invalid user ID in direct message join: ${StockWords.invalidChannelTarget}`;
const GROUP_TARGET_INVALID = `Invalid group ID in group channel join: ${StockWords.invalidChannelTarget}`;

// The control characters stock refuses in a room name: POSIX [[:cntrl:]], ASCII only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ASCII_CONTROL = /[\u0000-\u001f\u007f]/;

/** The longest client message id a send may carry (the SDK's are UUIDs, 36 characters). */
const MAX_CLIENT_MSG_ID = 128;

// Repeated sends of non-persistent messages are answered from memory; this bounds that memory.
const RECENT_ACKS = 10_000;

// Non-persistent messages their senders may still edit or remove (nothing stored to check them
// against); this bounds that memory, the oldest forgotten first.
const RECENT_UNSTORED = 10_000;

interface ChatDeps {
  users: AsyncUserStore;
  friends: AsyncFriendStore;
  groups: AsyncGroupStore;
  messages: AsyncMessageStore;
  channels: ChannelRegistry;
  notifier: Notifier;
  hooks: ServerHooks;
  logger: Logger;
  /** How long a before hook may take before the message is refused. */
  hookTimeoutMs: number;
  visibility: Visibility;
  /** Whether sends are deduplicated by client message id. */
  clientMsgIds: boolean;
  /** Whether a join's reply names the channel's newest stored message (herald's `join_mark`). @default false */
  joinMark?: boolean;
}

/** A join's reply, and what to do once it is sent. */
export interface JoinResult {
  reply: ChannelInit;
  after: () => void;
}

/** A send checked and queued for commit (see {@link Chat.stageSend}). */
export interface StagedSend {
  /** Resolves (never rejects) once storage has answered; at once when nothing is stored. */
  readonly ready: Promise<void>;
  /**
   * Once `ready`: delivers the message to the channel's members and returns the sender's ack, or
   * throws storage's refusal. Call it in send order, so members get a sender's messages in order.
   */
  finish(): ChannelMessageAckInit;
}

/** A staged send answered without storing anything (a repeated client message id). */
function answered(ack: ChannelMessageAckInit): StagedSend {
  return { ready: Promise.resolve(), finish: () => ack };
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
  if (utf8Length(text) > MAX_CONTENT_BYTES) {
    return refuse("bad_input", `Message content is too large: at most ${MAX_CONTENT_BYTES} bytes`);
  }
  return value as Record<string, unknown>;
}

/** Chat: joins and leaves, messages and their edits, and the server's group event messages. */
export class Chat {
  private readonly recentAcks = new Map<string, ChannelMessageAckInit>();
  /** Recent non-persistent messages by channel and message id, without their content. */
  private readonly recentUnstored = new Map<string, MessageRow>();

  constructor(private readonly deps: ChatDeps) {}

  /**
   * Handles a channel join; resolves with the Channel reply and what to do once it is sent. The
   * checks read storage first; the join itself is then made in one step, so a socket that closed
   * meanwhile never joins (in a cluster, the members of every node are listed first, which takes
   * a round trip to Redis).
   */
  async join(peer: Peer, req: ChannelJoin): Promise<JoinResult> {
    const { users, friends, groups, channels, notifier } = this.deps;
    // Stock reads the target before the type: an empty one is refused whatever the type.
    if (req.target === "") refuse("bad_input", StockWords.invalidChannelTarget);
    let target: ChannelTarget;
    switch (req.type) {
      case ChannelType.Unspecified:
      case ChannelType.Room:
        // Stock's checks, in its order: the length in bytes, then ASCII control characters (text that
        // is not UTF-8 never gets here: the envelope is refused).
        if (utf8Length(req.target) > MAX_ROOM_NAME) refuse("bad_input", ROOM_NAME_LENGTH);
        if (ASCII_CONTROL.test(req.target)) refuse("bad_input", ROOM_NAME_CONTROL);
        target = roomChannel(req.target);
        break;
      case ChannelType.DirectMessage: {
        const otherId = canonicalUuid(req.target);
        if (otherId === undefined || isNilUuid(otherId)) refuse("bad_input", DIRECT_TARGET_INVALID);
        const other = await users.byId(otherId);
        // A user who blocked the caller is "not found" too, also in the precise code: a block
        // must not be told apart from a missing user.
        if (other === undefined || (await friends.edge(other.id, peer.userId))?.state === FriendState.Blocked)
          refuse("not_found", StockWords.userChannelNotFound, { wire: "bad_input" });
        target = directChannel(peer.userId, other.id);
        break;
      }
      case ChannelType.Group: {
        const groupId = canonicalUuid(req.target);
        if (groupId === undefined) refuse("bad_input", GROUP_TARGET_INVALID);
        if ((await groups.byId(groupId)) === undefined)
          refuse("not_found", StockWords.groupChannelNotFound, { wire: "bad_input" });
        const state = await groups.stateOf(groupId, peer.userId);
        if (state === undefined || state > GroupUserState.Member)
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
    // In a cluster the flag may have been changed through another node a moment ago, its message
    // still on the way: the stored flag is the one to trust (one read, beside the Redis round trip).
    const invisible = channels.shared
      ? (await users.byId(peer.userId))?.invisible === 1
      : this.deps.visibility.isInvisible(peer.userId);
    // One pending invitation per pair: join/leave loops must not pile them up.
    const mayInvite =
      otherUser !== undefined &&
      otherUser !== peer.userId &&
      !(await notifier.pending(otherUser, peer.userId, NotificationCode.DmRequest));
    // From here on nothing waits on storage: the socket's state is the one the join is made in.
    if (peer.closed === true) refuse("disconnected", "The socket closed before the join completed");
    const finish = async (reply: ChannelInit, announce: () => void, present: (userId: string) => boolean) => {
      const invitee = mayInvite && otherUser !== undefined && !present(otherUser) ? otherUser : undefined;
      // Stored before the join is answered, so that a listing made right after the reply (on any
      // node) holds the invitation. Notifier.send logs and swallows a storage failure: the join
      // itself stands either way.
      if (invitee !== undefined) await this.invite(peer, invitee);
      return { reply, after: announce };
    };
    // Only a persistent join has history to read back to.
    const mark = this.deps.joinMark === true && persistence;
    // A repeated join keeps its membership even when its mark cannot be read.
    const repeated = peer.channels.has(target.id);
    if (channels.shared) {
      const { reply, announce, userIds } = await channels.joinShared(
        peer,
        target,
        hidden,
        persistence,
        invisible,
        mark,
      );
      // The channel's order on this node starts from the mark's read when there is one (not read
      // twice); otherwise it reads the start itself, if it has none yet.
      if (mark) channels.chainFrom(target.id, await this.markJoin(peer, target.id, reply, repeated));
      else channels.chainFrom(target.id);
      return finish(reply, announce, (id) => userIds.has(id));
    }
    const wasPresent = otherUser !== undefined && channels.hasUser(target.id, otherUser);
    const { reply, announce } = channels.join(peer, target, hidden, persistence, invisible, mark);
    if (mark) await this.markJoin(peer, target.id, reply, repeated);
    return finish(reply, announce, () => wasPresent);
  }

  /**
   * Puts the channel's mark in a join's reply: its newest stored message now. The promise is that
   * every message stored after the mark reaches this socket live, after the reply. It holds
   * because of when the mark is read:
   *
   * - The socket is already a member here (the registry added it before this read, and holds its
   *   frames of the channel until the reply is out, so the reply comes first).
   * - A message is handed to the channel's members only after its commit, to those who are members
   *   then (a send's delivery waits for its commit and for the sends before it; a group event's
   *   too). A message this read does not see commits after the read began, so it is delivered
   *   after that, to a set of members this socket is in. One that commits before the read but is
   *   delivered after the join (waiting behind an earlier commit) comes live too: a message from
   *   before the mark, which the client delivers once.
   * - In a cluster the node listens to the channel before this read (`joinShared` resolves once the
   *   subscription is in place): another node publishes a message after its commit, so after this
   *   read began, and the publish reaches this node, which hands it to its members. The read goes to
   *   the database every node writes to (PostgreSQL, or one SQLite file), never to a copy.
   *
   * - Commit order is seq order within a channel on both engines: SQLite's write lock, and on
   *   PostgreSQL a per-channel transaction lock held from before a batch takes its seqs until it
   *   commits. So no message numbered below the mark commits after the read.
   * - In a cluster a node hands a channel's stored messages to its members in seq order, whatever
   *   order the publishes arrive in, and fills from storage a message whose publish is lost (see
   *   `ChannelSequencer`): the mark's read is also where that order starts on this node.
   *
   * A read that fails undoes the join: a reply without a mark would say the channel has no history.
   * Resolves with the newest seq (0 if none).
   */
  private async markJoin(
    peer: Peer,
    channelId: string,
    reply: ChannelInit,
    repeated: boolean,
  ): Promise<number> {
    let newest: MessageRow | undefined;
    try {
      [newest] = await this.deps.messages.before(channelId, Number.MAX_SAFE_INTEGER, 1);
    } catch (err) {
      if (!repeated) this.deps.channels.leave(peer, channelId, true);
      throw err;
    }
    if (newest === undefined) return 0;
    reply.markId = newest.id;
    reply.markTime = new Date(newest.create_time);
    return newest.seq;
  }

  /** Invites the other user of a direct chat who was not in it. */
  private invite(peer: Peer, invitee: string): Promise<void> {
    return this.deps.notifier.send({
      userId: invitee,
      subject: `${peer.username} wants to chat`,
      content: JSON.stringify({ username: peer.username }),
      code: NotificationCode.DmRequest,
      senderId: peer.userId,
    });
  }

  /**
   * Leaves a channel, named by any spelling of its id (upper-case UUIDs included), as stock reads
   * it; a malformed id is refused with stock's words. Leaving a channel not joined succeeds.
   */
  leave(peer: Peer, channelId: string): void {
    this.deps.channels.leave(peer, parseChannelId(channelId).id);
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
    const staged = await this.stageSend(peer, req);
    await staged.ready;
    return staged.finish();
  }

  /**
   * The first half of a send: checks it, runs the before hook and, for a persistent channel, queues
   * its row for commit. Resolves with the second half, which waits for the commit and delivers.
   * Staging a connection's sends one after the other without waiting for their commits lets them
   * share one; finishing them in the same order keeps the stored, acked and delivered orders equal.
   */
  async stageSend(peer: Peer, req: ChannelMessageSend): Promise<StagedSend> {
    // Stock's order: the channel id, then the content, then the membership.
    const target = parseChannelId(req.channelId);
    const parsed = parseContent(req.content);
    const membership = peer.channels.get(target.id);
    if (membership === undefined) refuse("bad_input", StockWords.mustJoinToSend);
    // Without the extension a client message id is not ours to keep, as on a stock server.
    const clientMsgId = this.deps.clientMsgIds ? req.clientMsgId : "";
    // Checked before it joins a batch of other users' sends, which a value storage cannot hold
    // (a NUL, on PostgreSQL) would fail whole.
    if (clientMsgId.length > MAX_CLIENT_MSG_ID || ASCII_CONTROL.test(clientMsgId)) {
      refuse(
        "bad_input",
        `Client message id must be at most ${MAX_CLIENT_MSG_ID} characters, without control characters.`,
      );
    }
    // Deduplicated per sender and channel: the same id in another channel is another message.
    const dedupeKey = clientMsgId === "" ? undefined : `${peer.userId}\n${target.id}\n${clientMsgId}`;
    const hooks = this.deps.hooks;
    const persistent = membership.persistence;
    // A persistent send with no hook to spare skips the lookup: its insert resolves a stored
    // duplicate itself, and a read here would wait on the commits of the sends before it.
    const lookUp =
      dedupeKey !== undefined &&
      (!persistent || hooks.beforeChannelMessageSend !== undefined || this.recentAcks.has(dedupeKey));
    if (lookUp) {
      const stored = await this.deps.messages.byClientId(peer.userId, target.id, clientMsgId);
      if (stored !== undefined) return answered(this.ackOf(stored, ChannelMessageCode.Chat, true));
      const recent = this.recentAcks.get(dedupeKey);
      if (recent !== undefined) return answered(recent);
    }
    let draft: ChannelMessageDraft = {
      channelId: target.id,
      content: parsed,
      clientMsgId,
    };
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
        const stored = await this.deps.messages.byClientId(peer.userId, target.id, clientMsgId);
        if (stored !== undefined) return answered(this.ackOf(stored, ChannelMessageCode.Chat, true));
        const recent = this.recentAcks.get(dedupeKey);
        if (recent !== undefined) return answered(recent);
      }
    }
    // The sender may have been taken out of the channel (a kick, a block) while storage answered.
    if (!peer.channels.has(target.id)) refuse("bad_input", StockWords.mustJoinToSend);
    const now = Date.now();
    const fields = channelFields(target);
    const row: MessageRow = {
      seq: 0,
      id: randomUUID(),
      channel_id: target.id,
      code: ChannelMessageCode.Chat,
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
    // Acknowledged and pushed only once committed: a failed commit answers the sender with a
    // retryable error and nobody sees a message that was never stored.
    let stored: InsertedMessage | undefined;
    let failure: { err: unknown } | undefined;
    const ready = persistent
      ? this.deps.messages.insert(row).then(
          (result) => {
            stored = result;
          },
          (err: unknown) => {
            failure = { err };
          },
        )
      : Promise.resolve();
    // Remembered now, so that a repeat staged before this one finishes is answered from memory.
    if (dedupeKey !== undefined && !persistent)
      this.remember(dedupeKey, this.ackOf(row, ChannelMessageCode.Chat, false));
    return {
      ready,
      finish: () => {
        if (failure !== undefined) throw failure.err;
        if (stored !== undefined) {
          // Another send with this client message id was committed first: answer with that one.
          if (stored.duplicate) return this.ackOf(stored.row, ChannelMessageCode.Chat, true);
          // Its seq, and its times as stored (never older than the channel's message before it).
          row.seq = stored.row.seq;
          row.create_time = stored.row.create_time;
          row.update_time = stored.row.update_time;
          return this.deliver(row, stored.prevSeq, draft, ctx);
        }
        return this.deliver(row, undefined, draft, ctx);
      },
    };
  }

  /**
   * Pushes a stored message (with the seq before it in its channel), or a non-persistent one
   * (`prevSeq` undefined), to the channel's members; returns the sender's ack.
   */
  private deliver(
    row: MessageRow,
    prevSeq: number | undefined,
    draft: ChannelMessageDraft,
    ctx: HookContext | undefined,
  ): ChannelMessageAckInit {
    const hooks = this.deps.hooks;
    const persistent = prevSeq !== undefined;
    const message: ChannelMessageInit = { ...messageToWire(row), persistent };
    const out = new Outgoing({ kind: "channelMessage", body: message });
    if (persistent) this.deps.channels.sendStored(row.channel_id, out, { seq: row.seq, prevSeq });
    else {
      this.deps.channels.send(row.channel_id, out);
      this.rememberUnstored({ ...row, content: "" });
    }
    const ack = this.ackOf(row, ChannelMessageCode.Chat, persistent);
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

  private rememberUnstored(row: MessageRow): void {
    const key = `${row.channel_id}\n${row.id}`;
    this.recentUnstored.delete(key);
    this.recentUnstored.set(key, row);
    if (this.recentUnstored.size > RECENT_UNSTORED) {
      const oldest = this.recentUnstored.keys().next().value;
      if (oldest !== undefined) this.recentUnstored.delete(oldest);
    }
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

  /**
   * The sender's own chat message, checked in stock's order: the message id is a UUID (any spelling),
   * the channel id is well formed, the content (of an update) is a JSON object, the channel is
   * joined, and the message is the sender's. In a channel joined without persistence, as on stock,
   * the message is not looked up in storage: it is one of the sender's recent non-persistent
   * messages there (stock relays such an edit unchecked; herald relays the sender's own only).
   */
  private async ownMessage(
    peer: Peer,
    channelId: string,
    messageId: string,
    verb: "update" | "remove",
    content?: string,
  ): Promise<{ row: MessageRow; persistent: boolean }> {
    const id = canonicalUuid(messageId);
    if (id === undefined) refuse("bad_input", StockWords.invalidMessageId);
    const target = parseChannelId(channelId);
    if (content !== undefined) parseContent(content);
    const membership = peer.channels.get(target.id);
    if (membership === undefined)
      refuse("bad_input", `Must join channel before ${verb === "update" ? "updating" : "removing"} messages`);
    const persistent = membership.persistence;
    const row = persistent
      ? await this.deps.messages.byId(target.id, id)
      : this.recentUnstored.get(`${target.id}\n${id}`);
    if (row === undefined || row.sender_id !== peer.userId || row.code !== ChannelMessageCode.Chat) {
      refuse("bad_input", verb === "update" ? StockWords.noMessageToUpdate : StockWords.noMessageToRemove);
    }
    return { row, persistent };
  }

  /** Replaces the content of the sender's own message; members get it with code 1. */
  async update(peer: Peer, req: ChannelMessageUpdate): Promise<ChannelMessageAckInit> {
    const { row, persistent } = await this.ownMessage(
      peer,
      req.channelId,
      req.messageId,
      "update",
      req.content,
    );
    // No older than the version it replaces: apps keep the later version of a message by update
    // time, and a stored message may be stamped later than this clock (see AsyncMessageStore).
    const now = Math.max(Date.now(), row.update_time);
    if (persistent) await this.deps.messages.updateContent(row.seq, req.content, now);
    const updated: MessageRow = { ...row, content: req.content, update_time: now };
    const push: ChannelMessageInit = {
      ...messageToWire(updated),
      code: ChannelMessageCode.ChatUpdate,
      persistent,
    };
    this.sendChange(row, push, persistent);
    if (!persistent) this.rememberUnstored({ ...updated, content: "" });
    return this.ackOf(updated, ChannelMessageCode.ChatUpdate, persistent);
  }

  /** Removes the sender's own message; members get a code 2 message with empty content. */
  async remove(peer: Peer, req: ChannelMessageRemove): Promise<ChannelMessageAckInit> {
    const { row, persistent } = await this.ownMessage(peer, req.channelId, req.messageId, "remove");
    if (persistent) await this.deps.messages.delete(row.seq);
    else this.recentUnstored.delete(`${row.channel_id}\n${row.id}`);
    const now = Math.max(Date.now(), row.update_time);
    const removed: MessageRow = { ...row, content: "{}", update_time: now };
    const push: ChannelMessageInit = {
      ...messageToWire(removed),
      code: ChannelMessageCode.ChatRemove,
      persistent,
    };
    this.sendChange(row, push, persistent);
    return this.ackOf(removed, ChannelMessageCode.ChatRemove, persistent);
  }

  /**
   * Pushes the edit or removal of a message to the channel's members: a stored one after the
   * original on every node, even one still waiting for it; a non-persistent one at once.
   */
  private sendChange(row: MessageRow, push: ChannelMessageInit, persistent: boolean): void {
    const out = new Outgoing({ kind: "channelMessage", body: push });
    if (persistent) this.deps.channels.sendChange(row.channel_id, out, row.seq);
    else this.deps.channels.send(row.channel_id, out);
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
      (stored) =>
        this.deps.channels.sendStored(
          target.id,
          new Outgoing({ kind: "channelMessage", body: messageToWire(stored.row) }),
          // Never a duplicate (no client message id): the order is there.
          { seq: stored.row.seq, prevSeq: stored.duplicate ? 0 : stored.prevSeq },
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
