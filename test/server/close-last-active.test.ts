// A user's close stores their last_active before the leaves go out: a follower (or a room member)
// reading the user on the leave sees when they left, not when they connected. On PostgreSQL the
// store is made slow for real: another connection holds a lock on the user's row, so the close's
// UPDATE waits for it while plain reads still answer with the old row.

import assert from "node:assert/strict";
import { unlinkSync } from "node:fs";
import { describe, test } from "node:test";
import pg from "pg";
import { waitFor } from "../../src/testing/wait-for.js";
import {
  authenticate,
  captureLog,
  codecs,
  openSocket,
  type RawSocket,
  rest,
  startServer,
  type TestServer,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { testEngine } from "../helpers/test-db.js";

const onPostgres = testEngine === "postgres";

/** A lock on one user's row, held by a connection of its own until released. */
interface RowLock {
  release(): Promise<void>;
}

/** Locks the user's row on the server's PostgreSQL schema: writes to it wait until release. */
async function lockUserRow(dbUrl: string, userId: string): Promise<RowLock> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [userId]);
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= client.query("COMMIT").then(() => client.end());
      return released;
    },
  };
}

/** The user's `last_active` as another user reads it over REST, in ms. */
async function lastActiveOf(srv: TestServer, reader: TestUser, userId: string): Promise<number> {
  const res = await rest(srv.url, "GET", `/v2/user?ids=${userId}`, { token: reader.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const stamp = (res.body.users as { last_active?: string }[])[0]?.last_active;
  assert.ok(stamp !== undefined, `no last_active in ${JSON.stringify(res.body)}`);
  return Date.parse(stamp);
}

/**
 * The connect's `last_active`, once stored: a connect stores it without holding up the socket's
 * opening, so on PostgreSQL and a busy machine it may land after the watcher saw the join.
 */
async function connectStamp(srv: TestServer, reader: TestUser, userId: string): Promise<number> {
  const stamp = await waitFor(
    async () => {
      const res = await rest(srv.url, "GET", `/v2/user?ids=${userId}`, { token: reader.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.users as { last_active?: string }[])[0]?.last_active;
    },
    { what: "the connect's last_active stored", timeoutMs: 10_000, intervalMs: 20 },
  );
  return Date.parse(stamp);
}

/** Waits until the clock has moved past `ms`, so that a later stamp differs from an earlier one. */
async function after(ms: number): Promise<void> {
  while (Date.now() <= ms + 2) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** How the watcher learns of ada: `joined` once she is in view, `left` once her leave arrives. */
interface Watching {
  joined(adaSock: RawSocket): Promise<void>;
  left(): Promise<void>;
}

/** The two ways of being told a user left: a status follow, and a shared room. */
const watches: readonly { name: string; watch(watcher: RawSocket, ada: TestUser): Promise<Watching> }[] = [
  {
    name: "a follower told of the status leave",
    async watch(watcher, ada) {
      await watcher.call("statusFollow", { userIds: [ada.userId] }, "status");
      const about = (ps: { userId: string }[]) => ps.some((p) => p.userId === ada.userId);
      return {
        // ada connects appearing online.
        joined: () => watcher.next("statusPresenceEvent", (e) => about(e.joins)).then(() => {}),
        left: () => watcher.next("statusPresenceEvent", (e) => about(e.leaves)).then(() => {}),
      };
    },
  },
  {
    name: "a room member told of the channel leave",
    async watch(watcher, ada) {
      const room = uniqueName("room");
      await watcher.call("channelJoin", { target: room, type: 1 }, "channel");
      const about = (ps: { userId: string }[]) => ps.some((p) => p.userId === ada.userId);
      return {
        async joined(adaSock) {
          await adaSock.call("channelJoin", { target: room, type: 1 }, "channel");
          await watcher.next("channelPresenceEvent", (e) => about(e.joins));
        },
        left: () => watcher.next("channelPresenceEvent", (e) => about(e.leaves)).then(() => {}),
      };
    },
  },
];

/** ada online with bob following her status (the first of {@link watches}), on one server. */
async function followedOnline(srv: TestServer) {
  const ada = await authenticate(srv.url);
  const bob = await authenticate(srv.url);
  const bobSock = await openSocket(srv.url, bob);
  const status = await (watches[0] as (typeof watches)[number]).watch(bobSock, ada);
  const adaSock = await openSocket(srv.url, ada, undefined, { status: true });
  await status.joined(adaSock);
  return { ada, bob, bobSock, adaSock, status };
}

describe("a close's last_active is stored before its leaves are announced", () => {
  for (const codec of codecs) {
    for (const { name, watch } of watches) {
      test(`${name} reads the close's last_active (${codec.format}, ${testEngine})`, async () => {
        const srv = await startServer();
        const locks: RowLock[] = [];
        try {
          const ada = await authenticate(srv.url);
          const bob = await authenticate(srv.url);
          const bobSock = await openSocket(srv.url, bob, codec);
          const watching = await watch(bobSock, ada);
          const adaSock = await openSocket(srv.url, ada, codec, { status: true });
          await watching.joined(adaSock);
          const connected = await connectStamp(srv, bob, ada.userId);
          await after(connected);

          // On PostgreSQL the close's write waits on the lock, released a moment after the close.
          if (onPostgres) locks.push(await lockUserRow(srv.dbPath, ada.userId));
          const closedAt = Date.now();
          await adaSock.close();
          const lock = locks[0];
          if (lock !== undefined) setTimeout(() => void lock.release(), 300);
          await watching.left();
          const seen = await lastActiveOf(srv, bob, ada.userId);
          assert.ok(
            seen >= closedAt,
            `read on the leave: last_active ${new Date(seen).toISOString()} is before the close at ${new Date(closedAt).toISOString()} (connect stamp ${new Date(connected).toISOString()})`,
          );
          await bobSock.close();
        } finally {
          for (const lock of locks) await lock.release();
          await srv.close();
        }
      });
    }
  }

  test(`a store slower than the bound delays the leave only that long, and is logged (${testEngine})`, {
    skip: onPostgres ? false : "needs PostgreSQL (HERALD_TEST_DB=postgres) to hold a row lock",
  }, async () => {
    const log = captureLog();
    const srv = await startServer({ logger: log.logger, logLevel: "info" });
    let lock: RowLock | undefined;
    try {
      const { ada, bob, bobSock, adaSock, status } = await followedOnline(srv);
      const connected = await connectStamp(srv, bob, ada.userId);
      await after(connected);

      lock = await lockUserRow(srv.dbPath, ada.userId);
      const closedAt = Date.now();
      await adaSock.close();
      // The lock is held until the leave arrives: the leave cannot have waited for the store.
      await status.left();
      const late = await log.waitFor("last_active_late");
      assert.equal(late.userId, ada.userId);
      assert.equal(await lastActiveOf(srv, bob, ada.userId), connected);

      // The store was late, not lost: once the lock goes, the close's stamp lands.
      await lock.release();
      let stored = connected;
      for (let i = 0; i < 100 && stored < closedAt; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        stored = await lastActiveOf(srv, bob, ada.userId);
      }
      assert.ok(stored >= closedAt, "the close's last_active was never stored");
      await bobSock.close();
    } finally {
      await lock?.release();
      await srv.close();
    }
  });

  test("a store that fails does not hold the leave back, and is logged (SQLite file deleted)", {
    skip: onPostgres ? "about an SQLite file" : false,
  }, async () => {
    const log = captureLog();
    const srv = await startServer({ file: true, logger: log.logger, logLevel: "info" });
    try {
      const { ada, bobSock, adaSock, status } = await followedOnline(srv);

      // Every write is refused from now on (the server notices the file is gone).
      unlinkSync(srv.dbPath);
      await adaSock.close();
      await status.left();
      const failed = await log.waitFor("last_active_not_saved");
      assert.equal(failed.userId, ada.userId);
      await bobSock.close();
    } finally {
      await srv.close();
    }
  });
});
