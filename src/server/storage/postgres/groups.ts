import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { HeraldError } from "../../../errors.js";
import { GroupUserState } from "../../../gen/wire.js";
import { StockWords } from "../../stock-words.js";
import type {
  AsyncGroupStore,
  GroupChanges,
  GroupRow,
  MemberRow,
  NewGroup,
  UserGroupRow,
} from "../async-storage.js";
import { type GroupFilters, type GroupPosition, groupOrder, groupOrderSql } from "../group-order.js";
import { BANNED_STATE, countToStore, isMemberState, type MemberCount } from "../groups.js";
import { query, transaction } from "./connection.js";

const changeColumns = ["name", "description", "lang_tag", "avatar_url"] as const;

// A group's times come from the database's clock, as on stock Nakama: the nodes' clocks may
// disagree, and a change stamped by a node behind would move its group back in the listing by
// update time. clock_timestamp(), not now(): the time of the change itself, not of its
// transaction's start (which may have waited for the group's lock). In milliseconds, as stored.
const DB_NOW = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
// An update never moves the stored time back (a database clock stepped back, or a failover).
const MOVED_ON = `update_time = GREATEST(update_time, ${DB_NOW})`;

/** Groups and their members on PostgreSQL. Join order comes from one sequence shared by all nodes. */
export class PostgresGroupStore implements AsyncGroupStore {
  constructor(private readonly pool: Pool) {}

  async byId(id: string): Promise<GroupRow | undefined> {
    return (await query<GroupRow>(this.pool, "SELECT * FROM groups WHERE id = $1", [id]))[0];
  }

  async byName(name: string): Promise<GroupRow | undefined> {
    return (await query<GroupRow>(this.pool, "SELECT * FROM groups WHERE name = $1", [name]))[0];
  }

  /** Creates a group, stamped by the database's clock; resolves with the row as stored. */
  create(fields: NewGroup): Promise<GroupRow> {
    const id = randomUUID();
    return transaction(this.pool, async (sql) => {
      const { rows } = await sql.query<GroupRow>(
        `WITH now AS (SELECT ${DB_NOW} AS ms)
         INSERT INTO groups (id, creator_id, name, description, lang_tag, avatar_url, open, max_count, edge_count, create_time, update_time)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, 1, now.ms, now.ms FROM now RETURNING *`,
        [
          id,
          fields.creatorId,
          fields.name,
          fields.description,
          fields.langTag || "en",
          fields.avatarUrl,
          fields.open ? 1 : 0,
          fields.maxCount,
        ],
      );
      const group = rows[0] as GroupRow;
      await sql.query(
        "INSERT INTO group_members (group_id, user_id, state, update_time) VALUES ($1, $2, $3, $4)",
        [id, fields.creatorId, GroupUserState.Superadmin, group.create_time],
      );
      return group;
    });
  }

  async update(id: string, changes: GroupChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const column of changeColumns) {
      const v = changes[column];
      if (v === undefined) continue;
      values.push(v);
      sets.push(`${column} = $${values.length}`);
    }
    if (changes.open !== undefined) {
      values.push(changes.open ? 1 : 0);
      sets.push(`open = $${values.length}`);
    }
    if (sets.length === 0) return;
    await query(this.pool, `UPDATE groups SET ${sets.join(", ")}, ${MOVED_ON} WHERE id = $1`, values);
  }

  /** Deletes a group, and its channel's floor (`3.GROUP_ID..`): nobody can join that channel again. */
  async delete(id: string): Promise<void> {
    await transaction(this.pool, (sql) => deleteGroup(sql, id));
  }

  deleteIfOnly(groupId: string, userId: string): Promise<boolean> {
    return transaction(this.pool, async (sql) => {
      const locked = await sql.query("SELECT 1 FROM groups WHERE id = $1 FOR UPDATE", [groupId]);
      if (locked.rowCount === 0) return true;
      const { rows } = await sql.query<{ user_id: string }>(
        `SELECT user_id FROM group_members WHERE group_id = $1 AND state <= ${GroupUserState.Member}`,
        [groupId],
      );
      if (rows.length !== 1 || rows[0]?.user_id !== userId) return false;
      await deleteGroup(sql, groupId);
      return true;
    });
  }

  async stateOf(groupId: string, userId: string): Promise<number | undefined> {
    const rows = await query<{ state: number }>(
      this.pool,
      "SELECT state FROM group_members WHERE group_id = $1 AND user_id = $2",
      [groupId, userId],
    );
    return rows[0]?.state;
  }

  /**
   * Sets a user's state. When that makes or unmakes a member, the group's member count follows
   * and its update time moves, as stock Nakama's do; a member past the group's `max_count` is
   * refused. The group's row is locked first, so the membership changes of one group, from any
   * node, are counted one after the other.
   */
  setState(groupId: string, userIds: string | readonly string[], state: number): Promise<void> {
    // A user named twice is one user (the insert would change one row twice, which fails).
    const ids = typeof userIds === "string" ? [userIds] : [...new Set(userIds)];
    return transaction(this.pool, async (sql) => {
      await lockGroup(sql, groupId);
      const { rows } = await sql.query<{ state: number }>(
        "SELECT state FROM group_members WHERE group_id = $1 AND user_id = ANY($2::text[])",
        [groupId, ids],
      );
      const members = rows.filter((r) => isMemberState(r.state)).length;
      const grows = isMemberState(state) && members < ids.length;
      await sql.query(
        `INSERT INTO group_members (group_id, user_id, state, update_time)
         SELECT $1, id, $3, ${DB_NOW} FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n) ORDER BY n
         ON CONFLICT (group_id, user_id) DO UPDATE SET state = excluded.state, update_time = excluded.update_time`,
        [groupId, ids, state],
      );
      await recount(sql, groupId, grows);
    });
  }

  removeMember(groupId: string, userId: string): Promise<void> {
    return transaction(this.pool, async (sql) => {
      await lockGroup(sql, groupId);
      await sql.query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", [groupId, userId]);
      await recount(sql, groupId, false);
    });
  }

  members(groupId: string, state?: number): Promise<MemberRow[]> {
    if (state !== undefined) {
      return query<MemberRow>(
        this.pool,
        "SELECT * FROM group_members WHERE group_id = $1 AND state = $2 ORDER BY seq",
        [groupId, state],
      );
    }
    return query<MemberRow>(
      this.pool,
      "SELECT * FROM group_members WHERE group_id = $1 AND state < $2 ORDER BY seq",
      [groupId, BANNED_STATE],
    );
  }

  async groupsOf(userId: string, state?: number): Promise<UserGroupRow[]> {
    const rows = await query<GroupRow & { member_state: number; member_seq: number }>(
      this.pool,
      `SELECT g.*, m.state AS member_state, m.seq AS member_seq FROM group_members m
       JOIN groups g ON g.id = m.group_id
       WHERE m.user_id = $1 AND m.state < $2 AND ($3::integer IS NULL OR m.state = $3) ORDER BY m.seq`,
      [userId, BANNED_STATE, state ?? null],
    );
    return rows.map(({ member_state, member_seq, ...group }) => ({
      group,
      state: member_state,
      seq: member_seq,
    }));
  }

  list(pattern: string, afterName: string, limit: number): Promise<GroupRow[]> {
    // Bytewise ("C") comparison, as SQLite compares text, whatever the database's collation;
    // ILIKE ignores case as SQLite's LIKE and stock Nakama's ILIKE do, and
    // without an escape character, as SQLite's LIKE has none by default.
    return query<GroupRow>(
      this.pool,
      `SELECT * FROM groups WHERE ($1 = '' OR name ILIKE $1 ESCAPE '') AND name COLLATE "C" > $2
       ORDER BY name COLLATE "C" LIMIT $3`,
      [pattern, afterName, limit],
    );
  }

  listOrdered(filters: GroupFilters, after: GroupPosition | undefined, limit: number): Promise<GroupRow[]> {
    const sql = groupOrderSql(
      groupOrder(filters),
      after,
      (n) => `$${n}`,
      (c) => `${c} COLLATE "C"`,
    );
    return query<GroupRow>(
      this.pool,
      `SELECT * FROM groups WHERE ${sql.where} ORDER BY ${sql.orderBy} LIMIT $${sql.params.length + 1}`,
      [...sql.params, limit],
    );
  }
}

async function deleteGroup(sql: PoolClient, groupId: string): Promise<void> {
  await sql.query("DELETE FROM groups WHERE id = $1", [groupId]);
  await sql.query("DELETE FROM removed_times WHERE channel_id = $1", [`3.${groupId}..`]);
}

/**
 * Locks a group's row for a change of its membership; refuses with "Group not found." when it is
 * gone (deleted since the caller read it: its last member left meanwhile).
 */
async function lockGroup(sql: PoolClient, groupId: string): Promise<void> {
  const { rowCount } = await sql.query("SELECT 1 FROM groups WHERE id = $1 FOR UPDATE", [groupId]);
  if (rowCount === 0) throw new HeraldError("not_found", StockWords.groupNotFound);
}

/**
 * Counts a group's members again after a change of membership and stores the count, moving its
 * update time on to the database's clock, when it differs; a change that made a member (`grows`) past `max_count`
 * throws "Group is full.", rolling the change back (see `countToStore`). Counting rather than
 * adding one keeps the stored count true even where it was not kept before (rows written by an
 * older node).
 */
async function recount(sql: PoolClient, groupId: string, grows: boolean): Promise<void> {
  const { rows } = await sql.query<MemberCount>(
    `SELECT edge_count, max_count,
       (SELECT count(*)::integer FROM group_members WHERE group_id = $1 AND state <= ${GroupUserState.Member}) AS n
     FROM groups WHERE id = $1`,
    [groupId],
  );
  const n = rows[0] && countToStore(rows[0], grows);
  if (n !== undefined) {
    await sql.query(`UPDATE groups SET edge_count = $2, ${MOVED_ON} WHERE id = $1`, [groupId, n]);
  }
}
