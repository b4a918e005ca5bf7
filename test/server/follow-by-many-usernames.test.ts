// A follow listing thousands of usernames (as many as a frame holds) looks them up in one query.
// Looked up one query per name, a single frame queued 5,000 queries on the PostgreSQL pool ahead of
// every other user's requests; on a small pool the ones that waited past the connect timeout
// failed, and the follow with them. The same on SQLite, where the names are read in one go too.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { authenticate, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

/** Follows `names` (plus the given users') in one frame and checks who is listed as online. */
async function followMany(url: string): Promise<void> {
  const watcher = await authenticate(url);
  const online = [await authenticate(url), await authenticate(url)];
  const sockets = await Promise.all(online.map((u) => openSocket(url, u, undefined, { status: true })));
  // 5,000 names, most of them nobody's, the online users' among them (one of them twice).
  const names = Array.from({ length: 5000 }, (_, i) => `n${i.toString(36)}`);
  names[10] = online[0]?.username ?? "";
  names[2000] = online[1]?.username ?? "";
  names[4000] = online[1]?.username ?? "";
  const socket = await openSocket(url, watcher);
  const status = await socket.call("statusFollow", { userIds: [], usernames: names }, "status");
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
    postgres = await startPostgres();
  });
  after(() => postgres?.close());

  test("a follow of 5,000 usernames is one lookup, and succeeds", async () => {
    const server: HeraldServer = await createServer({
      port: 0,
      logLevel: "silent",
      rateLimits: false,
      console: false,
      // One connection, and little patience for it: 5,000 queued lookups could not all get it.
      db: { url: await postgres.createDatabase(), maxConnections: 1, connectTimeoutMs: 300 },
    });
    try {
      await followMany(server.url);
    } finally {
      await server.close();
    }
  });
});
