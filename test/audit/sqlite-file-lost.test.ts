// An SQLite database file deleted (or replaced) while the server runs: SQLite would go on writing to
// the unlinked file and a restart would lose all of it. The server notices, refuses every write with
// `unavailable` (nothing acknowledged that is not durable), logs it and fails its health check.

import assert from "node:assert/strict";
import { copyFileSync, renameSync, unlinkSync } from "node:fs";
import { test } from "node:test";
import {
  authenticate,
  captureLog,
  codecs,
  openSocket,
  rest,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

async function roomWithTwo(srv: TestServer, codecIndex: number) {
  const codec = codecs[codecIndex % codecs.length] ?? codecs[0];
  const room = uniqueName("room");
  const ada = await authenticate(srv.url);
  const sender = await openSocket(srv.url, ada, codec);
  const bystander = await openSocket(srv.url, await authenticate(srv.url), codec);
  const channel = await sender.call("channelJoin", { target: room, type: 1, persistence: true }, "channel");
  await bystander.call("channelJoin", { target: room, type: 1, persistence: true }, "channel");
  return { ada, sender, bystander, channelId: channel.id };
}

for (const [i, [how, lose]] of (
  [
    ["deleted", (path: string) => unlinkSync(path)],
    ["with its write-ahead log deleted", (path: string) => unlinkSync(`${path}-wal`)],
    [
      "replaced by another file",
      (path: string) => {
        copyFileSync(path, `${path}.copy`);
        renameSync(`${path}.copy`, path);
      },
    ],
  ] as const
).entries()) {
  test(`a database file ${how} while the server runs: writes are refused with unavailable, logged, and the health check fails`, async () => {
    const log = captureLog();
    const srv = await startServer({ file: true, logger: log.logger, logLevel: "info" });
    try {
      const { ada, sender, bystander, channelId } = await roomWithTwo(srv, i);
      await sender.call("channelMessageSend", { channelId, content: '{"n":1}' }, "channelMessageAck");
      await bystander.next("channelMessage");
      assert.equal((await rest(srv.url, "GET", "/healthcheck")).status, 200);

      lose(srv.dbPath);

      const refused = await sender.request("channelMessageSend", { channelId, content: '{"n":2}' });
      assert.equal(refused.kind, "error", JSON.stringify(refused));
      const body = refused.body as { code: number; message: string; context?: Record<string, string> };
      assert.equal(body.code, 14);
      assert.match(body.message, /database( file|'s write-ahead log) was (deleted|replaced)/);
      // The client is not told where the server keeps its files.
      assert.ok(!body.message.includes(srv.dbPath), body.message);
      assert.equal(body.context?.herald_code, "unavailable");
      await bystander.assertNoPush("channelMessage");

      const update = await rest(srv.url, "PUT", "/v2/account", {
        token: ada.token,
        body: { display_name: "x" },
      });
      assert.equal(update.status, 503);
      assert.equal(update.body.code, 14);
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g") },
      });
      assert.equal(group.status, 503);

      const health = await rest(srv.url, "GET", "/healthcheck");
      assert.equal(health.status, 503);
      assert.equal(health.body.code, 14);
      const logged = await log.waitFor("storage_file_lost");
      assert.equal(logged.db, srv.dbPath);

      // Reads still answer (from what the server has open), and the socket stays usable.
      await sender.call("ping", {}, "pong");
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: ada.token })).status, 200);
      await sender.close();
      await bystander.close();
    } finally {
      await srv.close();
    }
  });
}

test("the periodic check finds a deleted database file with no write to trigger it", async () => {
  const log = captureLog();
  const srv = await startServer({ file: true, logger: log.logger, logLevel: "info" });
  try {
    unlinkSync(srv.dbPath);
    const logged = await log.waitFor("storage_file_lost", 5000);
    assert.equal(logged.db, srv.dbPath);
  } finally {
    await srv.close();
  }
});
