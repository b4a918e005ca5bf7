import type BetterSqlite3 from "better-sqlite3";
import { HeraldError } from "../../errors.js";
import { isNativeModuleFailure, loadSqlite, sqliteMissing } from "./sqlite-driver.js";
import { sqliteFault } from "./sqlite-fault.js";

/** The SQLite handle the stores share. */
export type Db = BetterSqlite3.Database;

// Each entry moves the schema one version up; PRAGMA user_version records how far a file has got.
// Append new migrations; never edit a shipped one.
const migrations: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    lang_tag TEXT NOT NULL DEFAULT 'en',
    location TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    email TEXT UNIQUE,
    password_hash TEXT,
    custom_id TEXT UNIQUE,
    invisible INTEGER NOT NULL DEFAULT 0,
    last_active INTEGER,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE
  );
  CREATE INDEX devices_user ON devices(user_id);
  CREATE TABLE revoked_tokens (
    tid TEXT PRIMARY KEY,
    exp INTEGER NOT NULL
  );
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    code INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    username TEXT NOT NULL,
    content TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    client_msg_id TEXT NOT NULL DEFAULT '',
    room_name TEXT NOT NULL DEFAULT '',
    group_id TEXT NOT NULL DEFAULT '',
    user_id_one TEXT NOT NULL DEFAULT '',
    user_id_two TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX messages_channel ON messages(channel_id, seq);
  CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, client_msg_id) WHERE client_msg_id <> '';
  CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    lang_tag TEXT NOT NULL DEFAULT 'en',
    metadata TEXT NOT NULL DEFAULT '{}',
    avatar_url TEXT NOT NULL DEFAULT '',
    open INTEGER NOT NULL DEFAULT 0,
    max_count INTEGER NOT NULL DEFAULT 100,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
  );
  CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    state INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
  );
  CREATE INDEX group_members_user ON group_members(user_id);
  CREATE TABLE friend_edges (
    source_id TEXT NOT NULL,
    dest_id TEXT NOT NULL,
    state INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (source_id, dest_id)
  );
  CREATE TABLE notifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    content TEXT NOT NULL,
    code INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    create_time INTEGER NOT NULL
  );
  CREATE INDEX notifications_user ON notifications(user_id, seq);
  `,
  // What other users see as last_active: it stops moving while the user is invisible.
  `
  ALTER TABLE users ADD COLUMN public_last_active INTEGER;
  UPDATE users SET public_last_active = last_active;
  `,
  // Client message ids are unique per sender and channel: the same id in another channel is
  // another message.
  `
  DROP INDEX messages_client_id;
  CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, channel_id, client_msg_id)
    WHERE client_msg_id <> '';
  `,
  // Server-wide settings kept with the data (the shared token secret of a PostgreSQL cluster; the
  // same table here so both engines hold the same schema).
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // A friend listing's page is read in its order (state, then when the edge was made) from its
  // cursor on, not by reading all of a user's edges.
  `
  CREATE INDEX friend_edges_list ON friend_edges(source_id, state, seq);
  `,
  // Groups are listed in stock Nakama's orders, which use the member count: it is stored with the
  // group (kept with each membership change) and each order has an index, so a page is read from
  // its cursor on.
  `
  ALTER TABLE groups ADD COLUMN edge_count INTEGER NOT NULL DEFAULT 0;
  UPDATE groups SET edge_count =
    (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id AND m.state <= 2);
  CREATE INDEX groups_by_update ON groups(update_time, edge_count, id);
  CREATE INDEX groups_open_by_update ON groups(open, update_time, edge_count, id);
  CREATE INDEX groups_by_size ON groups(edge_count, update_time, id);
  CREATE INDEX groups_lang_by_size ON groups(lang_tag, edge_count, id);
  CREATE INDEX groups_open_lang_by_size ON groups(open, lang_tag, edge_count, id);
  CREATE INDEX groups_open_size_by_lang ON groups(open, edge_count, lang_tag, id);
  `,
  // The newest creation time of a message removed from each channel: a message stored after it is
  // no older than it, as it is no older than the messages still there (see AsyncMessageStore).
  `
  CREATE TABLE removed_times (
    channel_id TEXT PRIMARY KEY,
    create_time INTEGER NOT NULL
  );
  `,
];

/** The longest a statement blocks the event loop waiting for another connection's lock. */
export const SERVING_BUSY_TIMEOUT_MS = 20;

/**
 * Opens (creating if needed) the database at `path` (or ":memory:") and brings its schema up to
 * date. Rejects with a HeraldError saying what to install when better-sqlite3 is missing or its
 * native module was not built. `synchronous` is SQLite's setting of that name (default "normal").
 */
export async function openDatabase(
  path: string,
  options: { synchronous?: "normal" | "full" } = {},
): Promise<Db> {
  const Database = await loadSqlite();
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    if (isNativeModuleFailure(err)) throw sqliteMissing(err, "better-sqlite3's native module is not built");
    throw startFault(path, err);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(options.synchronous === "full" ? "synchronous = FULL" : "synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // Migrating at start may wait for another process as long as it needs; once serving, a held
    // lock is waited for only briefly on the only thread: message commits retry on timers instead
    // (MessageStore), so one lock never freezes every user.
    db.pragma("busy_timeout = 5000");
    migrate(db);
    db.pragma(`busy_timeout = ${SERVING_BUSY_TIMEOUT_MS}`);
  } catch (err) {
    // A start that fails must not keep the file open (a test or a supervisor retrying in the same
    // process would pile up handles, and a read-only mount could not be unmounted).
    db.close();
    throw HeraldError.is(err) ? err : startFault(path, err);
  }
  return db;
}

// A start refused by the file's state says which file and what to look at; the server's own
// operator reads it, so the path is named.
function startFault(path: string, err: unknown): HeraldError {
  const reason = err instanceof Error ? err.message : String(err);
  const hint = /READONLY|CANTOPEN/.test(String((err as { code?: unknown } | null)?.code))
    ? " (the server writes the file and creates its -wal and -shm files beside it: check that the folder is writable)"
    : "";
  const code = sqliteFault(err) === undefined ? "server_error" : "disconnected";
  return new HeraldError(code, `cannot open the SQLite database ${path}: ${reason}${hint}`, { cause: err });
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new HeraldError(
      "unsupported",
      `database schema version ${current} is newer than this server (${migrations.length})`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The schema version this server migrates to. */
export const schemaVersion = migrations.length;
