import { randomUUID } from "node:crypto";
import type { AccountInit, UpdateAccountRequestInit, UserInit } from "../../gen/wire.js";
import type { Db } from "./database.js";

/** A users row. */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  avatar_url: string;
  lang_tag: string;
  location: string;
  timezone: string;
  metadata: string;
  email: string | null;
  password_hash: string | null;
  custom_id: string | null;
  invisible: number;
  last_active: number | null;
  /** `last_active` as other users see it: frozen while the user is invisible. */
  public_last_active: number | null;
  create_time: number;
  update_time: number;
}

/** Fields an account update may change (undefined = keep): the update request's, from proto/. */
export type UserChanges = UpdateAccountRequestInit;

/** Users, their device ids and their credentials. */
export class UserStore {
  private readonly byIdStmt;
  private readonly byUsernameStmt;
  private readonly byDeviceStmt;
  private readonly byCustomStmt;
  private readonly byEmailStmt;
  private readonly insertStmt;
  private readonly insertDeviceStmt;
  private readonly devicesStmt;

  constructor(private readonly db: Db) {
    this.byIdStmt = db.prepare<[string], UserRow>("SELECT * FROM users WHERE id = ?");
    this.byUsernameStmt = db.prepare<[string], UserRow>("SELECT * FROM users WHERE username = ?");
    this.byDeviceStmt = db.prepare<[string], UserRow>(
      "SELECT u.* FROM users u JOIN devices d ON d.user_id = u.id WHERE d.id = ?",
    );
    this.byCustomStmt = db.prepare<[string], UserRow>("SELECT * FROM users WHERE custom_id = ?");
    this.byEmailStmt = db.prepare<[string], UserRow>("SELECT * FROM users WHERE email = ?");
    this.insertStmt = db.prepare(
      `INSERT INTO users (id, username, email, password_hash, custom_id, create_time, update_time)
       VALUES (@id, @username, @email, @password_hash, @custom_id, @now, @now)`,
    );
    this.insertDeviceStmt = db.prepare("INSERT INTO devices (id, user_id) VALUES (?, ?)");
    this.devicesStmt = db.prepare<[string], { id: string }>(
      "SELECT id FROM devices WHERE user_id = ? ORDER BY id",
    );
  }

  byId(id: string): UserRow | undefined {
    return this.byIdStmt.get(id);
  }

  byUsername(username: string): UserRow | undefined {
    return this.byUsernameStmt.get(username);
  }

  byDevice(deviceId: string): UserRow | undefined {
    return this.byDeviceStmt.get(deviceId);
  }

  byCustomId(customId: string): UserRow | undefined {
    return this.byCustomStmt.get(customId);
  }

  byEmail(email: string): UserRow | undefined {
    return this.byEmailStmt.get(email);
  }

  /** Creates a user; the caller has checked the username is free. */
  create(fields: {
    username: string;
    email?: string;
    passwordHash?: string;
    customId?: string;
    deviceId?: string;
  }): UserRow {
    const id = randomUUID();
    this.db.transaction(() => {
      this.insertStmt.run({
        id,
        username: fields.username,
        email: fields.email ?? null,
        password_hash: fields.passwordHash ?? null,
        custom_id: fields.customId ?? null,
        now: Date.now(),
      });
      if (fields.deviceId !== undefined) this.insertDeviceStmt.run(fields.deviceId, id);
    })();
    return this.byId(id) as UserRow;
  }

  devices(userId: string): string[] {
    return this.devicesStmt.all(userId).map((r) => r.id);
  }

  update(userId: string, changes: UserChanges): void {
    const sets: string[] = [];
    const values: Record<string, unknown> = { id: userId, now: Date.now() };
    const columns: [keyof UserChanges, string][] = [
      ["username", "username"],
      ["displayName", "display_name"],
      ["avatarUrl", "avatar_url"],
      ["langTag", "lang_tag"],
      ["location", "location"],
      ["timezone", "timezone"],
    ];
    for (const [key, column] of columns) {
      const v = changes[key];
      if (v === undefined) continue;
      sets.push(`${column} = @${column}`);
      values[column] = v;
    }
    if (changes.invisible !== undefined) {
      sets.push("invisible = @invisible");
      values.invisible = changes.invisible ? 1 : 0;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE users SET ${sets.join(", ")}, update_time = @now WHERE id = @id`).run(values);
  }

  touchLastActive(userId: string, at: number): void {
    this.touchLastActiveMany([userId], at);
  }

  /** Sets `last_active` of many users in one transaction. */
  touchLastActiveMany(userIds: Iterable<string>, at: number): void {
    const stmt = this.db.prepare(
      // Never back in time (as on PostgreSQL, where the nodes of a cluster race): MAX of NULL is NULL.
      `UPDATE users SET last_active = MAX(COALESCE(last_active, @at), @at),
         public_last_active = CASE WHEN invisible = 0 THEN MAX(COALESCE(public_last_active, @at), @at)
           ELSE public_last_active END
       WHERE id = @id`,
    );
    this.db.transaction(() => {
      for (const id of userIds) stmt.run({ at, id });
    })();
  }
}

/** A users row as the wire's User message (without the live `online` flag). */
export function userToWire(row: UserRow): UserInit {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    langTag: row.lang_tag,
    location: row.location,
    timezone: row.timezone,
    metadata: row.metadata,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}

/** A users row as the owner's Account message. */
export function accountToWire(row: UserRow, devices: string[], user: UserInit): AccountInit {
  return {
    user,
    // Stock Nakama always sends the wallet, "{}" when empty; clients read it unconditionally.
    wallet: "{}",
    email: row.email ?? "",
    customId: row.custom_id ?? "",
    devices: devices.map((id) => ({ id })),
    invisible: row.invisible === 1,
  };
}
