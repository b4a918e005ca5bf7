import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { openDatabase } from "../../src/server/storage/database.js";
import { RemovedTimes } from "../../src/server/storage/removed-times.js";
import { pruneHistory } from "../../src/server/storage/retention.js";
import { authenticate, captureLog, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

describe("history retention", () => {
  test("pruning keeps the newest messages per channel and drops those past the age limit", async () => {
    const db = await openDatabase(":memory:");
    try {
      const insert = db.prepare(
        "INSERT INTO messages (id, channel_id, code, sender_id, username, content, create_time, update_time) VALUES (?, ?, 0, 's', 'u', '{}', ?, ?)",
      );
      for (let i = 0; i < 5; i++) insert.run(`a${i}`, "A", 1000 + i, 1000 + i);
      for (let i = 0; i < 2; i++) insert.run(`b${i}`, "B", 1000 + i, 1000 + i);
      const ids = () => db.prepare("SELECT id FROM messages ORDER BY seq").pluck().all();
      assert.equal(pruneHistory(db, { maxPerChannel: 3 }, 2000), 2);
      assert.deepEqual(ids(), ["a2", "a3", "a4", "b0", "b1"]);
      // Kept for 1 s: at 2003 ms every message created before 1003 ms goes.
      assert.equal(pruneHistory(db, { maxAgeSec: 1 }, 2003), 3);
      assert.deepEqual(ids(), ["a3", "a4"]);
      assert.equal(pruneHistory(db, {}, 5000), 0, "no limits, nothing goes");
    } finally {
      db.close();
    }
  });

  test("the floors that can no longer matter go, a few channels per statement", async () => {
    const db = await openDatabase(":memory:");
    try {
      const floor = db.prepare("INSERT INTO removed_times (channel_id, create_time) VALUES (?, ?)");
      const insert = db.prepare(
        "INSERT INTO messages (id, channel_id, code, sender_id, username, content, create_time, update_time) VALUES (?, ?, 0, 's', 'u', '{}', ?, ?)",
      );
      // Five rooms: covered by a later message (a, c, e), or not (b: an older one; d: none).
      for (const [room, floorAt, messageAt] of [
        ["a", 100, 100],
        ["b", 300, 200],
        ["c", 100, 500],
        ["d", 100, undefined],
        ["e", 100, 900],
      ] as const) {
        floor.run(`2...${room}`, floorAt);
        if (messageAt !== undefined) insert.run(room, `2...${room}`, messageAt, messageAt);
      }
      assert.equal(new RemovedTimes(db).sweep(2), 3);
      assert.deepEqual(db.prepare("SELECT channel_id FROM removed_times ORDER BY 1").pluck().all(), [
        "2...b",
        "2...d",
      ]);
    } finally {
      db.close();
    }
  });

  test("a server started with maxPerChannel serves only the newest messages of each channel", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "herald-retention-"));
    const db = path.join(dir, "herald.db");
    try {
      const first = await startServer({ db });
      const user = await authenticate(first.url, { deviceId: "device-retention-1" });
      const s = await openSocket(first.url, user);
      const ch = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const sent: string[] = [];
      for (let i = 0; i < 5; i++)
        sent.push(
          (
            await s.call(
              "channelMessageSend",
              { channelId: ch.id, content: `{"n":${i}}` },
              "channelMessageAck",
            )
          ).messageId,
        );
      await s.close();
      await first.close();

      const second = await startServer({ db, historyRetention: { maxPerChannel: 3 } });
      try {
        const again = await authenticate(second.url, { deviceId: "device-retention-1" });
        const res = await rest(
          second.url,
          "GET",
          `/v2/channel/${encodeURIComponent(ch.id)}?limit=100&forward=true`,
          {
            token: again.token,
          },
        );
        assert.equal(res.status, 200);
        const ids = (res.body.messages as { message_id: string }[]).map((m) => m.message_id);
        assert.deepEqual(ids, sent.slice(2));
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a pass still running when the server closes is not reported as failed", async () => {
    // The pass runs from the start, with no retention limits too. On PostgreSQL it is still under
    // way when a server closed at once lets go of its database (on SQLite it is done at start).
    for (let i = 0; i < 3; i++) {
      const log = captureLog();
      const srv = await startServer({ logger: log.logger, logLevel: "debug" });
      await srv.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(
        log.events.filter((e) => e.event === "history_prune_failed").map((e) => String(e.fields.err)),
        [],
      );
    }
  });

  test("retention limits that make no sense are refused", async () => {
    await assert.rejects(startServer({ historyRetention: { maxPerChannel: 0 } }), { code: "bad_input" });
    await assert.rejects(startServer({ historyRetention: { maxAgeSec: -1 } }), { code: "bad_input" });
  });
});
