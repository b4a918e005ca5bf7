// PostgreSQL failing a statement while the server runs: its own `statement_timeout` firing behind a
// held lock, and a connection killed by an administrator mid-statement. Clients get a typed,
// retryable answer on both wires (timeout: code 4, HTTP 504; connection lost: 14, HTTP 503), never
// an internal error, the socket is kept, and the next requests work once the database does.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { authenticate, codecs, openSocket, rest, uniqueName } from "../helpers/server.js";

const skip = postgresSkipReason();

interface Refusal {
  code: number;
  message: string;
  context?: Record<string, string>;
}

describe("PostgreSQL failing statements", { skip }, () => {
  let postgres: TestPostgres;
  before(async () => {
    postgres = await startPostgres();
  });
  after(() => postgres?.close());

  /** A server on a fresh database, and an administrator's connection to that database. */
  async function setUp(settings: string[] = []): Promise<{ server: HeraldServer; admin: pg.Client }> {
    const url = await postgres.createDatabase();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = new URL(url).pathname.slice(1);
    // Set before the server opens its connections, which take the database's settings.
    for (const setting of settings) await admin.query(`ALTER DATABASE "${name}" SET ${setting}`);
    const server = await createServer({
      port: 0,
      logLevel: "silent",
      rateLimits: false,
      console: false,
      db: { url, queryTimeoutMs: 10_000 },
    });
    return { server, admin };
  }

  test("the database's statement_timeout behind a held lock: code 4 / HTTP 504 on both wires, then all works", async () => {
    const { server, admin } = await setUp(["statement_timeout = '200ms'"]);
    try {
      const ada = await authenticate(server.url);
      for (const codec of codecs) {
        const socket = await openSocket(server.url, ada, codec);
        const room = await socket.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        await admin.query("BEGIN");
        await admin.query("LOCK TABLE messages, users IN ACCESS EXCLUSIVE MODE");
        const refused = await socket.request("channelMessageSend", { channelId: room.id, content: "{}" });
        assert.equal(refused.kind, "error", JSON.stringify(refused));
        const body = refused.body as Refusal;
        assert.equal(body.code, 4, body.message);
        assert.equal(body.context?.herald_code, "timeout");
        const put = await rest(server.url, "PUT", "/v2/account", {
          token: ada.token,
          body: { location: "x" },
        });
        assert.equal(put.status, 504, JSON.stringify(put.body));
        assert.equal(put.body.code, 4);
        await socket.call("ping", {}, "pong");
        await admin.query("COMMIT");
        await socket.call("channelMessageSend", { channelId: room.id, content: "{}" }, "channelMessageAck");
        await socket.close();
      }
    } finally {
      await admin.query("ROLLBACK").catch(() => {});
      await admin.end();
      await server.close();
    }
  });

  test("server connections killed by pg_terminate_backend mid-statement: 14 / HTTP 503, then all works", async () => {
    const { server, admin } = await setUp();
    try {
      const ada = await authenticate(server.url);
      const socket = await openSocket(server.url, ada);
      const room = await socket.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      await admin.query("BEGIN");
      await admin.query("LOCK TABLE messages, users IN ACCESS EXCLUSIVE MODE");
      const sending = socket.request("channelMessageSend", { channelId: room.id, content: "{}" });
      const putting = rest(server.url, "PUT", "/v2/account", { token: ada.token, body: { location: "x" } });
      // Both wait on the lock; then every connection of the server is killed.
      // pg_stat_activity is read once per transaction: the administrator's, holding the locks,
      // would keep seeing the first snapshot without a fresh one each time.
      const waiting = async () =>
        (
          await admin
            .query("SELECT pg_stat_clear_snapshot()")
            .then(() =>
              admin.query(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'herald' AND wait_event_type = 'Lock'",
              ),
            )
        ).rows[0].n as number;
      for (let i = 0; i < 200 && (await waiting()) < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await waiting(), 2, "the send and the update both wait on the lock");
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'herald'",
      );
      const refused = await sending;
      assert.equal(refused.kind, "error", JSON.stringify(refused));
      assert.equal((refused.body as Refusal).code, 14);
      const put = await putting;
      assert.equal(put.status, 503, JSON.stringify(put.body));
      await admin.query("COMMIT");
      await socket.call("channelMessageSend", { channelId: room.id, content: "{}" }, "channelMessageAck");
      assert.equal(
        (await rest(server.url, "PUT", "/v2/account", { token: ada.token, body: { location: "y" } })).status,
        200,
      );
      await socket.close();
    } finally {
      await admin.query("ROLLBACK").catch(() => {});
      await admin.end();
      await server.close();
    }
  });
});
