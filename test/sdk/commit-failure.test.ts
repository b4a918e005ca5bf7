import assert from "node:assert/strict";
import { test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";

test("a message whose commit cannot happen is refused with code 14 (try again); resent, it is stored once", async (t) => {
  const { server, client, signIn } = await serverWithClient(t, { file: true, commitTimeoutMs: 100 });
  const session = await signIn("ada");
  // A plain socket: this is about the server's answer, which the outbox would otherwise retry.
  const socket = client.createSocket({ reconnect: false });
  t.after(() => socket.disconnect());
  await socket.connect(session, { appearOnline: false });
  const channel = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: true });

  // Another connection holds the database's write lock past the server's commit timeout.
  const Sqlite = await loadSqlite();
  const holder = new Sqlite(server.dbPath);
  holder.exec("BEGIN IMMEDIATE");
  await assert.rejects(
    socket.writeChatMessage(channel.id, { text: "hello" }, { clientMsgId: "m-1" }),
    // Code 14 (UNAVAILABLE) says "try again"; the message says why.
    (err) => HeraldError.is(err) && err.serverCode === 14 && /busy/.test(err.message),
  );
  holder.exec("COMMIT");
  holder.close();

  const ack = await socket.writeChatMessage(channel.id, { text: "hello" }, { clientMsgId: "m-1" });
  const page = await client.listChannelMessages(session, channel.id, { limit: 10 });
  assert.deepEqual(
    page.messages.map((m) => m.messageId),
    [ack.messageId],
  );
});
