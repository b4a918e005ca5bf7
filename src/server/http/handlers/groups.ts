import type { GroupUserInit, UserGroupInit } from "../../../gen/wire.js";
import { ChannelMessageCode, NotificationCode } from "../../../gen/wire.js";
import type { Caller, ServerContext } from "../../context.js";
import { isUuid, refuse } from "../../refusal.js";
import { type GroupRow, groupToWire, MemberState } from "../../storage/groups.js";
import type { Handlers } from "../router.js";
import { userView } from "./user-view.js";

function pageArgs(limit: number | undefined, cursor: string): { limit: number; offset: number } {
  const l = limit ?? 100;
  if (!Number.isInteger(l) || l < 1 || l > 100) refuse("Invalid limit - limit must be between 1 and 100.");
  let offset = 0;
  if (cursor) {
    offset = Number(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Number.isSafeInteger(offset) || offset < 0) refuse("Malformed cursor was used.");
  }
  return { limit: l, offset };
}

function nextCursor(offset: number, limit: number, total: number): string {
  return offset + limit < total ? Buffer.from(String(offset + limit)).toString("base64url") : "";
}

/** Group routes. Membership changes write event messages (codes 3 to 9) to the group's channel. */
export function groupHandlers(ctx: ServerContext): Handlers {
  const { groups, users, chat } = ctx;

  const findGroup = (groupId: string): GroupRow => {
    const group = isUuid(groupId) ? groups.byId(groupId.toLowerCase()) : undefined;
    if (group === undefined) refuse("Group not found.", 5);
    return group;
  };

  /** The group, if the caller is at least an admin of it. */
  const adminGroup = (groupId: string, caller: Caller): { group: GroupRow; callerState: number } => {
    const group = findGroup(groupId);
    const callerState = groups.stateOf(group.id, caller.userId);
    if (callerState === undefined || callerState > MemberState.Admin) {
      refuse("Group not found or you're not allowed to change it.", 7);
    }
    return { group, callerState };
  };

  /** The target users of a member operation, each checked to exist. */
  const targets = (ids: readonly string[]): { id: string; username: string }[] =>
    ids.map((id) => {
      const row = isUuid(id) ? users.byId(id.toLowerCase()) : undefined;
      if (row === undefined) refuse(`User ID '${id}' not found.`);
      return { id: row.id, username: row.username };
    });

  const view = (group: GroupRow) => groupToWire(group, groups.memberCount(group.id));

  /** Removes a user from the group's live channel too, so they stop receiving its messages. */
  const dropMember = (groupId: string, userId: string) => chat.removeFromGroupChannel(groupId, userId);

  return {
    createGroup: (req, caller) => {
      const name = req.name.trim();
      if (name === "") refuse("Group name must be set.");
      if (groups.byName(name) !== undefined) refuse("Group name is in use.", 6);
      const maxCount = req.maxCount === 0 ? 100 : req.maxCount;
      if (maxCount < 1) refuse("Group max count must be at least 1.");
      const group = groups.create({
        creatorId: caller.userId,
        name,
        description: req.description,
        langTag: req.langTag,
        avatarUrl: req.avatarUrl,
        open: req.open,
        maxCount,
      });
      ctx.logger.info("group_created", { groupId: group.id, userId: caller.userId });
      return view(group);
    },
    updateGroup: (req, caller) => {
      const { group } = adminGroup(req.groupId, caller);
      if (req.name !== undefined && req.name !== group.name) {
        if (req.name.trim() === "") refuse("Group name must be set.");
        if (groups.byName(req.name) !== undefined) refuse("Group name is in use.", 6);
      }
      groups.update(group.id, {
        name: req.name,
        description: req.description,
        lang_tag: req.langTag,
        avatar_url: req.avatarUrl,
        open: req.open,
      } as never);
      return {};
    },
    deleteGroup: (req, caller) => {
      const { group, callerState } = adminGroup(req.groupId, caller);
      if (callerState !== MemberState.Superadmin) refuse("Only a superadmin may delete the group.", 7);
      for (const m of groups.members(group.id)) dropMember(group.id, m.user_id);
      groups.delete(group.id);
      return {};
    },
    joinGroup: (req, caller) => {
      const group = findGroup(req.groupId);
      const state = groups.stateOf(group.id, caller.userId);
      if (state === MemberState.Banned) refuse("User is banned from the group.", 7);
      if (state !== undefined) return {};
      if (groups.memberCount(group.id) >= group.max_count) refuse("Group is full.");
      if (group.open === 1) {
        groups.setState(group.id, caller.userId, MemberState.Member);
        chat.groupEvent(group.id, ChannelMessageCode.GroupJoin, {
          id: caller.userId,
          username: caller.username,
        });
      } else {
        groups.setState(group.id, caller.userId, MemberState.JoinRequest);
        for (const admin of groups.members(group.id)) {
          if (admin.state > MemberState.Admin) continue;
          ctx.notifier.send({
            userId: admin.user_id,
            subject: `User ${caller.username} wants to join your group`,
            content: JSON.stringify({ group_id: group.id, username: caller.username }),
            code: NotificationCode.GroupJoinRequest,
            senderId: caller.userId,
          });
        }
      }
      return {};
    },
    leaveGroup: (req, caller) => {
      const group = findGroup(req.groupId);
      const state = groups.stateOf(group.id, caller.userId);
      if (state === undefined || state === MemberState.Banned) return {};
      if (state === MemberState.Superadmin && groups.members(group.id, MemberState.Superadmin).length === 1) {
        refuse("Cannot leave the group: you are its last superadmin.");
      }
      groups.removeMember(group.id, caller.userId);
      if (state <= MemberState.Member) {
        chat.groupEvent(group.id, ChannelMessageCode.GroupLeave, {
          id: caller.userId,
          username: caller.username,
        });
      }
      dropMember(group.id, caller.userId);
      return {};
    },
    addGroupUsers: (req, caller) => {
      const { group } = adminGroup(req.groupId, caller);
      for (const user of targets(req.userIds)) {
        const state = groups.stateOf(group.id, user.id);
        if (state !== undefined && state <= MemberState.Member) continue;
        if (groups.memberCount(group.id) >= group.max_count) refuse("Group is full.");
        groups.setState(group.id, user.id, MemberState.Member);
        chat.groupEvent(group.id, ChannelMessageCode.GroupAdd, user);
        ctx.notifier.send({
          userId: user.id,
          subject: `You've been added to group ${group.name}`,
          content: JSON.stringify({ name: group.name }),
          code: NotificationCode.GroupAdd,
          senderId: caller.userId,
        });
      }
      return {};
    },
    kickGroupUsers: (req, caller) => {
      const { group, callerState } = adminGroup(req.groupId, caller);
      for (const user of targets(req.userIds)) {
        if (user.id === caller.userId) refuse("Cannot kick yourself; leave the group instead.");
        const state = groups.stateOf(group.id, user.id);
        if (state === undefined || state === MemberState.Banned) continue;
        if (
          state < callerState ||
          (state === MemberState.Superadmin && callerState !== MemberState.Superadmin)
        ) {
          refuse("Cannot kick a member with a higher role.", 7);
        }
        groups.removeMember(group.id, user.id);
        if (state <= MemberState.Member) chat.groupEvent(group.id, ChannelMessageCode.GroupKick, user);
        dropMember(group.id, user.id);
      }
      return {};
    },
    banGroupUsers: (req, caller) => {
      const { group, callerState } = adminGroup(req.groupId, caller);
      for (const user of targets(req.userIds)) {
        if (user.id === caller.userId) refuse("Cannot ban yourself.");
        const state = groups.stateOf(group.id, user.id);
        if (state === MemberState.Banned) continue;
        if (state !== undefined && state < callerState) refuse("Cannot ban a member with a higher role.", 7);
        groups.setState(group.id, user.id, MemberState.Banned);
        if (state !== undefined && state <= MemberState.Member)
          chat.groupEvent(group.id, ChannelMessageCode.GroupBan, user);
        dropMember(group.id, user.id);
      }
      return {};
    },
    promoteGroupUsers: (req, caller) => {
      const { group, callerState } = adminGroup(req.groupId, caller);
      for (const user of targets(req.userIds)) {
        const state = groups.stateOf(group.id, user.id);
        if (state === undefined || state === MemberState.Banned || state === MemberState.Superadmin) continue;
        const next = state - 1;
        if (next < callerState) refuse("Cannot promote a member above your own role.", 7);
        groups.setState(group.id, user.id, next);
        chat.groupEvent(
          group.id,
          state === MemberState.JoinRequest ? ChannelMessageCode.GroupAdd : ChannelMessageCode.GroupPromote,
          user,
        );
      }
      return {};
    },
    demoteGroupUsers: (req, caller) => {
      const { group, callerState } = adminGroup(req.groupId, caller);
      for (const user of targets(req.userIds)) {
        const state = groups.stateOf(group.id, user.id);
        if (state === undefined || state >= MemberState.Member) continue;
        if (
          state < callerState ||
          (state === MemberState.Superadmin && callerState !== MemberState.Superadmin)
        ) {
          refuse("Cannot demote a member with a higher role.", 7);
        }
        if (
          state === MemberState.Superadmin &&
          groups.members(group.id, MemberState.Superadmin).length === 1
        ) {
          refuse("Cannot demote the last superadmin.");
        }
        groups.setState(group.id, user.id, state + 1);
        chat.groupEvent(group.id, ChannelMessageCode.GroupDemote, user);
      }
      return {};
    },
    listGroupUsers: (req, caller) => {
      const group = findGroup(req.groupId);
      const { limit, offset } = pageArgs(req.limit, req.cursor);
      const all = groups.members(group.id, req.state);
      const groupUsers: GroupUserInit[] = [];
      for (const m of all.slice(offset, offset + limit)) {
        const row = users.byId(m.user_id);
        if (row !== undefined) groupUsers.push({ user: userView(ctx, row, caller.userId), state: m.state });
      }
      return { groupUsers, cursor: nextCursor(offset, limit, all.length) };
    },
    listUserGroups: (req) => {
      if (!isUuid(req.userId)) refuse("Invalid user ID.");
      const { limit, offset } = pageArgs(req.limit, req.cursor);
      const all = groups.groupsOf(req.userId.toLowerCase(), req.state);
      const userGroups: UserGroupInit[] = all
        .slice(offset, offset + limit)
        .map((g) => ({ group: view(g.group), state: g.state }));
      return { userGroups, cursor: nextCursor(offset, limit, all.length) };
    },
    listGroups: (req) => {
      const { limit } = pageArgs(req.limit, "");
      const prefix = req.name.replace(/%+$/, "");
      const after = req.cursor ? Buffer.from(req.cursor, "base64url").toString("utf8") : "";
      const rows = groups.list(prefix, after, limit + 1);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        groups: page.map(view),
        cursor: more && last !== undefined ? Buffer.from(last.name).toString("base64url") : "",
      };
    },
  };
}
