import type { Pool, PoolClient } from "pg";
import { HeraldError } from "../../../errors.js";
import { pgError } from "./connection.js";

// The SQLite schema's tables and semantics (src/server/storage/database.ts), in PostgreSQL types:
// times are milliseconds in bigint, flags are 0/1 integers, so rows read the same from either
// engine. Sequence numbers come from PostgreSQL sequences, shared by every node of a cluster.
// Append new migrations; never edit a shipped one.
const migrations: readonly string[] = [
  `
  CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    avatar_url text NOT NULL DEFAULT '',
    lang_tag text NOT NULL DEFAULT 'en',
    location text NOT NULL DEFAULT '',
    timezone text NOT NULL DEFAULT '',
    metadata text NOT NULL DEFAULT '{}',
    email text UNIQUE,
    password_hash text,
    custom_id text UNIQUE,
    invisible integer NOT NULL DEFAULT 0,
    last_active bigint,
    public_last_active bigint,
    create_time bigint NOT NULL,
    update_time bigint NOT NULL
  );
  CREATE TABLE devices (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE
  );
  CREATE INDEX devices_user ON devices(user_id);
  CREATE TABLE revoked_tokens (
    tid text PRIMARY KEY,
    exp bigint NOT NULL
  );
  CREATE TABLE messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    channel_id text NOT NULL,
    code integer NOT NULL,
    sender_id text NOT NULL,
    username text NOT NULL,
    content text NOT NULL,
    create_time bigint NOT NULL,
    update_time bigint NOT NULL,
    client_msg_id text NOT NULL DEFAULT '',
    room_name text NOT NULL DEFAULT '',
    group_id text NOT NULL DEFAULT '',
    user_id_one text NOT NULL DEFAULT '',
    user_id_two text NOT NULL DEFAULT ''
  );
  CREATE INDEX messages_channel ON messages(channel_id, seq);
  CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, client_msg_id) WHERE client_msg_id <> '';
  CREATE TABLE groups (
    id text PRIMARY KEY,
    creator_id text NOT NULL,
    name text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    lang_tag text NOT NULL DEFAULT 'en',
    metadata text NOT NULL DEFAULT '{}',
    avatar_url text NOT NULL DEFAULT '',
    open integer NOT NULL DEFAULT 0,
    max_count integer NOT NULL DEFAULT 100,
    create_time bigint NOT NULL,
    update_time bigint NOT NULL
  );
  CREATE INDEX groups_name_bytes ON groups(name COLLATE "C");
  CREATE SEQUENCE group_members_seq;
  CREATE TABLE group_members (
    group_id text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id text NOT NULL,
    state integer NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('group_members_seq'),
    update_time bigint NOT NULL,
    PRIMARY KEY (group_id, user_id)
  );
  CREATE INDEX group_members_user ON group_members(user_id);
  CREATE SEQUENCE friend_edges_seq;
  CREATE TABLE friend_edges (
    source_id text NOT NULL,
    dest_id text NOT NULL,
    state integer NOT NULL,
    seq bigint NOT NULL,
    update_time bigint NOT NULL,
    PRIMARY KEY (source_id, dest_id)
  );
  CREATE INDEX friend_edges_list ON friend_edges(source_id, seq);
  CREATE TABLE notifications (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    user_id text NOT NULL,
    subject text NOT NULL,
    content text NOT NULL,
    code integer NOT NULL,
    sender_id text NOT NULL,
    create_time bigint NOT NULL
  );
  CREATE INDEX notifications_user ON notifications(user_id, seq);
  `,
  // Client message ids are unique per sender and channel, as on SQLite: the same id in another
  // channel is another message.
  `
  DROP INDEX messages_client_id;
  CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, channel_id, client_msg_id)
    WHERE client_msg_id <> '';
  `,
  // Server-wide settings every node reads: the shared token secret.
  `
  CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  // A friend listing's page is read in its order (state, then when the edge was made) from its
  // cursor on: the index leads with the state.
  `
  DROP INDEX friend_edges_list;
  CREATE INDEX friend_edges_list ON friend_edges(source_id, state, seq);
  `,
  // Groups are listed in stock Nakama's orders, as on SQLite: the member count is stored with the
  // group, and each order has an index (text compared bytewise, as SQLite compares it).
  `
  ALTER TABLE groups ADD COLUMN edge_count integer NOT NULL DEFAULT 0;
  UPDATE groups SET edge_count =
    (SELECT count(*) FROM group_members m WHERE m.group_id = groups.id AND m.state <= 2);
  CREATE INDEX groups_by_update ON groups(update_time, edge_count, id COLLATE "C");
  CREATE INDEX groups_open_by_update ON groups(open, update_time, edge_count, id COLLATE "C");
  CREATE INDEX groups_by_size ON groups(edge_count, update_time, id COLLATE "C");
  CREATE INDEX groups_lang_by_size ON groups(lang_tag COLLATE "C", edge_count, id COLLATE "C");
  CREATE INDEX groups_open_lang_by_size ON groups(open, lang_tag COLLATE "C", edge_count, id COLLATE "C");
  CREATE INDEX groups_open_size_by_lang ON groups(open, edge_count, lang_tag COLLATE "C", id COLLATE "C");
  `,
  // The newest creation time of a message removed from each channel: a message stored after it is
  // no older than it, as it is no older than the messages still there (see AsyncMessageStore).
  `
  CREATE TABLE removed_times (
    channel_id text PRIMARY KEY,
    create_time bigint NOT NULL
  );
  `,
];

/** The schema version this server migrates a PostgreSQL database to. */
export const postgresSchemaVersion = migrations.length;

// Every node of a cluster migrates at start; one advisory lock makes them take turns.
const MIGRATION_LOCK = 0x6865_7261; // "hera"

/**
 * Brings the database's schema up to date, each migration in its own transaction. Refuses a
 * database migrated by a newer server.
 */
export async function migratePostgres(pool: Pool): Promise<void> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw pgError(err);
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS herald_schema (version integer NOT NULL)");
    const rows = (await client.query<{ version: number }>("SELECT version FROM herald_schema")).rows;
    let current = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query("INSERT INTO herald_schema (version) VALUES (0)");
    if (current > migrations.length) {
      throw new HeraldError(
        "server_error",
        `database schema version ${current} is newer than this server (${migrations.length})`,
      );
    }
    for (; current < migrations.length; current++) {
      await client.query("BEGIN");
      try {
        await client.query(migrations[current] as string);
        await client.query("UPDATE herald_schema SET version = $1", [current + 1]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    }
  } catch (err) {
    throw pgError(err);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
