// The server on PostgreSQL: selected by URL, refusing to start when it cannot reach it, answering
// "try again" (14 / HTTP 503) while it is away and working again once it is back, losing nothing
// it acknowledged.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { createServer, type HeraldServer, type ServerOptions } from "../../src/server/index.js";
import { freePort, postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { authenticate, openSocket, rest, uniqueName } from "../helpers/server.js";

const skip = postgresSkipReason();

describe("the server on PostgreSQL", { skip }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.close());

  const start = (db: NonNullable<ServerOptions["db"]>): Promise<HeraldServer> =>
    createServer({ port: 0, logLevel: "silent", rateLimits: false, console: false, db });

  test("a postgres:// URL selects PostgreSQL and creates the schema; servers on one database share users and tokens", async () => {
    const url = await pg.createDatabase();
    const a = await start(url);
    const b = await start({ url, maxConnections: 4 });
    try {
      // No token secret given: both servers sign with the one stored in the database.
      const deviceId = uniqueName("device");
      const ana = await authenticate(a.url, { deviceId });
      const account = await rest(b.url, "GET", "/v2/account", { token: ana.token });
      assert.equal(account.status, 200);
      assert.equal((account.body.user as { id: string }).id, ana.userId);
      // A logout of one token on one server holds on the other, for that token only.
      const again = await authenticate(a.url, { deviceId });
      assert.equal(
        (
          await rest(a.url, "POST", "/v2/session/logout", {
            token: again.token,
            body: { token: again.token },
          })
        ).status,
        200,
      );
      assert.equal((await rest(b.url, "GET", "/v2/account", { token: again.token })).status, 401);
      assert.equal((await rest(b.url, "GET", "/v2/account", { token: ana.token })).status, 200);
      // A logout naming no token (everywhere) on one server holds on the other.
      assert.equal(
        (await rest(a.url, "POST", "/v2/session/logout", { token: ana.token, body: {} })).status,
        200,
      );
      assert.equal((await rest(b.url, "GET", "/v2/account", { token: ana.token })).status, 401);
      assert.match(a.dbPath, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a PostgreSQL that cannot be reached fails the start with a typed error naming the host", async () => {
    const port = await freePort();
    await assert.rejects(start(`postgres://herald:secret@127.0.0.1:${port}/herald`), (err) => {
      assert.ok(HeraldError.is(err, "disconnected"), String(err));
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(err.message, /secret/, "the password is not shown");
      return true;
    });
    await assert.rejects(start({ url: "mysql://nope" }), (err) => HeraldError.is(err, "bad_input"));
  });

  test("while PostgreSQL is away requests get 14 / HTTP 503; once back they work, and every acked message is stored", async () => {
    const server = await start(await pg.createDatabase());
    try {
      const ana = await authenticate(server.url);
      const socket = await openSocket(server.url, ana);
      const room = await socket.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const acked: string[] = [];
      const send = async (n: number) => {
        const reply = await socket.request("channelMessageSend", {
          channelId: room.id,
          content: JSON.stringify({ n }),
        });
        if (reply.kind === "channelMessageAck") acked.push(reply.body.messageId);
        return reply;
      };
      for (let n = 0; n < 5; n++) assert.equal((await send(n)).kind, "channelMessageAck");

      await pg.stop();
      const away = await rest(server.url, "GET", "/v2/account", { token: ana.token });
      assert.equal(away.status, 503);
      assert.equal(away.body.code, 14);
      assert.equal(away.body.herald_code, "disconnected");
      const refused = await send(99);
      assert.equal(refused.kind, "error");
      assert.equal((refused.body as { code: number }).code, 14);
      // The socket is kept and still answers what needs no storage.
      await socket.call("ping", {}, "pong");

      await pg.start();
      assert.equal((await rest(server.url, "GET", "/v2/account", { token: ana.token })).status, 200);
      for (let n = 5; n < 10; n++) assert.equal((await send(n)).kind, "channelMessageAck");
      const history = await rest(
        server.url,
        "GET",
        `/v2/channel/${encodeURIComponent(room.id)}?limit=100&forward=true`,
        { token: ana.token },
      );
      assert.equal(history.status, 200);
      const stored = (history.body.messages as { message_id: string }[]).map((m) => m.message_id);
      assert.deepEqual(stored, acked);
      assert.equal(acked.length, 10);
      await socket.close();
    } finally {
      await server.close();
    }
  });
});
