import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { type HistoryDeps, listHistory } from "../../src/server/services/history.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";

test("paging is exact for messages stored with the very same creation time", async () => {
  const db = await openDatabase(":memory:");
  const storage = createSqliteStorage(db);
  const messages = storage.messages;
  const channelId = "2...same";
  const at = Date.UTC(2026, 0, 1);
  const stored = Array.from({ length: 7 }, (_, i) => {
    const id = randomUUID();
    void messages.insert({
      id,
      channel_id: channelId,
      code: 0,
      sender_id: randomUUID(),
      username: "u",
      content: JSON.stringify({ i }),
      create_time: at,
      update_time: at,
      client_msg_id: "",
      room_name: "same",
      group_id: "",
      user_id_one: "",
      user_id_two: "",
    });
    return id;
  });
  const ctx: HistoryDeps = { messages, groups: storage.groups };
  const caller = { userId: randomUUID(), username: "u", tid: "", exp: 0, vars: {} };
  for (const forward of [true, false]) {
    const seen: string[] = [];
    let cursor = "";
    for (let pages = 0; pages < 10; pages++) {
      const page = await listHistory(ctx, { channelId, limit: 3, forward, cursor }, caller);
      seen.push(...(page.messages ?? []).map((m) => m.messageId as string));
      cursor = page.nextCursor ?? "";
      if (!cursor) break;
    }
    assert.deepEqual(seen, forward ? stored : [...stored].reverse());
  }
  db.close();
});
