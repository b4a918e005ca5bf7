// A client that keeps sending while its requests wait on storage (another process holds the SQLite
// write lock). Its requests run one at a time, so the later ones wait their turn; the server must
// not read them all into memory meanwhile: past a bound it stops reading the socket, and TCP holds
// the rest at the client. Once storage is back every request is answered, in order, and nothing
// is lost; the socket is not dropped by the keepalive for not answering pings while paused.

import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import { authenticate, openSocket, rest, socketUrl, startServer, uniqueName } from "../helpers/server.js";

test("requests sent while storage stalls stay at the client past a bound, then are all answered in order", {
  timeout: 120_000,
}, async () => {
  // Ada is in the room she writes to, so the server also pushes her own 5,000 messages back to
  // her (20 MB): read by this busy process, they can pile up past the default 16 MiB a slow reader
  // may hold (closed with 1013), which is not what this test is about.
  const srv = await startServer({
    file: true,
    commitTimeoutMs: 60_000,
    pingIntervalMs: 200,
    maxBufferedBytes: 256 * 1024 * 1024,
  });
  const Sqlite = await loadSqlite();
  const other = new Sqlite(srv.dbPath);
  try {
    const ada = await authenticate(srv.url);
    const bob = await openSocket(srv.url, await authenticate(srv.url));
    const ws = new WebSocket(socketUrl(srv.url, ada.token));
    const replies: { cid?: string; channel_message_ack?: { message_id: string } }[] = [];
    ws.on("message", (data: Buffer) => {
      const envelope = JSON.parse(data.toString()) as (typeof replies)[number];
      if (envelope.cid !== undefined) replies.push(envelope);
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    let closeCode: number | undefined;
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));
    void closed.then((code) => {
      closeCode = code;
    });
    ws.send(JSON.stringify({ cid: "join", channel_join: { target: uniqueName("room"), type: 1 } }));
    while (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const channelId = (replies[0] as { channel?: { id: string } }).channel?.id ?? "";

    other.exec("BEGIN IMMEDIATE");
    // 5,000 sends of 4 KB each (20 MB): far more than the bound and the kernel's buffers hold.
    const count = 5000;
    const pad = "x".repeat(4000);
    for (let n = 0; n < count; n++) {
      ws.send(
        JSON.stringify({
          cid: String(n),
          channel_message_send: { channel_id: channelId, content: `{"p":"${pad}"}` },
        }),
      );
      // A turn every 10 sends: the server and bob's socket run in this process, where a pong takes
      // two turns (bob reads the ping, then the server the pong), and a run of sends longer than
      // the keepalive's period between them had bob dropped (the whole loop at once took seconds
      // on a busy machine; with slices of 100 sends bob was still dropped once in ten runs there).
      if (n % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    // Another user's round trips give the server every chance to read what it would.
    for (let i = 0; i < 30 && ws.bufferedAmount > 0; i++) {
      await bob.call("ping", {}, "pong");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(ws.bufferedAmount > 1_000_000, `unread at the client: ${ws.bufferedAmount} bytes`);
    // Paused longer than several keepalive periods, the socket is still open.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(ws.readyState, WebSocket.OPEN);

    other.exec("COMMIT");
    while (replies.length < count + 1 && ws.readyState === WebSocket.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(replies.length, count + 1, `socket closed with ${closeCode} before every reply came`);
    assert.deepEqual(
      replies.slice(1).map((r) => r.cid),
      Array.from({ length: count }, (_, n) => String(n)),
    );
    assert.ok(replies.slice(1).every((r) => r.channel_message_ack !== undefined));
    const history = await rest(srv.url, "GET", `/v2/channel/${channelId}?limit=1&forward=false`, {
      token: ada.token,
    });
    assert.equal(
      (history.body.messages as { message_id: string }[])[0]?.message_id,
      replies[count]?.channel_message_ack?.message_id,
    );
    ws.close();
    await closed;
    await bob.close();
  } finally {
    if (other.inTransaction) other.exec("ROLLBACK");
    other.close();
    await srv.close();
  }
});
