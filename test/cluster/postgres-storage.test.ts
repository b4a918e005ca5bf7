// PostgreSQL-only behaviour: several processes on one database, and the database going away.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { AsyncStorage } from "../../src/server/storage/async-storage.js";
import { createPostgresStorage } from "../../src/server/storage/postgres/postgres-storage.js";
import { postgresSkipReason, startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { newMessage } from "./storage-conformance.js";

const skip = postgresSkipReason();

describe("PostgreSQL storage shared by several nodes", { skip }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg.close());

  test("a reader following a channel by cursor sees every message of two writing nodes exactly once", async () => {
    const url = await pg.createSchema();
    const [a, b, reader] = await Promise.all([
      createPostgresStorage(url),
      createPostgresStorage(url),
      createPostgresStorage(url),
    ]);
    try {
      const ch = "2...busy";
      const expected = new Set<string>();
      const write = async (s: AsyncStorage) => {
        const sender = randomUUID();
        for (let turn = 0; turn < 40; turn++) {
          const batch = Array.from({ length: 1 + (turn % 4) }, () => newMessage(ch, sender));
          for (const m of batch) expected.add(m.id);
          await Promise.all(batch.map((m) => s.messages.insert(m)));
        }
      };
      const seen: string[] = [];
      let done = false;
      const follow = async () => {
        let cursor = 0;
        // Keep polling after the writers finish, once, to collect the tail.
        for (let last = false; ; last = done) {
          const page = await reader.messages.after(ch, cursor, 7);
          seen.push(...page.map((r) => r.id));
          cursor = page.at(-1)?.seq ?? cursor;
          if (page.length === 0 && last) return;
        }
      };
      const following = follow();
      await Promise.all([write(a), write(b)]);
      done = true;
      await following;
      assert.equal(seen.length, expected.size, "no message skipped or repeated");
      assert.deepEqual(new Set(seen), expected);
    } finally {
      await Promise.all([a.close(), b.close(), reader.close()]);
    }
  });

  test("a client message id is deduplicated across nodes racing with it", async () => {
    const url = await pg.createSchema();
    const [a, b] = await Promise.all([createPostgresStorage(url), createPostgresStorage(url)]);
    try {
      const sender = randomUUID();
      const results = await Promise.all([
        a.messages.insert(newMessage("2...race", sender, "same")),
        b.messages.insert(newMessage("2...race", sender, "same")),
      ]);
      assert.equal(results.filter((r) => r.duplicate).length, 1);
      assert.equal(results[0]?.row.id, results[1]?.row.id);
      assert.equal((await a.messages.after("2...race", 0, 10)).length, 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("nodes starting together migrate the schema once", async () => {
    const url = await pg.createSchema();
    const nodes = await Promise.all([1, 2, 3].map(() => createPostgresStorage(url)));
    try {
      const user = await nodes[0]?.users.create({ username: "shared" });
      assert.equal((await nodes[2]?.users.byId(user?.id ?? ""))?.username, "shared");
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});

describe("PostgreSQL storage while the database is down", { skip }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg.close());

  test("calls reject with disconnected, nothing acked is lost, and all works again on return", async () => {
    const url = await pg.createSchema();
    const s = await createPostgresStorage(url, { connectTimeoutMs: 1000, queryTimeoutMs: 2000 });
    try {
      const ch = "2...outage";
      const sender = randomUUID();
      const acked = await s.messages.insert(newMessage(ch, sender, "before"));
      await pg.stop();
      await assert.rejects(s.users.byUsername("x"), (err) => HeraldError.is(err, "disconnected"));
      const lost = newMessage(ch, sender, "during");
      await assert.rejects(s.messages.insert(lost), (err) => HeraldError.is(err, "disconnected"));
      await pg.start();
      // The sender retries with the same client message id: stored once.
      const retried = await s.messages.insert({ ...lost, id: randomUUID() });
      assert.equal(retried.duplicate, false);
      const again = await s.messages.insert({ ...lost, id: randomUUID() });
      assert.equal(again.duplicate, true);
      const history = await s.messages.after(ch, 0, 10);
      assert.deepEqual(
        history.map((r) => r.client_msg_id),
        ["before", "during"],
      );
      assert.deepEqual(history[0], acked.row);
    } finally {
      await s.close();
    }
  });

  test("starting against an unreachable database rejects with disconnected", async () => {
    const url = await pg.createSchema();
    await pg.stop();
    try {
      await assert.rejects(createPostgresStorage(url, { connectTimeoutMs: 1000 }), (err) =>
        HeraldError.is(err, "disconnected"),
      );
    } finally {
      await pg.start();
    }
  });
});
