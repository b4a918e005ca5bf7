import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import { captureLog, codecs, serverWithClient, uniqueName } from "../helpers/server.js";

/** Another connection to the server's database file, holding its write lock until released. */
async function holdWriteLock(dbPath: string): Promise<{ release(): void }> {
  const Sqlite = await loadSqlite();
  const holder = new Sqlite(dbPath);
  holder.exec("BEGIN IMMEDIATE");
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      holder.exec("COMMIT");
      holder.close();
    },
  };
}

/**
 * A server on a database file whose commits give up after 100 ms, with its log recorded, and a
 * reconnecting socket signed in whose outbox retries refused writes `maxRetries` times.
 */
async function retryingSocket(t: TestContext, codec: Codec, maxRetries: number) {
  const log = captureLog();
  const { server, client, signIn } = await serverWithClient(t, {
    file: true,
    commitTimeoutMs: 100,
    logger: log.logger,
    logLevel: "debug",
  });
  const session = await signIn("ada");
  const socket = client.createSocket({
    codec,
    outbox: { maxRetries, retryBackoff: { minDelayMs: 10, maxDelayMs: 50 } },
  });
  t.after(() => socket.disconnect());
  await socket.connect(session, { appearOnline: false });
  return { log, server, client, session, socket };
}

const isBusyRefusal = (err: unknown) =>
  HeraldError.is(err, "unavailable") && err.serverCode === 14 && /busy/.test(err.message);

for (const codec of codecs) {
  describe(`a message whose commit cannot happen (${codec.format})`, () => {
    test("a plain socket gets the refusal, code 14 (unavailable); resent, it is stored once", async (t) => {
      const { server, client, signIn } = await serverWithClient(t, { file: true, commitTimeoutMs: 100 });
      const session = await signIn("ada");
      const socket = client.createSocket({ codec, reconnect: false });
      t.after(() => socket.disconnect());
      await socket.connect(session, { appearOnline: false });
      const channel = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: true });

      const lock = await holdWriteLock(server.dbPath);
      t.after(() => lock.release());
      await assert.rejects(
        socket.writeChatMessage(channel.id, { text: "hello" }, { clientMsgId: "m-1" }),
        isBusyRefusal,
      );
      lock.release();

      const ack = await socket.writeChatMessage(channel.id, { text: "hello" }, { clientMsgId: "m-1" });
      const page = await client.listChannelMessages(session, channel.id, { limit: 10 });
      assert.deepEqual(
        page.messages.map((m) => m.messageId),
        [ack.messageId],
      );
    });

    test("a reconnecting socket retries the refused write a bounded number of times, then rejects it as unavailable without holding up the writes behind it", async (t) => {
      const { log, server, client, session, socket } = await retryingSocket(t, codec, 2);
      const stored = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: true });
      const ephemeral = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: false });

      const lock = await holdWriteLock(server.dbPath);
      t.after(() => lock.release());
      const order: string[] = [];
      const refused = socket.writeChatMessage(stored.id, { text: "kept waiting" }).then(
        () => order.push("refused write acked"),
        (err: unknown) => {
          order.push("refused write rejected");
          throw err;
        },
      );
      // Written after the refused one; it needs no commit, so it must not wait behind it.
      const behind = await socket.writeChatMessage(ephemeral.id, { text: "goes through" });
      order.push("write behind acked");
      assert.equal(behind.channelId, ephemeral.id);
      await assert.rejects(refused, isBusyRefusal);
      assert.deepEqual(order, ["write behind acked", "refused write rejected"]);
      const attempts = log.events.filter((e) => e.event === "message_commit_failed").length;
      assert.equal(attempts, 3, "sent once and retried twice (maxRetries: 2)");
      assert.equal(socket.outboxSize, 0, "the refused write left the outbox");
      assert.equal(socket.state, "open", "a refusal is no reason to reconnect");
      lock.release();

      const ack = await socket.writeChatMessage(stored.id, { text: "after the lock" });
      const page = await client.listChannelMessages(session, stored.id, { limit: 10 });
      assert.deepEqual(
        page.messages.map((m) => m.messageId),
        [ack.messageId],
      );
    });

    test("a reconnecting socket retries a write refused while the database was busy, and it is stored once when the lock goes", async (t) => {
      const { log, server, client, session, socket } = await retryingSocket(t, codec, 1000);
      const channel = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: true });

      const lock = await holdWriteLock(server.dbPath);
      t.after(() => lock.release());
      const write = socket.writeChatMessage(channel.id, { text: "hello" });
      await log.waitFor("message_commit_failed");
      lock.release();
      const ack = await write;
      assert.equal(socket.outboxSize, 0);
      const page = await client.listChannelMessages(session, channel.id, { limit: 10 });
      assert.deepEqual(
        page.messages.map((m) => [m.messageId, m.content.text]),
        [[ack.messageId, "hello"]],
      );
    });

    test("disconnect() settles a write waiting to be retried", async (t) => {
      const { log, server, socket } = await retryingSocket(t, codec, 1000);
      const channel = await socket.joinChat(uniqueName("room"), ChannelType.Room, { persistence: true });

      const lock = await holdWriteLock(server.dbPath);
      t.after(() => lock.release());
      const write = socket.writeChatMessage(channel.id, { text: "hello" });
      const settled = assert.rejects(write, (err) => HeraldError.is(err, "disconnected"));
      // Refused at least once, so that the write is between retries.
      await log.waitFor("message_commit_failed");
      await socket.disconnect();
      await settled;
    });
  });
}
