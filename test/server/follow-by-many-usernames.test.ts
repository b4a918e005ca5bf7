// A follow listing thousands of usernames (as many as a frame holds) looks them up in one query.
// Looked up one query per name, a single frame queued 5,000 queries on the PostgreSQL pool ahead of
// every other user's requests; on a small pool the ones that waited past the connect timeout
// failed, and the follow with them. On PostgreSQL the test counts the lookups the server ran
// (pg_stat_statements), so it does not depend on how fast the machine is. The same on SQLite,
// where the names are read in one go too.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { authenticate, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

/** Runs around the follow itself: `before` just before its frame goes, `after` once answered. */
interface AroundFollow {
  before(): Promise<unknown>;
  after(): Promise<unknown>;
}

/** Follows `names` (plus the given users') in one frame and checks who is listed as online. */
async function followMany(url: string, around?: AroundFollow): Promise<void> {
  const watcher = await authenticate(url);
  const online = [await authenticate(url), await authenticate(url)];
  const sockets = await Promise.all(online.map((u) => openSocket(url, u, undefined, { status: true })));
  // 5,000 names, most of them nobody's, the online users' among them (one of them twice).
  const names = Array.from({ length: 5000 }, (_, i) => `n${i.toString(36)}`);
  names[10] = online[0]?.username ?? "";
  names[2000] = online[1]?.username ?? "";
  names[4000] = online[1]?.username ?? "";
  const socket = await openSocket(url, watcher);
  await around?.before();
  const status = await socket.call("statusFollow", { userIds: [], usernames: names }, "status");
  await around?.after();
  assert.deepEqual(status.presences.map((p) => p.username).sort(), online.map((u) => u.username).sort());
  // The REST listing by name answers in the order asked, each user once.
  const query = [online[1], online[0], online[1]].map((u) => `usernames=${u?.username}`).join("&");
  const listed = await rest(url, "GET", `/v2/user?${query}&usernames=${uniqueName("nobody")}`, {
    token: watcher.token,
  });
  assert.deepEqual(
    (listed.body.users as { username: string }[]).map((u) => u.username),
    [online[1]?.username, online[0]?.username],
  );
  await socket.close();
  for (const s of sockets) await s.close();
}

test("SQLite: a follow of 5,000 usernames lists the online ones among them", async () => {
  const srv = await startServer();
  try {
    await followMany(srv.url);
  } finally {
    await srv.close();
  }
});

describe("PostgreSQL with a small pool", { skip: postgresSkipReason() }, () => {
  let postgres: TestPostgres;
  before(async () => {
    postgres = await startPostgres({ shared_preload_libraries: "pg_stat_statements" });
  });
  after(() => postgres?.close());

  test("a follow of 5,000 usernames is one lookup, and succeeds", async () => {
    const url = await postgres.createDatabase();
    const stats = new pg.Client({ connectionString: url });
    await stats.connect();
    await stats.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    /** How many lookups of users by username this database ran since the last reset. */
    const lookups = async (): Promise<number> => {
      const { rows } = await stats.query<{ n: number }>(
        `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query ILIKE '%FROM users WHERE username%'`,
      );
      return rows[0]?.n ?? 0;
    };
    const server: HeraldServer = await createServer({
      port: 0,
      logLevel: "silent",
      rateLimits: false,
      console: false,
      // One connection: 5,000 lookups queued on it would hold up everyone else.
      db: { url, maxConnections: 1 },
    });
    let counted = -1;
    try {
      await followMany(server.url, {
        before: () => stats.query("SELECT pg_stat_statements_reset()"),
        after: async () => {
          counted = await lookups();
        },
      });
      assert.equal(counted, 1, "the 5,000 names are looked up in one query");
    } finally {
      await server.close();
      await stats.end();
    }
  });
});
