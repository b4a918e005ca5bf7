import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadSqlite } from "../../src/server/storage/sqlite-driver.js";
import {
  authenticate,
  openSocket,
  type RawSocket,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

/** Every sample of the metrics endpoint, by its name with labels (`name{label="v"}`). */
async function scrape(srv: TestServer): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${srv.server.metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** One sample, failing when the endpoint does not serve it. */
function value(samples: Map<string, number>, name: string): number {
  const v = samples.get(name);
  assert.ok(v !== undefined, `${name} is served (got ${[...samples.keys()].join(", ")})`);
  return v;
}

const DURATION = "herald_message_commit_duration_seconds";
const BATCH = "herald_message_commit_batch_size";

/** The histogram's buckets are cumulative and end with `+Inf` equal to the count. */
function assertHistogram(samples: Map<string, number>, name: string): void {
  const buckets = [...samples].filter(([k]) => k.startsWith(`${name}_bucket{`)).map(([, v]) => v);
  assert.ok(buckets.length > 2, `${name} has buckets`);
  for (let i = 1; i < buckets.length; i++)
    assert.ok((buckets[i] as number) >= (buckets[i - 1] as number), `${name} buckets are cumulative`);
  assert.equal(value(samples, `${name}_bucket{le="+Inf"}`), value(samples, `${name}_count`));
}

async function joinRoom(srv: TestServer, room: string): Promise<{ s: RawSocket; channelId: string }> {
  const s = await openSocket(srv.url, await authenticate(srv.url));
  const ch = await s.call("channelJoin", { target: room, type: 1, persistence: true }, "channel");
  return { s, channelId: ch.id };
}

describe("metrics of deliveries and commits", () => {
  test("a chat message counts one delivery per member socket, and its commit is timed and sized", async () => {
    const srv = await startServer({ metricsPort: 0 });
    try {
      const room = uniqueName("room");
      const members = [await joinRoom(srv, room), await joinRoom(srv, room), await joinRoom(srv, room)];
      const sender = members[0] as { s: RawSocket; channelId: string };
      const before = await scrape(srv);
      assert.equal(value(before, `${DURATION}_count`), 0, "no message stored yet");
      const n = 5;
      const acks = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          sender.s.call(
            "channelMessageSend",
            { channelId: sender.channelId, content: JSON.stringify({ i }) },
            "channelMessageAck",
          ),
        ),
      );
      const last = acks[n - 1]?.messageId;
      for (const m of members) await m.s.next("channelMessage", (msg) => msg.messageId === last);
      const after = await scrape(srv);
      const delivered = (s: Map<string, number>) =>
        value(s, 'herald_deliveries_total{kind="channelMessage"}');
      assert.equal(delivered(after) - delivered(before), n * members.length, "one per member and message");
      assert.ok(
        value(after, "herald_messages_out_total") - value(before, "herald_messages_out_total") >=
          n * members.length + n,
        "frames out hold the deliveries and the acks",
      );
      // Joins were pushed to the members already in the room: presence events are deliveries too.
      assert.ok(value(after, 'herald_deliveries_total{kind="channelPresenceEvent"}') >= 3);
      assert.equal(value(after, 'herald_deliveries_total{kind="notifications"}'), 0);
      const commits = value(after, `${DURATION}_count`);
      assert.ok(commits >= 1 && commits <= n, `${commits} commits for ${n} messages`);
      assert.equal(value(after, `${BATCH}_count`), commits);
      assert.equal(value(after, `${BATCH}_sum`), n, "every message was in one committed batch");
      assert.ok(value(after, `${DURATION}_sum`) > 0);
      assertHistogram(after, DURATION);
      assertHistogram(after, BATCH);
      assert.equal(value(after, "herald_message_commits_failed_total"), 0);
      for (const m of members) await m.s.close();
    } finally {
      await srv.close();
    }
  });

  test("a commit that fails on a held lock is counted, and a commit that waited counts its wait", async () => {
    // Seconds of commit timeout: the commit after the release must not run out of it on a loaded
    // machine; the refusal waits the whole of it.
    const srv = await startServer({ file: true, metricsPort: 0, commitTimeoutMs: 2000 });
    const Sqlite = await loadSqlite();
    try {
      const { s, channelId } = await joinRoom(srv, uniqueName("room"));
      const send = (tag: string) =>
        s.request("channelMessageSend", { channelId, content: JSON.stringify({ tag }), clientMsgId: tag });

      // Another connection holds the write lock past the commit timeout: the batch fails.
      const holder = new Sqlite(srv.dbPath);
      holder.exec("BEGIN IMMEDIATE");
      const refused = await send("refused");
      assert.equal(refused.kind, "error", JSON.stringify(refused));
      let samples = await scrape(srv);
      assert.equal(value(samples, "herald_message_commits_failed_total"), 1);
      assert.equal(value(samples, `${DURATION}_count`), 0, "a failed commit is not timed as a commit");
      assert.equal(value(samples, 'herald_refusals_total{code="disconnected"}'), 1);

      // Released within the timeout: the batch commits, and its duration includes the wait.
      const readBefore = value(samples, "herald_messages_in_total");
      const waited = send("waited");
      // The lock is held 150 ms from when the server read the send (its commit is tried in that
      // turn), however late a busy machine reads it.
      for (let i = 0; i < 500 && value(await scrape(srv), "herald_messages_in_total") === readBefore; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 150));
      holder.exec("COMMIT");
      holder.close();
      assert.equal((await waited).kind, "channelMessageAck");
      samples = await scrape(srv);
      assert.equal(value(samples, "herald_message_commits_failed_total"), 1);
      assert.equal(value(samples, `${DURATION}_count`), 1);
      assert.equal(value(samples, `${DURATION}_bucket{le="0.1"}`), 0, "the lock was held 150 ms of it");
      assert.ok(value(samples, `${DURATION}_sum`) >= 0.1);
      await s.close();
    } finally {
      await srv.close();
    }
  });
});
