// One socket's back-to-back sends share commits, on either storage engine, while every guarantee of
// one-at-a-time handling holds: replies in request order, stored and delivered order equal to the
// send order, refusals alone in their place, other requests seeing the sends before them.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { Envelope } from "../../src/gen/wire.js";
import { postgresSkipReason } from "../helpers/postgres.js";
import {
  authenticate,
  openSocket,
  type RawSocket,
  rest,
  startServer,
  type TestServer,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { postgresDatabase } from "../helpers/test-db.js";

const engines = [
  { name: "SQLite", skip: undefined, db: async () => undefined },
  { name: "PostgreSQL", skip: postgresSkipReason(), db: postgresDatabase },
] as const;

/** Reads one Prometheus sample of the server's metrics endpoint. */
async function metric(srv: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${srv.server.metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} in\n${text}`);
  return Number(line.slice(name.length + 1));
}

/** The replies among what a socket received (envelopes with a cid), in arrival order. */
function replies(s: RawSocket): Envelope[] {
  return s.received.filter((e) => e.cid !== undefined);
}

/** Message ids a socket was pushed in a channel, in arrival order. */
function pushedIds(s: RawSocket, channelId: string): string[] {
  return s.received
    .filter((e) => e.kind === "channelMessage" && e.body.channelId === channelId)
    .map((e) => (e.body as { messageId: string }).messageId);
}

/** A channel's stored message ids, oldest first. */
async function historyIds(srv: TestServer, user: TestUser, channelId: string): Promise<string[]> {
  const res = await rest(srv.url, "GET", `/v2/channel/${channelId}?limit=100&forward=true`, {
    token: user.token,
  });
  assert.equal(res.status, 200);
  return ((res.body.messages ?? []) as { message_id: string }[]).map((m) => m.message_id);
}

/** Checks that a socket's last `n` replies came in the order of their requests (cids ascending). */
function assertRepliesInOrder(s: RawSocket, n: number): void {
  const cids = replies(s)
    .map((e) => Number(e.cid))
    .slice(-n);
  assert.deepEqual(
    cids,
    [...cids].sort((a, b) => a - b),
    "replies in request order",
  );
}

function ackIds(answers: Envelope[]): string[] {
  return answers.flatMap((e) => (e.kind === "channelMessageAck" ? [e.body.messageId] : []));
}

for (const engine of engines) {
  describe(`back-to-back sends of one socket on ${engine.name}`, { skip: engine.skip }, () => {
    let srv: TestServer;
    before(async () => {
      const db = await engine.db();
      // SQLite on a file: a test opens it beside the server.
      srv = await startServer({ metricsPort: 0, ...(db === undefined ? { file: true } : { db }) });
    });
    after(() => srv?.close());

    /** Two members of a fresh room: `sender` sends, `reader` watches. */
    async function room() {
      const [senderUser, readerUser] = await Promise.all([authenticate(srv.url), authenticate(srv.url)]);
      const sender = await openSocket(srv.url, senderUser);
      const reader = await openSocket(srv.url, readerUser);
      const target = uniqueName("room");
      const channelId = (await reader.call("channelJoin", { target, type: 1 }, "channel")).id;
      await sender.call("channelJoin", { target, type: 1 }, "channel");
      return { sender, reader, senderUser, readerUser, channelId };
    }

    test("share commits, and are acked, stored and delivered in the order sent", async () => {
      const { sender, reader, readerUser, channelId } = await room();
      const commitsBefore = await metric(srv, "herald_message_commit_batch_size_count");
      const n = 48;
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          sender.request("channelMessageSend", { channelId, content: JSON.stringify({ i }) }),
        ),
      );
      const commits = (await metric(srv, "herald_message_commit_batch_size_count")) - commitsBefore;
      assert.ok(commits <= n / 4, `${n} sends took ${commits} commits`);
      assert.ok(answers.every((e) => e.kind === "channelMessageAck"));
      assertRepliesInOrder(sender, replies(sender).length);
      const acked = ackIds(answers);
      assert.deepEqual(await historyIds(srv, readerUser, channelId), acked, "stored in send order");
      const last = acked[acked.length - 1] ?? "";
      await reader.next("channelMessage", (m) => m.messageId === last);
      assert.deepEqual(pushedIds(reader, channelId), acked, "delivered in send order");
      assert.deepEqual(pushedIds(sender, channelId), acked);
      await Promise.all([sender.close(), reader.close()]);
    });

    test("the refusal of a request this server does not offer waits for the acks of the sends before it", async () => {
      const { sender, reader, channelId } = await room();
      const sends = Array.from({ length: 8 }, (_, i) =>
        sender.request("channelMessageSend", { channelId, content: JSON.stringify({ i }) }),
      );
      sender.ws.send(JSON.stringify({ cid: "rpc-after-sends", rpc: { id: "reward", payload: "{}" } }));
      await Promise.all(sends);
      await sender.next("error", (e) => e.code === 6);
      const order = replies(sender).map((e) => e.kind);
      assert.deepEqual(order.slice(-9), [...Array(8).fill("channelMessageAck"), "error"]);
      await sender.call("ping", {}, "pong");
      await Promise.all([sender.close(), reader.close()]);
    });

    test("a refused send is refused alone, in its place, and the sends around it succeed", async () => {
      const { sender, reader, readerUser, channelId } = await room();
      const big = JSON.stringify({ pad: "x".repeat(5000) });
      const elsewhere = (await sender.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel"))
        .id;
      await sender.callEmpty("channelLeave", { channelId: elsewhere });
      const bodies = [
        { channelId, content: '{"n":0}' },
        { channelId, content: big },
        { channelId, content: '{"n":2}' },
        { channelId: elsewhere, content: '{"n":3}' },
        { channelId, content: "not json" },
        { channelId, content: '{"n":5}' },
      ];
      const answers = await Promise.all(bodies.map((b) => sender.request("channelMessageSend", b)));
      assert.deepEqual(
        answers.map((e) => e.kind),
        ["channelMessageAck", "error", "channelMessageAck", "error", "error", "channelMessageAck"],
      );
      assertRepliesInOrder(sender, 6);
      const acked = ackIds(answers);
      assert.deepEqual(await historyIds(srv, readerUser, channelId), acked);
      await reader.next("channelMessage", (m) => m.messageId === acked[2]);
      assert.deepEqual(pushedIds(reader, channelId), acked);
      await Promise.all([sender.close(), reader.close()]);
    });

    test("sends past the rate limit are refused in their places, after the acks of those before", async () => {
      const db = await engine.db();
      const limited = await startServer({
        rateLimits: { messages: { burst: 3, perSecond: 0.001 } },
        ...(db !== undefined && { db }),
      });
      try {
        const user = await authenticate(limited.url);
        const s = await openSocket(limited.url, user);
        const channelId = (await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel")).id;
        const answers = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            s.request("channelMessageSend", { channelId, content: JSON.stringify({ i }) }),
          ),
        );
        assert.deepEqual(
          answers.map((e) => e.kind),
          ["channelMessageAck", "channelMessageAck", "channelMessageAck", "error", "error"],
        );
        // The refusals are known at once, the acks only after the commit: they still come in order.
        assertRepliesInOrder(s, 5);
        assert.deepEqual(await historyIds(limited, user, channelId), ackIds(answers));
        await s.close();
      } finally {
        await limited.close();
      }
    });

    test("a request between sends sees the sends before it and precedes the sends after it", async () => {
      const { sender, reader, readerUser, channelId } = await room();
      const other = uniqueName("room");
      const requests = [
        sender.request("channelMessageSend", { channelId, content: '{"n":0}' }),
        sender.request("channelMessageSend", { channelId, content: '{"n":1}' }),
        sender.request("channelJoin", { target: other, type: 1 }),
        sender.request("channelMessageSend", { channelId, content: '{"n":2}' }),
        sender.request("channelLeave", { channelId }),
        // Refused: the leave before it took effect first.
        sender.request("channelMessageSend", { channelId, content: '{"n":3}' }),
      ];
      const answers = await Promise.all(requests);
      assert.deepEqual(
        answers.map((e) => e.kind),
        ["channelMessageAck", "channelMessageAck", "channel", "channelMessageAck", "empty", "error"],
      );
      assertRepliesInOrder(sender, 6);
      const acked = ackIds(answers);
      assert.deepEqual(await historyIds(srv, readerUser, channelId), acked);
      // The reader gets the three messages, then the leave: never a message after its sender left.
      await reader.next("channelPresenceEvent", (e) => e.channelId === channelId && e.leaves.length > 0);
      const seen = reader.received
        .filter(
          (e) =>
            e.kind === "channelMessage" || (e.kind === "channelPresenceEvent" && e.body.leaves.length > 0),
        )
        .map((e) => (e.kind === "channelMessage" ? e.body.messageId : "leave"));
      assert.deepEqual(seen, [...acked, "leave"]);
      await Promise.all([sender.close(), reader.close()]);
    });

    test("a socket that closes with sends in flight: members get exactly the stored messages, in order", async () => {
      const { sender, reader, readerUser, channelId } = await room();
      for (let i = 0; i < 30; i++) {
        sender
          .request("channelMessageSend", { channelId, content: JSON.stringify({ i }) }, 60_000)
          .catch(() => {});
      }
      await sender.close();
      await reader.next("channelPresenceEvent", (e) => e.channelId === channelId && e.leaves.length > 0);
      const stored = await historyIds(srv, readerUser, channelId);
      const last = stored[stored.length - 1];
      if (last !== undefined) await reader.next("channelMessage", (m) => m.messageId === last);
      // Pushes after the last stored one would be messages nobody can find in the history.
      await reader.call("ping", {}, "pong");
      assert.deepEqual(pushedIds(reader, channelId), stored);
      await reader.close();
    });

    test("a batch that fails to commit refuses its sends only, in their places", async () => {
      const { sender, reader, readerUser, channelId } = await room();
      await refuseContent(srv, "boom");
      const first = await Promise.all(
        ["a", "b", "boom", "c", "d"].map((w) =>
          sender.request("channelMessageSend", { channelId, content: JSON.stringify({ w }) }),
        ),
      );
      const refused = first[2];
      assert.equal(refused?.kind, "error");
      assertRepliesInOrder(sender, 5);
      // Sends after the failed batch commit as usual.
      const then = await Promise.all(
        ["e", "f"].map((w) =>
          sender.request("channelMessageSend", { channelId, content: JSON.stringify({ w }) }),
        ),
      );
      assert.deepEqual(
        then.map((e) => e.kind),
        ["channelMessageAck", "channelMessageAck"],
      );
      const acked = ackIds([...first, ...then]);
      assert.deepEqual(await historyIds(srv, readerUser, channelId), acked, "acked = stored, in order");
      await reader.next("channelMessage", (m) => m.messageId === acked[acked.length - 1]);
      assert.deepEqual(pushedIds(reader, channelId), acked, "only stored messages are delivered");
      assert.ok((await metric(srv, "herald_message_commits_failed_total")) >= 1);
      await Promise.all([sender.close(), reader.close()]);
    });
  });
}

/** Makes the server's database refuse any message whose content holds `word`. */
async function refuseContent(srv: TestServer, word: string): Promise<void> {
  if (srv.dbPath.startsWith("postgres")) {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: srv.dbPath });
    await client.connect();
    try {
      await client.query(`CREATE OR REPLACE FUNCTION refuse_word() RETURNS trigger AS $$
        BEGIN IF NEW.content LIKE '%${word}%' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END
        $$ LANGUAGE plpgsql`);
      await client.query(
        "CREATE TRIGGER refuse_word BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_word()",
      );
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(srv.dbPath);
  try {
    db.exec(`CREATE TRIGGER refuse_word BEFORE INSERT ON messages
      WHEN NEW.content LIKE '%${word}%' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
  } finally {
    db.close();
  }
}
