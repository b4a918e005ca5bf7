// SQLite storage that cannot take a write for a while: another process holding the write lock, a
// full disk, a folder that cannot be written. Every write refused for it is a retryable refusal
// (code 14, HTTP 503, `unavailable` in the SDK) saying why, never an internal error; nothing
// acknowledged is lost, and writes work again once the storage does. A start that fails on the
// file says which file and closes it.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { Client } from "../../src/index.js";
import { createServer } from "../../src/server/index.js";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import { authenticate, codecs, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

/** True when this process may mount file systems (root with the capability): tmpfs and bind mounts. */
function canMount(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(path.join(tmpdir(), "herald-mount-"));
  try {
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0;
    if (mounted) spawnSync("umount", [dir]);
    return mounted;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mountSkip = canMount()
  ? false
  : "needs root allowed to mount file systems (a small tmpfs, a read-only bind mount)";

/** Paths this process holds open (Linux), to prove a failed start left no handle behind. */
function openPaths(): string[] {
  const dir = "/proc/self/fd";
  const paths: string[] = [];
  for (const fd of readdirSync(dir)) {
    try {
      paths.push(readlinkSync(path.join(dir, fd)));
    } catch {
      // Closed between the listing and the read.
    }
  }
  return paths;
}

interface Refusal {
  code: number;
  message: string;
  context?: Record<string, string>;
}

test("while another process holds the write lock, REST and realtime writes other than sends are refused retryably, then work", async () => {
  const srv = await startServer({ file: true });
  const Sqlite = await loadSqlite();
  const other = new Sqlite(srv.dbPath);
  try {
    const ada = await authenticate(srv.url);
    const socket = await openSocket(srv.url, ada, codecs[1]);
    const room = await socket.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
    const sent = await socket.call(
      "channelMessageSend",
      { channelId: room.id, content: '{"n":1}' },
      "channelMessageAck",
    );

    other.exec("BEGIN IMMEDIATE");
    const writes = {
      account: await rest(srv.url, "PUT", "/v2/account", { token: ada.token, body: { display_name: "Ada" } }),
      group: await rest(srv.url, "POST", "/v2/group", { token: ada.token, body: { name: uniqueName("g") } }),
      signUp: await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
        basic: "defaultkey",
        body: { id: `device-${uniqueName()}` },
      }),
    };
    for (const [what, reply] of Object.entries(writes)) {
      assert.equal(reply.status, 503, `${what}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.code, 14, what);
      assert.match(String(reply.body.message), /busy .*write lock.*try again/, what);
    }
    // The SDK reads it as "not now", the code its callers retry on.
    const client = new Client({ port: srv.port });
    const session = await client
      .authenticateDevice({ id: `device-${uniqueName()}` })
      .catch((e: unknown) => e);
    assert.ok(HeraldError.is(session, "unavailable"), String(session));

    const edit = await socket.request("channelMessageUpdate", {
      channelId: room.id,
      messageId: sent.messageId,
      content: '{"n":2}',
    });
    assert.equal(edit.kind, "error", JSON.stringify(edit));
    assert.equal((edit.body as Refusal).code, 14);
    // The socket is kept.
    await socket.call("ping", {}, "pong");

    other.exec("COMMIT");
    assert.equal(
      (await rest(srv.url, "PUT", "/v2/account", { token: ada.token, body: { display_name: "Ada" } })).status,
      200,
    );
    await socket.call(
      "channelMessageUpdate",
      { channelId: room.id, messageId: sent.messageId, content: '{"n":2}' },
      "channelMessageAck",
    );
    await socket.close();
  } finally {
    if (other.inTransaction) other.exec("ROLLBACK");
    other.close();
    await srv.close();
  }
});

test("a full disk: sends and REST writes are refused retryably and say so; every acked message is kept, and writes resume once space is freed", {
  skip: mountSkip,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
  const srv = await startServer({ db: path.join(dir, "herald.db") });
  try {
    const ada = await authenticate(srv.url);
    const socket = await openSocket(srv.url, ada);
    const room = await socket.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
    const acked: string[] = [];
    const send = async (n: number) => {
      const reply = await socket.request("channelMessageSend", {
        channelId: room.id,
        content: JSON.stringify({ n, pad: "x".repeat(3000) }),
      });
      if (reply.kind === "channelMessageAck") acked.push(reply.body.messageId);
      return reply;
    };
    for (let n = 0; n < 5; n++) assert.equal((await send(n)).kind, "channelMessageAck");

    // Fill what is left of the disk.
    const filler = path.join(dir, "filler");
    spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=4k", "count=1024"]);
    let refused: Refusal | undefined;
    for (let n = 5; n < 400 && refused === undefined; n++) {
      const reply = await send(n);
      if (reply.kind === "error") refused = reply.body as Refusal;
    }
    assert.ok(refused, "a send was refused once the disk was full");
    assert.equal(refused.code, 14);
    assert.match(refused.message, /^Message not stored: the disk holding the database is full/);
    const account = await rest(srv.url, "PUT", "/v2/account", {
      token: ada.token,
      body: { display_name: "y".repeat(200), location: "z".repeat(200) },
    });
    // A small update may still fit in a page SQLite has free; if it is refused, it says why.
    if (account.status !== 200) {
      assert.equal(account.status, 503, JSON.stringify(account.body));
      assert.equal(account.body.code, 14);
    }
    await socket.call("ping", {}, "pong");

    rmSync(filler);
    assert.equal((await send(1000)).kind, "channelMessageAck");
    const history = await rest(srv.url, "GET", `/v2/channel/${room.id}?limit=100&forward=true`, {
      token: ada.token,
    });
    assert.deepEqual(
      (history.body.messages as { message_id: string }[]).map((m) => m.message_id),
      acked,
    );
    await socket.close();
  } finally {
    await srv.close();
    spawnSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a start on a read-only folder is refused naming the file, and leaves it closed", {
  skip: mountSkip,
}, async () => {
  const source = mkdtempSync(path.join(tmpdir(), "herald-ro-src-"));
  const readOnly = mkdtempSync(path.join(tmpdir(), "herald-ro-"));
  const first = await createServer({ port: 0, logLevel: "silent", db: path.join(source, "herald.db") });
  await first.close();
  execFileSync("mount", ["--bind", source, readOnly]);
  try {
    execFileSync("mount", ["-o", "remount,bind,ro", readOnly]);
    const db = path.join(readOnly, "herald.db");
    const err = await createServer({ port: 0, logLevel: "silent", db }).catch((e: unknown) => e);
    assert.ok(HeraldError.is(err), String(err));
    assert.ok(err.message.includes(db), err.message);
    assert.match(err.message, /writable/);
    assert.ok(!openPaths().some((p) => p.startsWith(readOnly)), "no handle left open on the file");
  } finally {
    spawnSync("umount", [readOnly]);
    rmSync(readOnly, { recursive: true, force: true });
    rmSync(source, { recursive: true, force: true });
  }
});

test("a database from a newer server is refused with a typed error, and the file is closed again", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-newer-"));
  try {
    mkdirSync(dir, { recursive: true });
    const db = path.join(dir, "herald.db");
    writeFileSync(db, "");
    const Sqlite = await loadSqlite();
    const raw = new Sqlite(db);
    raw.pragma("user_version = 9999");
    raw.close();
    const err = await createServer({ port: 0, logLevel: "silent", db }).catch((e: unknown) => e);
    assert.ok(HeraldError.is(err, "unsupported"), String(err));
    assert.match(err.message, /newer than this server/);
    assert.ok(!openPaths().includes(db), "no handle left open on the file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
