import { randomUUID } from "node:crypto";
import { HeraldError } from "../../errors.js";
import { type GroupInit, GroupUserState } from "../../gen/wire.js";
import { StockWords } from "../stock-words.js";
import type { Db } from "./database.js";
import { type GroupFilters, type GroupPosition, groupOrder, groupOrderSql } from "./group-order.js";

/** A groups row. */
export interface GroupRow {
  id: string;
  creator_id: string;
  name: string;
  description: string;
  lang_tag: string;
  metadata: string;
  avatar_url: string;
  open: number;
  max_count: number;
  /** Members (join requests and bans excluded), kept with every change of membership. */
  edge_count: number;
  create_time: number;
  /** When the group was last updated, or its member count last changed (as on stock Nakama). */
  update_time: number;
}

/**
 * A banned user's group state. Member states are the wire's `GroupUserState` values; stock Nakama
 * stores a ban as 4, one past them, and lists it only when asked for that state.
 */
export const BANNED_STATE = 4;

/** A group's stored member count, its limit, and its members counted now (`n`). */
export interface MemberCount {
  edge_count: number;
  max_count: number;
  n: number;
}

/** Whether a group state counts as a member (superadmin, admin, member). */
export const isMemberState = (state: number | undefined): boolean =>
  state !== undefined && state <= GroupUserState.Member;

/**
 * The member count to store after a change of membership: undefined when it is the stored one.
 * Throws "Group is full." when the change made a member (`grows`) and the members are now more
 * than `max_count` (joins or adds racing past the service's check of the count it read before);
 * other changes (a kick, a promotion) always go through, mending a stored count found wrong.
 */
export function countToStore({ edge_count, max_count, n }: MemberCount, grows: boolean): number | undefined {
  if (grows && n > max_count) throw new HeraldError("bad_input", StockWords.groupFull);
  return n === edge_count ? undefined : n;
}

export interface MemberRow {
  group_id: string;
  user_id: string;
  state: number;
  seq: number;
}

/** A group a user belongs to or asked to join: their state in it and their place in join order. */
export interface UserGroupRow {
  group: GroupRow;
  state: number;
  seq: number;
}

/** Groups and their members. */
export class GroupStore {
  private seq = 0;

  constructor(private readonly db: Db) {
    const max = db.prepare("SELECT MAX(seq) FROM group_members").pluck().get() as number | null;
    this.seq = max ?? 0;
  }

  byId(id: string): GroupRow | undefined {
    return this.db.prepare<[string], GroupRow>("SELECT * FROM groups WHERE id = ?").get(id);
  }

  byName(name: string): GroupRow | undefined {
    return this.db.prepare<[string], GroupRow>("SELECT * FROM groups WHERE name = ?").get(name);
  }

  create(fields: {
    creatorId: string;
    name: string;
    description: string;
    langTag: string;
    avatarUrl: string;
    open: boolean;
    maxCount: number;
  }): GroupRow {
    const id = randomUUID();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO groups (id, creator_id, name, description, lang_tag, avatar_url, open, max_count, edge_count, create_time, update_time)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
        )
        .run(
          id,
          fields.creatorId,
          fields.name,
          fields.description,
          fields.langTag || "en",
          fields.avatarUrl,
          fields.open ? 1 : 0,
          fields.maxCount,
          now,
          now,
        );
      this.putState(id, fields.creatorId, GroupUserState.Superadmin, now);
    })();
    return this.byId(id) as GroupRow;
  }

  /** Changes a group's fields; its update time moves on to now, never back (a clock stepped back). */
  update(
    id: string,
    changes: Partial<Record<"name" | "description" | "lang_tag" | "avatar_url", string>> & { open?: boolean },
  ): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) continue;
      sets.push(`${k} = ?`);
      values.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
    }
    if (sets.length === 0) return;
    this.db
      .prepare(`UPDATE groups SET ${sets.join(", ")}, update_time = MAX(update_time, ?) WHERE id = ?`)
      .run(...values, Date.now(), id);
  }

  /** Deletes a group, and its channel's floor (`3.GROUP_ID..`): nobody can join that channel again. */
  delete(id: string): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM groups WHERE id = ?").run(id);
      this.db.prepare("DELETE FROM removed_times WHERE channel_id = ?").run(`3.${id}..`);
    })();
  }

  /**
   * Deletes a group if `userId` is its one member, in one change. False when others are members;
   * true once the group is gone (deleted meanwhile too).
   */
  deleteIfOnly(groupId: string, userId: string): boolean {
    return this.db.transaction(() => {
      if (this.byId(groupId) === undefined) return true;
      const members = this.db
        .prepare<[string], string>(
          `SELECT user_id FROM group_members WHERE group_id = ? AND state <= ${GroupUserState.Member}`,
        )
        .pluck()
        .all(groupId);
      if (members.length !== 1 || members[0] !== userId) return false;
      this.delete(groupId);
      return true;
    })();
  }

  /** A user's state in a group (undefined when not related at all). */
  stateOf(groupId: string, userId: string): number | undefined {
    return this.db
      .prepare<[string, string], number>("SELECT state FROM group_members WHERE group_id = ? AND user_id = ?")
      .pluck()
      .get(groupId, userId);
  }

  /**
   * Sets a user's state. When that makes or unmakes a member, the group's member count follows
   * and its update time moves, as stock Nakama's do; a member past the group's `max_count` is
   * refused (see {@link recount}).
   */
  setState(groupId: string, userIds: string | readonly string[], state: number): void {
    const ids = typeof userIds === "string" ? [userIds] : userIds;
    this.db.transaction(() => {
      // Deleted since the caller read it (its last member left meanwhile).
      if (this.byId(groupId) === undefined) throw new HeraldError("not_found", StockWords.groupNotFound);
      const now = Date.now();
      const grows = isMemberState(state) && ids.some((id) => !isMemberState(this.stateOf(groupId, id)));
      for (const id of ids) this.putState(groupId, id, state, now);
      this.recount(groupId, now, grows);
    })();
  }

  private putState(groupId: string, userId: string, state: number, now: number): void {
    this.db
      .prepare(
        `INSERT INTO group_members (group_id, user_id, state, seq, update_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET state = excluded.state, update_time = excluded.update_time`,
      )
      .run(groupId, userId, state, ++this.seq, now);
  }

  /**
   * Counts a group's members again after a change of membership (in its transaction) and stores
   * the count, with `now` as its update time, when it differs. A change that made a member
   * (`grows`) past the group's `max_count` throws "Group is full." instead, undoing the change.
   */
  private recount(groupId: string, now: number, grows: boolean): void {
    const row = this.db
      .prepare<[string, string], MemberCount>(
        `SELECT edge_count, max_count,
           (SELECT COUNT(*) FROM group_members WHERE group_id = ? AND state <= ${GroupUserState.Member}) AS n
         FROM groups WHERE id = ?`,
      )
      .get(groupId, groupId);
    const n = row && countToStore(row, grows);
    if (n !== undefined) {
      // Never back: a clock stepped back would move the group back in the listing by update time.
      this.db
        .prepare("UPDATE groups SET edge_count = ?, update_time = MAX(update_time, ?) WHERE id = ?")
        .run(n, now, groupId);
    }
  }

  removeMember(groupId: string, userId: string): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM group_members WHERE group_id = ? AND user_id = ?").run(groupId, userId);
      this.recount(groupId, Date.now(), false);
    })();
  }

  /** Members (and join requests) in join order, optionally of one state. */
  members(groupId: string, state?: number): MemberRow[] {
    if (state !== undefined) {
      return this.db
        .prepare<[string, number], MemberRow>(
          "SELECT * FROM group_members WHERE group_id = ? AND state = ? ORDER BY seq",
        )
        .all(groupId, state);
    }
    return this.db
      .prepare<[string], MemberRow>(
        `SELECT * FROM group_members WHERE group_id = ? AND state < ${BANNED_STATE} ORDER BY seq`,
      )
      .all(groupId);
  }

  /** The groups a user belongs to or asked to join. */
  groupsOf(userId: string, state?: number): UserGroupRow[] {
    const rows = this.db
      .prepare<[string], GroupRow & { member_state: number; member_seq: number }>(
        `SELECT g.*, m.state AS member_state, m.seq AS member_seq FROM group_members m
         JOIN groups g ON g.id = m.group_id WHERE m.user_id = ? AND m.state < ${BANNED_STATE} ORDER BY m.seq`,
      )
      .all(userId);
    return rows
      .filter((r) => state === undefined || r.member_state === state)
      .map(({ member_state, member_seq, ...group }) => ({ group, state: member_state, seq: member_seq }));
  }

  /**
   * Groups whose name matches `pattern`, an SQL LIKE pattern matched case-insensitively (`%` any
   * run, `_` one character; "" matches every group), by name after `afterName`.
   */
  list(pattern: string, afterName: string, limit: number): GroupRow[] {
    if (pattern === "") {
      return this.db
        .prepare<[string, number], GroupRow>("SELECT * FROM groups WHERE name > ? ORDER BY name LIMIT ?")
        .all(afterName, limit);
    }
    // SQLite's LIKE ignores case (for ASCII letters), as stock Nakama's ILIKE does.
    return this.db
      .prepare<[string, string, number], GroupRow>(
        "SELECT * FROM groups WHERE name LIKE ? AND name > ? ORDER BY name LIMIT ?",
      )
      .all(pattern, afterName, limit);
  }

  /** Groups passing `filters`, in stock Nakama's order for them, after `after`. */
  listOrdered(filters: GroupFilters, after: GroupPosition | undefined, limit: number): GroupRow[] {
    const sql = groupOrderSql(
      groupOrder(filters),
      after,
      () => "?",
      (c) => c,
    );
    return this.db
      .prepare<unknown[], GroupRow>(`SELECT * FROM groups WHERE ${sql.where} ORDER BY ${sql.orderBy} LIMIT ?`)
      .all(...sql.params, limit);
  }
}

/** A groups row as the wire's Group message. */
export function groupToWire(row: GroupRow): GroupInit {
  return {
    id: row.id,
    creatorId: row.creator_id,
    name: row.name,
    description: row.description,
    langTag: row.lang_tag,
    metadata: row.metadata,
    avatarUrl: row.avatar_url,
    open: row.open === 1,
    edgeCount: row.edge_count,
    maxCount: row.max_count,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}
