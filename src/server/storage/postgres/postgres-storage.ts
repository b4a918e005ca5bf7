import type { AsyncStorage } from "../async-storage.js";
import { openPool, type PostgresPoolOptions, pgError } from "./connection.js";
import { PostgresFriendStore } from "./friends.js";
import { PostgresGroupStore } from "./groups.js";
import { PostgresMessageStore, type PostgresMessageStoreOptions } from "./messages.js";
import { PostgresNotificationStore } from "./notifications.js";
import { migratePostgres } from "./schema.js";
import { PostgresTokenStore, PostgresUserStore } from "./users.js";

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions extends PostgresPoolOptions, PostgresMessageStoreOptions {
  /** Bring the schema up to date at start (every node may do it: they take turns). @default true */
  migrate?: boolean;
}

/**
 * Connects to PostgreSQL at `url` (`postgres://user:password@host:port/database`), migrates the
 * schema and returns the storage the services use. Any number of server processes may share one
 * database: sequence numbers, uniqueness and deduplication hold across all of them. Rejects with
 * `disconnected` when the database cannot be reached.
 */
export async function createPostgresStorage(
  url: string,
  options: PostgresStorageOptions = {},
): Promise<AsyncStorage> {
  const pool = await openPool(url, options);
  try {
    if (options.migrate ?? true) await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => {});
    throw pgError(err);
  }
  const messages = new PostgresMessageStore(pool, {
    ...(options.onCommit !== undefined && { onCommit: options.onCommit }),
    ...(options.onCommitError !== undefined && { onCommitError: options.onCommitError }),
  });
  let closed: Promise<void> | undefined;
  return {
    users: new PostgresUserStore(pool),
    tokens: new PostgresTokenStore(pool),
    messages,
    groups: new PostgresGroupStore(pool),
    friends: new PostgresFriendStore(pool),
    notifications: new PostgresNotificationStore(pool),
    engine: "postgres",
    close() {
      closed ??= (async () => {
        await messages.settled();
        await pool.end();
      })();
      return closed;
    },
  };
}
