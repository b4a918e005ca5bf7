// A group's update time orders the group listing with no filters (least recently updated first).
// A change stamped by a clock behind (a node of a cluster whose clock is late, or a clock stepped
// back) moved the group back in that order. On PostgreSQL the times come from the database's
// clock, as on stock Nakama; on SQLite (one process) from the server's, never moving back.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Group } from "../../src/index.js";
import { groupPages } from "../audit/group-pages.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { testEngine } from "../helpers/test-db.js";
import { withClockShifted } from "../resilience/cut-room.js";

const HOUR = 3_600_000;
const time = (d: Date | undefined) => d?.getTime() ?? Number.NaN;

describe(`group times (${testEngine})`, () => {
  test("a change stamped by a clock behind never moves a group's update time back", async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const [owner, joiner] = await Promise.all([signIn("owner"), signIn("joiner")]);
    const made = await client.createGroup(owner, { name: uniqueName("times"), open: true });
    const listedTime = async () => {
      const listed = (await groupPages(client, owner, {}, 100)).find((g) => g.id === made.id);
      return time(listed?.updateTime);
    };
    const created = await listedTime();
    assert.equal(created, time(made.updateTime), "created as answered");
    await withClockShifted(-HOUR, () => client.updateGroup(owner, made.id, { description: "behind" }));
    const updated = await listedTime();
    assert.ok(updated >= created, `an update moved it back (${updated} < ${created})`);
    await withClockShifted(-HOUR, () => client.joinGroup(joiner, made.id));
    const joined = await listedTime();
    assert.ok(joined >= updated, `a join moved it back (${joined} < ${updated})`);
  });

  test("on PostgreSQL a group is stamped by the database's clock: changes list in the order they were made", {
    skip: testEngine === "postgres" ? undefined : "the database's clock is PostgreSQL's",
  }, async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const owner = await signIn("owner");
    const before = Date.now();
    const first = await withClockShifted(-HOUR, () =>
      client.createGroup(owner, { name: uniqueName("first"), open: true }),
    );
    const second = await client.createGroup(owner, { name: uniqueName("second"), open: true });
    const after = Date.now();
    for (const g of [first, second]) {
      assert.ok(
        time(g.createTime) >= before - 1000 && time(g.createTime) <= after + 1000,
        `created at the database's time (${g.createTime?.toISOString()}), not the server's`,
      );
      assert.deepEqual(g.updateTime, g.createTime);
    }
    // The first group, changed last by a server whose clock is an hour behind, lists last.
    await withClockShifted(-HOUR, () => client.updateGroup(owner, first.id, { description: "later" }));
    const ours = new Set([first.id, second.id]);
    const listed = (await groupPages(client, owner, {}, 1)).filter((g: Group) => ours.has(g.id));
    assert.deepEqual(
      listed.map((g) => g.id),
      [second.id, first.id],
    );
    assert.ok(time(listed[1]?.updateTime) >= time(second.updateTime));
  });
});
