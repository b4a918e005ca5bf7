import type { GroupUserInit, UserGroupInit } from "../../gen/wire.js";
import { ChannelMessageCode, NotificationCode } from "../../gen/wire.js";
import type { Logger } from "../logger.js";
import { isUuid, refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import { type GroupRow, type GroupStore, groupToWire, MemberState } from "../storage/groups.js";
import type { UserStore } from "../storage/users.js";
import type { Caller } from "./caller.js";
import type { Chat } from "./chat.js";
import { checkField, FieldLimits } from "./field-limits.js";
import type { Notifier } from "./notifier.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import type { UserViews } from "./user-views.js";

function pageArgs(limit: number | undefined, cursor: string): { limit: number; offset: number } {
  const l = limit ?? 100;
  if (!Number.isInteger(l) || l < 1 || l > 100) refuse("bad_input", StockWords.invalidLimit);
  let offset = 0;
  if (cursor) {
    offset = Number(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Number.isSafeInteger(offset) || offset < 0) refuse("bad_input", StockWords.malformedCursor);
  }
  return { limit: l, offset };
}

function nextCursor(offset: number, limit: number, total: number): string {
  return offset + limit < total ? Buffer.from(String(offset + limit)).toString("base64url") : "";
}

/** What the group rules need. */
export interface GroupsDeps {
  groups: GroupStore;
  users: UserStore;
  chat: Chat;
  notifier: Notifier;
  userViews: UserViews;
  logger: Logger;
}

/**
 * Group rules: creation, membership and roles. Membership changes write event messages (codes
 * 3 to 9) to the group's channel.
 */
export class Groups {
  constructor(private readonly deps: GroupsDeps) {}

  private findGroup(groupId: string): GroupRow {
    const group = isUuid(groupId) ? this.deps.groups.byId(groupId.toLowerCase()) : undefined;
    if (group === undefined) refuse("not_found", StockWords.groupNotFound);
    return group;
  }

  /** The group, if the caller is at least an admin of it. */
  private adminGroup(groupId: string, caller: Caller): { group: GroupRow; callerState: number } {
    const group = this.findGroup(groupId);
    const callerState = this.deps.groups.stateOf(group.id, caller.userId);
    if (callerState === undefined || callerState > MemberState.Admin) {
      refuse("permission_denied", "Group not found or you're not allowed to change it.");
    }
    return { group, callerState };
  }

  /** The target users of a member operation, each checked to exist. */
  private targets(ids: readonly string[]): { id: string; username: string }[] {
    return ids.map((id) => {
      const row = isUuid(id) ? this.deps.users.byId(id.toLowerCase()) : undefined;
      if (row === undefined) refuse("bad_input", `User ID '${id}' not found.`);
      return { id: row.id, username: row.username };
    });
  }

  private view(group: GroupRow) {
    return groupToWire(group, this.deps.groups.memberCount(group.id));
  }

  private checkGroupFields(fields: {
    name?: string | undefined;
    description?: string | undefined;
    langTag?: string | undefined;
    avatarUrl?: string | undefined;
  }): void {
    checkField("Group name", fields.name, FieldLimits.groupName, { plain: true });
    checkField("Group description", fields.description, FieldLimits.groupDescription);
    checkField("Lang tag", fields.langTag, FieldLimits.langTag, { plain: true });
    checkField("Avatar URL", fields.avatarUrl, FieldLimits.avatarUrl);
  }

  /** Removes a user from the group's live channel too, so they stop receiving its messages. */
  private dropMember(groupId: string, userId: string): void {
    this.deps.chat.removeFromGroupChannel(groupId, userId);
  }
  createGroup(req: RequestOf<"createGroup">, caller: Caller): ResponseOf<"createGroup"> {
    const name = req.name.trim();
    if (name === "") refuse("bad_input", "Group name must be set.");
    this.checkGroupFields({ ...req, name });
    if (this.deps.groups.byName(name) !== undefined) refuse("already_exists", "Group name is in use.");
    const maxCount = req.maxCount === 0 ? 100 : req.maxCount;
    if (maxCount < 1) refuse("bad_input", "Group max count must be at least 1.");
    const group = this.deps.groups.create({
      creatorId: caller.userId,
      name,
      description: req.description,
      langTag: req.langTag,
      avatarUrl: req.avatarUrl,
      open: req.open,
      maxCount,
    });
    this.deps.logger.info("group_created", { groupId: group.id, userId: caller.userId });
    return this.view(group);
  }

  updateGroup(req: RequestOf<"updateGroup">, caller: Caller): ResponseOf<"updateGroup"> {
    const { group } = this.adminGroup(req.groupId, caller);
    this.checkGroupFields(req);
    if (req.name !== undefined && req.name !== group.name) {
      if (req.name.trim() === "") refuse("bad_input", "Group name must be set.");
      if (this.deps.groups.byName(req.name) !== undefined) refuse("already_exists", "Group name is in use.");
    }
    this.deps.groups.update(group.id, {
      name: req.name,
      description: req.description,
      lang_tag: req.langTag,
      avatar_url: req.avatarUrl,
      open: req.open,
    } as never);
    return {};
  }

  deleteGroup(req: RequestOf<"deleteGroup">, caller: Caller): ResponseOf<"deleteGroup"> {
    const { group, callerState } = this.adminGroup(req.groupId, caller);
    if (callerState !== MemberState.Superadmin)
      refuse("permission_denied", "Only a superadmin may delete the group.");
    for (const m of this.deps.groups.members(group.id)) this.dropMember(group.id, m.user_id);
    this.deps.groups.delete(group.id);
    return {};
  }

  joinGroup(req: RequestOf<"joinGroup">, caller: Caller): ResponseOf<"joinGroup"> {
    const group = this.findGroup(req.groupId);
    const state = this.deps.groups.stateOf(group.id, caller.userId);
    if (state === MemberState.Banned) refuse("permission_denied", "User is banned from the group.");
    if (state !== undefined) return {};
    if (this.deps.groups.memberCount(group.id) >= group.max_count) refuse("bad_input", "Group is full.");
    if (group.open === 1) {
      this.deps.groups.setState(group.id, caller.userId, MemberState.Member);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupJoin, {
        id: caller.userId,
        username: caller.username,
      });
    } else {
      this.deps.groups.setState(group.id, caller.userId, MemberState.JoinRequest);
      for (const admin of this.deps.groups.members(group.id)) {
        if (admin.state > MemberState.Admin) continue;
        this.deps.notifier.send({
          userId: admin.user_id,
          subject: `User ${caller.username} wants to join your group`,
          content: JSON.stringify({ group_id: group.id, username: caller.username }),
          code: NotificationCode.GroupJoinRequest,
          senderId: caller.userId,
        });
      }
    }
    return {};
  }

  leaveGroup(req: RequestOf<"leaveGroup">, caller: Caller): ResponseOf<"leaveGroup"> {
    const group = this.findGroup(req.groupId);
    const state = this.deps.groups.stateOf(group.id, caller.userId);
    if (state === undefined || state === MemberState.Banned) return {};
    if (
      state === MemberState.Superadmin &&
      this.deps.groups.members(group.id, MemberState.Superadmin).length === 1
    ) {
      refuse("bad_input", "Cannot leave the group: you are its last superadmin.");
    }
    this.deps.groups.removeMember(group.id, caller.userId);
    if (state <= MemberState.Member) {
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupLeave, {
        id: caller.userId,
        username: caller.username,
      });
    }
    this.dropMember(group.id, caller.userId);
    return {};
  }

  addGroupUsers(req: RequestOf<"addGroupUsers">, caller: Caller): ResponseOf<"addGroupUsers"> {
    const { group } = this.adminGroup(req.groupId, caller);
    for (const user of this.targets(req.userIds)) {
      const state = this.deps.groups.stateOf(group.id, user.id);
      if (state !== undefined && state <= MemberState.Member) continue;
      if (this.deps.groups.memberCount(group.id) >= group.max_count) refuse("bad_input", "Group is full.");
      this.deps.groups.setState(group.id, user.id, MemberState.Member);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupAdd, user);
      this.deps.notifier.send({
        userId: user.id,
        subject: `You've been added to group ${group.name}`,
        content: JSON.stringify({ name: group.name }),
        code: NotificationCode.GroupAdd,
        senderId: caller.userId,
      });
    }
    return {};
  }

  kickGroupUsers(req: RequestOf<"kickGroupUsers">, caller: Caller): ResponseOf<"kickGroupUsers"> {
    const { group, callerState } = this.adminGroup(req.groupId, caller);
    for (const user of this.targets(req.userIds)) {
      if (user.id === caller.userId) refuse("bad_input", "Cannot kick yourself; leave the group instead.");
      const state = this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || state === MemberState.Banned) continue;
      if (
        state < callerState ||
        (state === MemberState.Superadmin && callerState !== MemberState.Superadmin)
      ) {
        refuse("permission_denied", "Cannot kick a member with a higher role.");
      }
      this.deps.groups.removeMember(group.id, user.id);
      if (state <= MemberState.Member)
        this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupKick, user);
      this.dropMember(group.id, user.id);
    }
    return {};
  }

  banGroupUsers(req: RequestOf<"banGroupUsers">, caller: Caller): ResponseOf<"banGroupUsers"> {
    const { group, callerState } = this.adminGroup(req.groupId, caller);
    for (const user of this.targets(req.userIds)) {
      if (user.id === caller.userId) refuse("bad_input", "Cannot ban yourself.");
      const state = this.deps.groups.stateOf(group.id, user.id);
      if (state === MemberState.Banned) continue;
      if (state !== undefined && state < callerState)
        refuse("permission_denied", "Cannot ban a member with a higher role.");
      this.deps.groups.setState(group.id, user.id, MemberState.Banned);
      if (state !== undefined && state <= MemberState.Member)
        this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupBan, user);
      this.dropMember(group.id, user.id);
    }
    return {};
  }

  promoteGroupUsers(req: RequestOf<"promoteGroupUsers">, caller: Caller): ResponseOf<"promoteGroupUsers"> {
    const { group, callerState } = this.adminGroup(req.groupId, caller);
    for (const user of this.targets(req.userIds)) {
      // As on stock, the caller's own id is skipped without an error.
      if (user.id === caller.userId) continue;
      const state = this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || state === MemberState.Banned || state === MemberState.Superadmin) continue;
      const next = state - 1;
      if (next < callerState) refuse("permission_denied", "Cannot promote a member above your own role.");
      this.deps.groups.setState(group.id, user.id, next);
      this.deps.chat.groupEvent(
        group.id,
        state === MemberState.JoinRequest ? ChannelMessageCode.GroupAdd : ChannelMessageCode.GroupPromote,
        user,
      );
    }
    return {};
  }

  demoteGroupUsers(req: RequestOf<"demoteGroupUsers">, caller: Caller): ResponseOf<"demoteGroupUsers"> {
    const { group, callerState } = this.adminGroup(req.groupId, caller);
    for (const user of this.targets(req.userIds)) {
      // As on stock: the caller's own id is skipped, and demoting the lowest rank is a no-op.
      if (user.id === caller.userId) continue;
      const state = this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || state >= MemberState.Member) continue;
      if (
        state < callerState ||
        (state === MemberState.Superadmin && callerState !== MemberState.Superadmin)
      ) {
        refuse("permission_denied", "Cannot demote a member with a higher role.");
      }
      // A demotion that would leave the group with no superadmin changes nothing, as on stock.
      if (
        state === MemberState.Superadmin &&
        this.deps.groups.members(group.id, MemberState.Superadmin).length === 1
      ) {
        continue;
      }
      this.deps.groups.setState(group.id, user.id, state + 1);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupDemote, user);
    }
    return {};
  }

  listGroupUsers(req: RequestOf<"listGroupUsers">, caller: Caller): ResponseOf<"listGroupUsers"> {
    const group = this.findGroup(req.groupId);
    const { limit, offset } = pageArgs(req.limit, req.cursor);
    // Who is banned is the group's admins' business: others get an empty list for that state.
    const callerState = this.deps.groups.stateOf(group.id, caller.userId);
    const admin = callerState !== undefined && callerState <= MemberState.Admin;
    const all =
      // Banned (4) is a state past the proto's enum, as on stock Nakama.
      (req.state as number | undefined) === MemberState.Banned && !admin
        ? []
        : this.deps.groups.members(group.id, req.state);
    const groupUsers: GroupUserInit[] = [];
    for (const m of all.slice(offset, offset + limit)) {
      const row = this.deps.users.byId(m.user_id);
      if (row !== undefined)
        groupUsers.push({ user: this.deps.userViews.view(row, caller.userId), state: m.state });
    }
    return { groupUsers, cursor: nextCursor(offset, limit, all.length) };
  }

  listUserGroups(req: RequestOf<"listUserGroups">): ResponseOf<"listUserGroups"> {
    if (!isUuid(req.userId)) refuse("bad_input", "Invalid user ID.");
    const { limit, offset } = pageArgs(req.limit, req.cursor);
    const all = this.deps.groups.groupsOf(req.userId.toLowerCase(), req.state);
    const userGroups: UserGroupInit[] = all
      .slice(offset, offset + limit)
      .map((g) => ({ group: this.view(g.group), state: g.state }));
    return { userGroups, cursor: nextCursor(offset, limit, all.length) };
  }

  listGroups(req: RequestOf<"listGroups">): ResponseOf<"listGroups"> {
    const { limit } = pageArgs(req.limit, "");
    // As stock: leading wildcards and spaces go, the rest is a case-insensitive LIKE pattern.
    const pattern = req.name.replace(/^[%\s]+/, "");
    const after = req.cursor ? Buffer.from(req.cursor, "base64url").toString("utf8") : "";
    const rows = this.deps.groups.list(pattern, after, limit + 1);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      groups: page.map((g) => this.view(g)),
      cursor: more && last !== undefined ? Buffer.from(last.name).toString("base64url") : "",
    };
  }
}
