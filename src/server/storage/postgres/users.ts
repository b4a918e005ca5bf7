import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import {
  type AsyncTokenStore,
  type AsyncUserStore,
  type NewUser,
  type RevocationCheck,
  revocationParams,
  revokedWhere,
  type UserChanges,
  type UserRow,
} from "../async-storage.js";
import { query, transaction } from "./connection.js";

const changeColumns: readonly [keyof UserChanges, string][] = [
  ["username", "username"],
  ["displayName", "display_name"],
  ["avatarUrl", "avatar_url"],
  ["langTag", "lang_tag"],
  ["location", "location"],
  ["timezone", "timezone"],
];

/** Users, devices and credentials on PostgreSQL. */
export class PostgresUserStore implements AsyncUserStore {
  constructor(private readonly pool: Pool) {}

  private async one(where: string, value: string): Promise<UserRow | undefined> {
    const rows = await query<UserRow>(this.pool, `SELECT * FROM users WHERE ${where} = $1`, [value]);
    return rows[0];
  }

  byId(id: string): Promise<UserRow | undefined> {
    return this.one("id", id);
  }

  byIds(ids: readonly string[]): Promise<UserRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return query<UserRow>(this.pool, "SELECT * FROM users WHERE id = ANY($1::text[])", [[...new Set(ids)]]);
  }

  byUsername(username: string): Promise<UserRow | undefined> {
    return this.one("username", username);
  }

  byUsernames(usernames: readonly string[]): Promise<UserRow[]> {
    if (usernames.length === 0) return Promise.resolve([]);
    return query<UserRow>(this.pool, "SELECT * FROM users WHERE username = ANY($1::text[])", [
      [...new Set(usernames)],
    ]);
  }

  async byDevice(deviceId: string): Promise<UserRow | undefined> {
    const rows = await query<UserRow>(
      this.pool,
      "SELECT u.* FROM users u JOIN devices d ON d.user_id = u.id WHERE d.id = $1",
      [deviceId],
    );
    return rows[0];
  }

  byCustomId(customId: string): Promise<UserRow | undefined> {
    return this.one("custom_id", customId);
  }

  byEmail(email: string): Promise<UserRow | undefined> {
    return this.one("email", email);
  }

  create(fields: NewUser): Promise<UserRow> {
    const id = randomUUID();
    const now = Date.now();
    return transaction(this.pool, async (sql) => {
      const { rows } = await sql.query<UserRow>(
        `INSERT INTO users (id, username, email, password_hash, custom_id, create_time, update_time)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *`,
        [
          id,
          fields.username,
          fields.email ?? null,
          fields.passwordHash ?? null,
          fields.customId ?? null,
          now,
        ],
      );
      if (fields.deviceId !== undefined) {
        await sql.query("INSERT INTO devices (id, user_id) VALUES ($1, $2)", [fields.deviceId, id]);
      }
      return rows[0] as UserRow;
    });
  }

  async devices(userId: string): Promise<string[]> {
    const rows = await query<{ id: string }>(
      this.pool,
      'SELECT id FROM devices WHERE user_id = $1 ORDER BY id COLLATE "C"',
      [userId],
    );
    return rows.map((r) => r.id);
  }

  async update(userId: string, changes: UserChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [userId, Date.now()];
    for (const [key, column] of changeColumns) {
      const v = changes[key];
      if (v === undefined) continue;
      values.push(v);
      sets.push(`${column} = $${values.length}`);
    }
    if (changes.invisible !== undefined) {
      values.push(changes.invisible ? 1 : 0);
      sets.push(`invisible = $${values.length}`);
    }
    if (sets.length === 0) return;
    await query(this.pool, `UPDATE users SET ${sets.join(", ")}, update_time = $2 WHERE id = $1`, values);
  }

  async touchLastActive(userIds: Iterable<string>, at: number): Promise<void> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    await query(
      this.pool,
      // Never back in time: in a cluster a node's close and another node's connect race, and the
      // close's older stamp may commit last.
      `UPDATE users SET last_active = GREATEST(last_active, $2),
         public_last_active = CASE WHEN invisible = 0 THEN GREATEST(public_last_active, $2)
           ELSE public_last_active END
       WHERE id = ANY($1::text[])`,
      [ids, at],
    );
  }
}

/** Revoked token ids on PostgreSQL: shared by every node, so a logout holds cluster-wide. */
export class PostgresTokenStore implements AsyncTokenStore {
  constructor(private readonly pool: Pool) {}

  async revoke(tid: string, exp: number): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO revoked_tokens (tid, exp) VALUES ($1, $2)
       ON CONFLICT (tid) DO UPDATE SET exp = GREATEST(revoked_tokens.exp, excluded.exp)`,
      [tid, exp],
    );
  }

  async anyRevoked(checks: readonly RevocationCheck[]): Promise<boolean> {
    if (checks.length === 0) return false;
    const rows = await query(
      this.pool,
      `SELECT 1 FROM revoked_tokens WHERE ${revokedWhere(checks.length, (n) => `$${n}`)} LIMIT 1`,
      revocationParams(checks),
    );
    return rows.length > 0;
  }

  async listRevoked(now: number): Promise<{ tid: string; exp: number }[]> {
    await query(this.pool, "DELETE FROM revoked_tokens WHERE exp <= $1", [now]);
    return query<{ tid: string; exp: number }>(this.pool, "SELECT tid, exp FROM revoked_tokens");
  }

  async sharedSecret(candidate: string): Promise<string> {
    await query(
      this.pool,
      "INSERT INTO settings (key, value) VALUES ('token_secret', $1) ON CONFLICT (key) DO NOTHING",
      [candidate],
    );
    const rows = await query<{ value: string }>(
      this.pool,
      "SELECT value FROM settings WHERE key = 'token_secret'",
    );
    return rows[0]?.value ?? candidate;
  }
}
