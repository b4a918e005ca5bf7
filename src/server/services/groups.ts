import type { GroupUserInit, UserGroupInit } from "../../gen/wire.js";
import { ChannelMessageCode, GroupUserState, NotificationCode } from "../../gen/wire.js";
import type { Logger } from "../logger.js";
import { refuse } from "../refusal.js";
import { StockWords } from "../stock-words.js";
import type { AsyncGroupStore, AsyncUserStore, GroupRow } from "../storage/async-storage.js";
import { type GroupFilters, groupOrder, groupPosition } from "../storage/group-order.js";
import { BANNED_STATE, groupToWire } from "../storage/groups.js";
import type { Caller } from "./caller.js";
import type { Chat } from "./chat.js";
import { checkField, FieldLimits } from "./field-limits.js";
import { cursorPosition, groupCursor, nameCursorPosition } from "./group-cursor.js";
import type { Notifier } from "./notifier.js";
import { decodeNumberCursor, encodeNumberCursor } from "./number-cursor.js";
import type { RequestOf, ResponseOf } from "./route-types.js";
import type { UserViews } from "./user-views.js";
import { canonicalUuid, isNilUuid } from "./uuid-text.js";

/**
 * A group id in the canonical form herald stores, from any spelling stock's UUID parser reads
 * (upper case, braces, 32 hex digits, `urn:uuid:`); anything else is refused in stock's words.
 */
function groupIdOf(text: string): string {
  return canonicalUuid(text) ?? refuse("bad_input", StockWords.invalidGroupId);
}

/** A listing's page size, 100 unless given, checked as stock checks it. */
function checkLimit(limit: number | undefined): number {
  const l = limit ?? 100;
  if (!Number.isInteger(l) || l < 1 || l > 100) refuse("bad_input", StockWords.invalidLimit);
  return l;
}

/** Room for a join sequence number below each state in {@link memberKey}. */
const SEQ_SPAN = 2 ** 44;

/** An entry's place in a member listing, its state first, then its join order: what a cursor holds. */
const memberKey = (row: { state: number; seq: number }): number => row.state * SEQ_SPAN + row.seq;

/** Where a member listing's page starts: the place its cursor names, or the start. */
function cursorKey(cursor: string, listing: string): number {
  return cursor ? decodeNumberCursor(listing, cursor, StockWords.invalidCursor) : 0;
}

/**
 * A page of a member listing and the cursor of the next: the rows in stock's order, by state
 * (superadmins first, join requests last), then in the order the users came (the order the store
 * gives), from the place `from` names. As stock's, the cursor names the first entry of the next
 * page, not an offset, so that entries gone from earlier pages make the next skip nothing.
 */
function memberPage<T extends { state: number; seq: number }>(
  rows: T[],
  listing: string,
  from: number,
  limit: number,
): { page: T[]; cursor: string } {
  const rest = rows.sort((a, b) => a.state - b.state).filter((row) => memberKey(row) >= from);
  const next = rest[limit];
  return { page: rest.slice(0, limit), cursor: next ? encodeNumberCursor(listing, memberKey(next)) : "" };
}

/** The listing a group-users cursor is bound to: one group, one state filter. */
const groupUsersListing = (groupId: string, state: number | undefined) =>
  `group_users/${groupId}/${state ?? ""}`;

/** The listing a user-groups cursor is bound to: one user, one state filter. */
const userGroupsListing = (userId: string, state: number | undefined) =>
  `user_groups/${userId}/${state ?? ""}`;

/** Stock's words for a join, add or promotion the group has no room for. */

/** The words and wire code stock Nakama refuses a group operation with when the caller may not. */
interface StockDenial {
  words: string;
  wire: "not_found" | "bad_input";
}

const STOCK_MEMBER_OP_DENIED: StockDenial = { words: StockWords.groupPermissionDenied, wire: "not_found" };
const STOCK_UPDATE_DENIED: StockDenial = { words: StockWords.groupUpdateDenied, wire: "not_found" };
const STOCK_DELETE_DENIED: StockDenial = { words: StockWords.groupDeleteDenied, wire: "bad_input" };

/**
 * Whether a caller of `callerState` may kick or ban a user of `state`, as stock decides: a
 * superadmin anyone, an admin only members and join requests.
 */
function outranks(callerState: number, state: number): boolean {
  return callerState === GroupUserState.Superadmin || state > GroupUserState.Admin;
}

/** A state filter of a member listing: 0 to 4 (banned included), as stock allows. */
function checkMemberState(state: number | undefined): void {
  if (state !== undefined && (state < 0 || state > BANNED_STATE)) {
    refuse("bad_input", StockWords.invalidMemberState);
  }
}

/** What the group rules need. */
export interface GroupsDeps {
  groups: AsyncGroupStore;
  users: AsyncUserStore;
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

  /** The group of `groupId`, if any. As stock: an id that is not a UUID is bad input. */
  private groupById(groupId: string): Promise<GroupRow | undefined> {
    return this.deps.groups.byId(groupIdOf(groupId));
  }

  private async findGroup(groupId: string): Promise<GroupRow> {
    // As stock: a UUID of no group is not found.
    const group = await this.groupById(groupId);
    if (group === undefined) refuse("not_found", StockWords.groupNotFound);
    return group;
  }

  /**
   * The group, if the caller is at least an admin of it. Stock answers a missing group and a
   * caller without the right alike, with `denied`'s words and wire code; the precise code travels
   * beside them.
   */
  private async adminGroup(
    groupId: string,
    caller: Caller,
    denied: StockDenial = STOCK_MEMBER_OP_DENIED,
  ): Promise<{ group: GroupRow; callerState: number }> {
    const group = await this.groupById(groupId);
    if (group === undefined) refuse("not_found", denied.words, { wire: denied.wire });
    const callerState = await this.deps.groups.stateOf(group.id, caller.userId);
    if (callerState === undefined || callerState > GroupUserState.Admin) {
      refuse("permission_denied", denied.words, { wire: denied.wire });
    }
    return { group, callerState };
  }

  /**
   * Stock's checks of a member operation before it reads anything: the group id, then the user
   * ids (the nil id included), each read in any spelling stock reads. The user ids in canonical
   * form, in the order given; none when there is nothing to do, which stock answers with success
   * before it looks at the group or the caller's rights.
   */
  private memberOpUserIds(groupId: string, ids: readonly string[]): string[] {
    groupIdOf(groupId);
    return ids.map((text) => {
      const id = canonicalUuid(text);
      return id === undefined || isNilUuid(id) ? refuse("bad_input", StockWords.invalidGroupUserId) : id;
    });
  }

  /**
   * The target users of a member operation, whose canonical ids {@link memberOpUserIds} gave. As
   * stock: a well-formed id of no user refuses the request when adding (`mustExist`) and is
   * skipped otherwise.
   */
  private async targets(
    ids: readonly string[],
    mustExist = false,
  ): Promise<{ id: string; username: string }[]> {
    const found = new Map((await this.deps.users.byIds([...ids])).map((r) => [r.id, r]));
    const out: { id: string; username: string }[] = [];
    for (const id of ids) {
      const row = found.get(id);
      if (row === undefined) {
        if (mustExist) refuse("bad_input", StockWords.groupUsersNotFound);
        continue;
      }
      out.push({ id: row.id, username: row.username });
    }
    return out;
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
  async createGroup(req: RequestOf<"createGroup">, caller: Caller): Promise<ResponseOf<"createGroup">> {
    // As stock: the name is kept as given, spaces included (herald refuses one of spaces only);
    // the name, then the size, then the name's place.
    const name = req.name;
    if (name.trim() === "") refuse("bad_input", "Group name must be set.");
    const maxCount = req.maxCount === 0 ? 100 : req.maxCount;
    if (maxCount < 1) refuse("bad_input", "Group max count must be >= 1 when set.");
    this.checkGroupFields(req);
    if ((await this.deps.groups.byName(name)) !== undefined)
      refuse("already_exists", "Group name is in use.");
    const group = await this.deps.groups.create({
      creatorId: caller.userId,
      name,
      description: req.description,
      langTag: req.langTag,
      avatarUrl: req.avatarUrl,
      open: req.open,
      maxCount,
    });
    this.deps.logger.info("group_created", { groupId: group.id, userId: caller.userId });
    return groupToWire(group);
  }

  async updateGroup(req: RequestOf<"updateGroup">, caller: Caller): Promise<ResponseOf<"updateGroup">> {
    // As stock: a name or language given empty is refused after the id, before the caller's rights.
    if (canonicalUuid(req.groupId) !== undefined) {
      if (req.name === "") refuse("bad_input", "Group name cannot be empty.");
      if (req.langTag === "") refuse("bad_input", "Group language cannot be empty.");
    }
    const { group } = await this.adminGroup(req.groupId, caller, STOCK_UPDATE_DENIED);
    const changes = [req.name, req.description, req.langTag, req.avatarUrl, req.open];
    if (changes.every((c) => c === undefined)) refuse("bad_input", StockWords.groupNoUpdate);
    this.checkGroupFields(req);
    if (req.name !== undefined && req.name !== group.name) {
      if (req.name.trim() === "") refuse("bad_input", "Group name must be set.");
      // Stock answers a taken name on update with 3 (on create with 6).
      if ((await this.deps.groups.byName(req.name)) !== undefined)
        refuse("already_exists", "Group name is in use.", { wire: "bad_input" });
    }
    await this.deps.groups.update(group.id, {
      name: req.name,
      description: req.description,
      lang_tag: req.langTag,
      avatar_url: req.avatarUrl,
      open: req.open,
    } as never);
    return {};
  }

  async deleteGroup(req: RequestOf<"deleteGroup">, caller: Caller): Promise<ResponseOf<"deleteGroup">> {
    const { group, callerState } = await this.adminGroup(req.groupId, caller, STOCK_DELETE_DENIED);
    if (callerState !== GroupUserState.Superadmin)
      refuse("permission_denied", STOCK_DELETE_DENIED.words, { wire: STOCK_DELETE_DENIED.wire });
    await this.removeGroup(group.id);
    return {};
  }

  /** Deletes a group, its members first dropped from its live channel. */
  private async removeGroup(groupId: string): Promise<void> {
    for (const m of await this.deps.groups.members(groupId)) this.dropMember(groupId, m.user_id);
    await this.deps.groups.delete(groupId);
  }

  async joinGroup(req: RequestOf<"joinGroup">, caller: Caller): Promise<ResponseOf<"joinGroup">> {
    const group = await this.findGroup(req.groupId);
    // As stock: a full group refuses every join, from a user already in it too.
    if (group.edge_count >= group.max_count) refuse("bad_input", StockWords.groupFull);
    // As stock: a user with a place in the group already (a member of any rank, a join request,
    // a ban) joins with success and nothing changed.
    if ((await this.deps.groups.stateOf(group.id, caller.userId)) !== undefined) return {};
    if (group.open === 1) {
      await this.deps.groups.setState(group.id, caller.userId, GroupUserState.Member);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupJoin, {
        id: caller.userId,
        username: caller.username,
      });
    } else {
      await this.deps.groups.setState(group.id, caller.userId, GroupUserState.JoinRequest);
      for (const admin of await this.deps.groups.members(group.id)) {
        if (admin.state > GroupUserState.Admin) continue;
        await this.deps.notifier.send({
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

  async leaveGroup(req: RequestOf<"leaveGroup">, caller: Caller): Promise<ResponseOf<"leaveGroup">> {
    const group = await this.groupById(req.groupId);
    // As stock: leaving a group one is not in succeeds, a group that does not exist included.
    if (group === undefined) return {};
    const state = await this.deps.groups.stateOf(group.id, caller.userId);
    if (state === undefined || state === BANNED_STATE) return {};
    if (
      state === GroupUserState.Superadmin &&
      (await this.deps.groups.members(group.id, GroupUserState.Superadmin)).length === 1
    ) {
      // As stock (3.25 on): the last member leaving deletes the group (join requests and bans do
      // not count), with no leave written; the last superadmin of a group with members may not.
      if (group.edge_count > 1) refuse("bad_input", StockWords.lastSuperadmin);
      const members = await this.deps.groups.members(group.id);
      // Deleted only if the caller is still its one member: a join that landed meanwhile keeps it.
      if (!(await this.deps.groups.deleteIfOnly(group.id, caller.userId))) {
        refuse("bad_input", StockWords.lastSuperadmin);
      }
      for (const m of members) this.dropMember(group.id, m.user_id);
      return {};
    }
    await this.deps.groups.removeMember(group.id, caller.userId);
    // As stock: a leave is written to the group's channel also when it withdraws a join request.
    this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupLeave, {
      id: caller.userId,
      username: caller.username,
    });
    this.dropMember(group.id, caller.userId);
    return {};
  }

  async addGroupUsers(req: RequestOf<"addGroupUsers">, caller: Caller): Promise<ResponseOf<"addGroupUsers">> {
    const userIds = this.memberOpUserIds(req.groupId, req.userIds);
    if (userIds.length === 0) return {};
    const { group } = await this.adminGroup(req.groupId, caller);
    const added: { id: string; username: string }[] = [];
    for (const user of await this.targets(userIds, true)) {
      // As stock: the caller, members and banned users are skipped; a ban is not lifted by an add.
      if (user.id === caller.userId || added.some((a) => a.id === user.id)) continue;
      const state = await this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || state === GroupUserState.JoinRequest) added.push(user);
    }
    // As stock, all or nothing: a group without room for every user added takes none of them.
    if (group.edge_count + added.length > group.max_count) {
      refuse("bad_input", StockWords.groupFull);
    }
    // All in one change of the group, refused whole if a race filled it meanwhile.
    await this.deps.groups.setState(
      group.id,
      added.map((u) => u.id),
      GroupUserState.Member,
    );
    for (const user of added) {
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupAdd, user);
      await this.deps.notifier.send({
        userId: user.id,
        subject: `You've been added to group ${group.name}`,
        content: JSON.stringify({ group_id: group.id, name: group.name }),
        code: NotificationCode.GroupAdd,
        senderId: caller.userId,
      });
    }
    return {};
  }

  async kickGroupUsers(
    req: RequestOf<"kickGroupUsers">,
    caller: Caller,
  ): Promise<ResponseOf<"kickGroupUsers">> {
    const userIds = this.memberOpUserIds(req.groupId, req.userIds);
    if (userIds.length === 0) return {};
    const { group, callerState } = await this.adminGroup(req.groupId, caller);
    for (const user of await this.targets(userIds)) {
      // As stock: the caller's own id is skipped, and so is anyone the caller outranks not. A
      // banned user is removed like a join request, silently: kicking is how a ban is lifted.
      if (user.id === caller.userId) continue;
      const state = await this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || !outranks(callerState, state)) continue;
      await this.deps.groups.removeMember(group.id, user.id);
      if (state <= GroupUserState.Member)
        this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupKick, user);
      this.dropMember(group.id, user.id);
    }
    return {};
  }

  async banGroupUsers(req: RequestOf<"banGroupUsers">, caller: Caller): Promise<ResponseOf<"banGroupUsers">> {
    const userIds = this.memberOpUserIds(req.groupId, req.userIds);
    if (userIds.length === 0) return {};
    const { group, callerState } = await this.adminGroup(req.groupId, caller);
    for (const user of await this.targets(userIds)) {
      // As stock: the caller's own id is skipped, and so is anyone the caller outranks not.
      if (user.id === caller.userId) continue;
      const state = await this.deps.groups.stateOf(group.id, user.id);
      // As stock: only members and join requests are banned; anyone else is skipped.
      if (state === undefined || state === BANNED_STATE || !outranks(callerState, state)) continue;
      await this.deps.groups.setState(group.id, user.id, BANNED_STATE);
      if (state <= GroupUserState.Member)
        this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupBan, user);
      this.dropMember(group.id, user.id);
    }
    return {};
  }

  async promoteGroupUsers(
    req: RequestOf<"promoteGroupUsers">,
    caller: Caller,
  ): Promise<ResponseOf<"promoteGroupUsers">> {
    const userIds = this.memberOpUserIds(req.groupId, req.userIds);
    if (userIds.length === 0) return {};
    const { group, callerState } = await this.adminGroup(req.groupId, caller);
    for (const user of await this.targets(userIds)) {
      // As on stock, the caller's own id is skipped without an error.
      if (user.id === caller.userId) continue;
      const state = await this.deps.groups.stateOf(group.id, user.id);
      // As stock 3.26: only admins and members are promoted; a join request is accepted by adding
      // the user, not by a promotion, which skips it (as it skips superadmins and bans).
      if (state !== GroupUserState.Admin && state !== GroupUserState.Member) continue;
      const next = state - 1;
      // As stock: a promotion above the caller's own role is skipped.
      if (next < callerState) continue;
      await this.deps.groups.setState(group.id, user.id, next);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupPromote, user);
    }
    return {};
  }

  async demoteGroupUsers(
    req: RequestOf<"demoteGroupUsers">,
    caller: Caller,
  ): Promise<ResponseOf<"demoteGroupUsers">> {
    // Stock asks demote alone of the member operations for at least one user.
    groupIdOf(req.groupId);
    if (req.userIds.length === 0) refuse("bad_input", StockWords.groupUserIdsRequired);
    const userIds = this.memberOpUserIds(req.groupId, req.userIds);
    const { group, callerState } = await this.adminGroup(req.groupId, caller);
    for (const user of await this.targets(userIds)) {
      // As on stock: the caller's own id is skipped, and demoting the lowest rank is a no-op.
      if (user.id === caller.userId) continue;
      const state = await this.deps.groups.stateOf(group.id, user.id);
      if (state === undefined || state >= GroupUserState.Member) continue;
      // As stock: an admin demotes admins, not superadmins; that is skipped.
      if (state < callerState) continue;
      // A demotion that would leave the group with no superadmin changes nothing, as on stock.
      if (
        state === GroupUserState.Superadmin &&
        (await this.deps.groups.members(group.id, GroupUserState.Superadmin)).length === 1
      ) {
        continue;
      }
      await this.deps.groups.setState(group.id, user.id, state + 1);
      this.deps.chat.groupEvent(group.id, ChannelMessageCode.GroupDemote, user);
    }
    return {};
  }

  async listGroupUsers(
    req: RequestOf<"listGroupUsers">,
    caller: Caller,
  ): Promise<ResponseOf<"listGroupUsers">> {
    // As stock: the id, the limit, the state, the cursor, in that order; a group that does not
    // exist has no members, so its listing is empty.
    const groupId = groupIdOf(req.groupId);
    const limit = checkLimit(req.limit);
    checkMemberState(req.state);
    const listing = groupUsersListing(groupId, req.state);
    const from = cursorKey(req.cursor, listing);
    const group = await this.deps.groups.byId(groupId);
    if (group === undefined) return { groupUsers: [], cursor: "" };
    // Who is banned is the group's admins' business: others get an empty list for that state.
    const callerState = await this.deps.groups.stateOf(group.id, caller.userId);
    const admin = callerState !== undefined && callerState <= GroupUserState.Admin;
    const all =
      // Banned (4) is a state past the proto's enum, as on stock Nakama.
      (req.state as number | undefined) === BANNED_STATE && !admin
        ? []
        : await this.deps.groups.members(group.id, req.state);
    const groupUsers: GroupUserInit[] = [];
    const { page, cursor } = memberPage(all, listing, from, limit);
    const users = new Map((await this.deps.users.byIds(page.map((m) => m.user_id))).map((r) => [r.id, r]));
    for (const m of page) {
      const row = users.get(m.user_id);
      if (row !== undefined)
        groupUsers.push({ user: await this.deps.userViews.view(row, caller.userId), state: m.state });
    }
    return { groupUsers, cursor };
  }

  async listUserGroups(req: RequestOf<"listUserGroups">): Promise<ResponseOf<"listUserGroups">> {
    // Stock's words for a user id that is not a UUID name the group id.
    const userId = groupIdOf(req.userId);
    const limit = checkLimit(req.limit);
    checkMemberState(req.state);
    const listing = userGroupsListing(userId, req.state);
    const from = cursorKey(req.cursor, listing);
    const { page, cursor } = memberPage(
      await this.deps.groups.groupsOf(userId, req.state),
      listing,
      from,
      limit,
    );
    const userGroups: UserGroupInit[] = page.map((g) => ({ group: groupToWire(g.group), state: g.state }));
    return { userGroups, cursor };
  }

  async listGroups(req: RequestOf<"listGroups">): Promise<ResponseOf<"listGroups">> {
    // Stock lists one group when no limit is given (the SDK always sends one).
    const limit = checkLimit(req.limit ?? 1);
    // As stock: a negative member count is no filter.
    const members = req.members !== undefined && req.members >= 0 ? req.members : undefined;
    const filters: GroupFilters = { langTag: req.langTag, members, open: req.open };
    const filtered = req.langTag !== "" || members !== undefined || req.open !== undefined;
    if (req.name !== "" && filtered) refuse("bad_input", StockWords.groupNameFilterAlone);
    // As stock: leading wildcards and spaces go, the rest is a case-insensitive LIKE pattern; a
    // pattern left empty lists as no filter does.
    const pattern = req.name.replace(/^[%\s]+/, "");
    if (pattern !== "") {
      const after = req.cursor ? nameCursorPosition(pattern, req.cursor) : "";
      const rows = await this.deps.groups.list(pattern, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        groups: page.map(groupToWire),
        cursor: rows.length > limit && last !== undefined ? groupCursor(pattern, last.name) : "",
      };
    }
    // Without a name, in stock's order for the filters given; a cursor is bound to its filters.
    const order = groupOrder(filters);
    const listing = `${req.langTag}|${members ?? ""}|${req.open ?? ""}`;
    const after = req.cursor ? cursorPosition(listing, req.cursor, order) : undefined;
    const rows = await this.deps.groups.listOrdered(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      groups: page.map(groupToWire),
      cursor:
        rows.length > limit && last !== undefined ? groupCursor(listing, groupPosition(order, last)) : "",
    };
  }
}
