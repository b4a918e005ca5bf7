import assert from "node:assert/strict";
import { test } from "node:test";
import type { Database } from "better-sqlite3";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import {
  authenticate,
  codecs,
  openSocket,
  type RawSocket,
  type Received,
  rest,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

/** A second connection to the server's database file, holding its write lock until released. */
async function holdWriteLock(dbPath: string): Promise<{ release(): void; db: Database }> {
  const Sqlite = await loadSqlite();
  const db = new Sqlite(dbPath);
  db.exec("BEGIN IMMEDIATE");
  return {
    db,
    release() {
      db.exec("COMMIT");
      db.close();
    },
  };
}

interface Chat {
  srv: TestServer;
  senders: RawSocket[];
  bystander: RawSocket;
  channelId: string;
  close(): Promise<void>;
}

/** Three senders and one bystander in one room, on a server with a database file. */
async function chatRoom(codecIndex: number, commitTimeoutMs?: number): Promise<Chat> {
  const codec = codecs[codecIndex % codecs.length] ?? codecs[0];
  const srv = await startServer({ file: true, ...(commitTimeoutMs !== undefined && { commitTimeoutMs }) });
  const room = uniqueName("room");
  const join = async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url), codec);
    const channel = await s.call("channelJoin", { target: room, type: 1, persistence: true }, "channel");
    return { s, channelId: channel.id };
  };
  const senders = [await join(), await join(), await join()];
  const bystander = await join();
  return {
    srv,
    senders: senders.map((x) => x.s),
    bystander: bystander.s,
    channelId: bystander.channelId,
    async close() {
      for (const s of [...senders.map((x) => x.s), bystander.s]) await s.close();
      await srv.close();
    },
  };
}

/** Every message id stored in a channel, read straight from the database file. */
async function storedIds(dbPath: string, channelId: string): Promise<string[]> {
  const Sqlite = await loadSqlite();
  const db = new Sqlite(dbPath, { readonly: true });
  try {
    return (
      db.prepare("SELECT id FROM messages WHERE channel_id = ?").all(channelId) as { id: string }[]
    ).map((r) => r.id);
  } finally {
    db.close();
  }
}

function sendAll(chat: Chat, perSender: number, tag: string): Promise<Received>[] {
  const replies: Promise<Received>[] = [];
  for (const [i, s] of chat.senders.entries()) {
    for (let n = 0; n < perSender; n++) {
      replies.push(
        s.request("channelMessageSend", {
          channelId: chat.channelId,
          content: JSON.stringify({ sender: i, n }),
          clientMsgId: `${tag}-${i}-${n}`,
        }),
      );
    }
  }
  return replies;
}

test("while another connection holds the write lock, others are answered and every acked message is stored", async () => {
  const chat = await chatRoom(0);
  try {
    const reader = await authenticate(chat.srv.url);
    const lock = await holdWriteLock(chat.srv.dbPath);
    let settled = 0;
    const replies = sendAll(chat, 7, "held").map((p) => p.finally(() => (settled += 1)));
    // The bystander's ping and history read are answered although the sends are waiting on the lock.
    await chat.bystander.call("ping", {}, "pong");
    const history = await rest(
      chat.srv.url,
      "GET",
      `/v2/channel/${encodeURIComponent(chat.channelId)}?limit=10`,
      { token: reader.token },
    );
    assert.equal(history.status, 200);
    await chat.bystander.call("ping", {}, "pong");
    assert.equal(settled, 0, "no send may be acked before its commit, and the lock is still held");
    assert.deepEqual(chat.bystander.unread("channelMessage"), [], "nothing pushed before the commit");
    lock.release();
    const answers = await Promise.all(replies);
    const acked = answers.map((r) => {
      assert.equal(r.kind, "channelMessageAck", JSON.stringify(r));
      return (r.body as { messageId: string }).messageId;
    });
    const stored = new Set(await storedIds(chat.srv.dbPath, chat.channelId));
    for (const id of acked) assert.ok(stored.has(id), `acked message ${id} is stored`);
    for (const id of acked) await chat.bystander.next("channelMessage", (m) => m.messageId === id);
  } finally {
    await chat.close();
  }
});

test("a commit that cannot happen in time answers each sender with a retryable error; the retry is stored once", async () => {
  const chat = await chatRoom(1, 150);
  try {
    const lock = await holdWriteLock(chat.srv.dbPath);
    const answers = await Promise.all(sendAll(chat, 3, "late"));
    for (const r of answers) {
      assert.equal(r.kind, "error", JSON.stringify(r));
      // disconnected: gRPC UNAVAILABLE, which the SDK treats as worth retrying.
      assert.equal((r.body as { code: number }).code, 14);
    }
    await chat.bystander.assertNoPush("channelMessage");
    lock.release();
    const retried = await Promise.all(sendAll(chat, 3, "late"));
    const acked = retried.map((r) => {
      assert.equal(r.kind, "channelMessageAck", JSON.stringify(r));
      return (r.body as { messageId: string }).messageId;
    });
    const stored = await storedIds(chat.srv.dbPath, chat.channelId);
    assert.deepEqual([...stored].sort(), [...acked].sort(), "each retried message stored exactly once");
    // A second retry of an id already stored answers with the stored message, adding nothing.
    const again = await Promise.all(sendAll(chat, 3, "late"));
    assert.deepEqual(
      again.map((r) => (r.body as { messageId: string }).messageId),
      acked,
    );
    assert.equal((await storedIds(chat.srv.dbPath, chat.channelId)).length, acked.length);
  } finally {
    await chat.close();
  }
});
