// The storage contract, written once and run against every engine (see storage.test.ts).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { AsyncStorage, NewMessage } from "../../src/server/storage/async-storage.js";

/** A message for `channelId` from `senderId`, with the given client message id. */
export function newMessage(
  channelId: string,
  senderId: string,
  clientMsgId = "",
  at = 1_700_000_000_000,
): NewMessage {
  return {
    id: randomUUID(),
    channel_id: channelId,
    code: 0,
    sender_id: senderId,
    username: `u-${senderId.slice(0, 8)}`,
    content: JSON.stringify({ n: randomUUID() }),
    create_time: at,
    update_time: at,
    client_msg_id: clientMsgId,
    room_name: channelId.startsWith("2...") ? channelId.slice(4) : "",
    group_id: "",
    user_id_one: "",
    user_id_two: "",
  };
}

const isCode = (code: HeraldError["code"]) => (err: unknown) => HeraldError.is(err, code);

/** Reads a storage's own tables, below the interface (each engine its own way). */
export interface StorageProbe {
  /** The rows of `removed_times`: each channel's floor. */
  floors(s: AsyncStorage): Promise<Record<string, number>>;
}

/**
 * Registers the conformance tests for one engine. `open` gives a fresh, empty storage per test;
 * `probe` reads its tables; `skip` (a reason) skips them all, visibly.
 */
export function storageConformance(
  engine: string,
  open: () => Promise<AsyncStorage>,
  probe: StorageProbe,
  skip?: string,
): void {
  describe(`storage conformance: ${engine}`, { skip }, () => {
    const withStorage = (name: string, fn: (s: AsyncStorage) => Promise<void>) =>
      test(name, async () => {
        const s = await open();
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      });

    withStorage(
      "members set in one change are refused whole past max_count; changes that make no member go through",
      async (s) => {
        const creator = randomUUID();
        const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const g = await s.groups.create({
          creatorId: creator,
          name: "small",
          description: "",
          langTag: "en",
          avatarUrl: "",
          open: false,
          maxCount: 3,
        });
        await assert.rejects(
          s.groups.setState(g.id, [a, b, c], 2),
          (e: unknown) => HeraldError.is(e, "bad_input") && e.message === "Group is full.",
        );
        assert.deepEqual(
          (await s.groups.members(g.id)).map((m) => m.user_id),
          [creator],
          "none of the three went in",
        );
        assert.equal((await s.groups.byId(g.id))?.edge_count, 1);
        // A user named twice is one user.
        await s.groups.setState(g.id, [a, b, a], 2);
        assert.equal((await s.groups.byId(g.id))?.edge_count, 3);
        // Full now: a join request, a promotion and a ban make no member and go through.
        await s.groups.setState(g.id, d, 3);
        await s.groups.setState(g.id, a, 1);
        await s.groups.setState(g.id, b, 4);
        assert.equal((await s.groups.byId(g.id))?.edge_count, 2);
        await assert.rejects(s.groups.setState(g.id, [c, d], 2), isCode("bad_input"));
        await s.groups.setState(g.id, d, 2);
        assert.deepEqual(
          (await s.groups.members(g.id)).map((m) => [m.user_id, m.state]),
          [
            [creator, 0],
            [a, 1],
            [d, 2],
          ],
        );
      },
    );

    withStorage("a user is found by id, username, device, custom id and email", async (s) => {
      const u = await s.users.create({
        username: "ana",
        email: "ana@x.io",
        customId: "c-ana",
        deviceId: "dev-ana",
      });
      assert.equal(u.username, "ana");
      assert.equal(u.invisible, 0);
      assert.equal(u.metadata, "{}");
      assert.equal(typeof u.create_time, "number");
      for (const found of [
        await s.users.byId(u.id),
        await s.users.byUsername("ana"),
        await s.users.byDevice("dev-ana"),
        await s.users.byCustomId("c-ana"),
        await s.users.byEmail("ana@x.io"),
      ]) {
        assert.deepEqual(found, u);
      }
      assert.equal(await s.users.byUsername("nobody"), undefined);
      const other = await s.users.create({ username: "bo" });
      const many = await s.users.byIds([other.id, randomUUID(), u.id, u.id]);
      assert.deepEqual(many.map((r) => r.username).sort(), ["ana", "bo"]);
      assert.deepEqual(await s.users.byIds([]), []);
    });

    withStorage(
      "a taken username or device id is refused as already_exists and creates nothing",
      async (s) => {
        await s.users.create({ username: "ana", deviceId: "dev-1" });
        await assert.rejects(s.users.create({ username: "ana" }), isCode("already_exists"));
        await assert.rejects(s.users.create({ username: "bo", deviceId: "dev-1" }), isCode("already_exists"));
        // The device insert failed, so the user row of that attempt must not be left behind.
        assert.equal(await s.users.byUsername("bo"), undefined);
      },
    );

    withStorage("devices are listed sorted bytewise", async (s) => {
      const u = await s.users.create({ username: "ana", deviceId: "b-dev" });
      assert.deepEqual(await s.users.devices(u.id), ["b-dev"]);
      assert.deepEqual(await s.users.devices(randomUUID()), []);
    });

    withStorage("an account update changes only the given fields and refuses a taken username", async (s) => {
      const u = await s.users.create({ username: "ana" });
      await s.users.create({ username: "bo" });
      await s.users.update(u.id, { displayName: "Ana", location: "Lyon", invisible: true });
      const after = await s.users.byId(u.id);
      assert.equal(after?.display_name, "Ana");
      assert.equal(after?.location, "Lyon");
      assert.equal(after?.timezone, "");
      assert.equal(after?.invisible, 1);
      assert.ok((after?.update_time ?? 0) >= u.update_time);
      await assert.rejects(s.users.update(u.id, { username: "bo" }), isCode("already_exists"));
      await s.users.update(u.id, {});
      assert.equal((await s.users.byId(u.id))?.username, "ana");
    });

    withStorage("last_active moves for everyone, public_last_active only while visible", async (s) => {
      const a = await s.users.create({ username: "ana" });
      const b = await s.users.create({ username: "bo" });
      await s.users.touchLastActive([a.id, b.id], 1000);
      await s.users.update(b.id, { invisible: true });
      await s.users.touchLastActive(new Set([a.id, b.id]), 2000);
      const [ra, rb] = [await s.users.byId(a.id), await s.users.byId(b.id)];
      assert.deepEqual([ra?.last_active, ra?.public_last_active], [2000, 2000]);
      assert.deepEqual([rb?.last_active, rb?.public_last_active], [2000, 1000]);
      // An older stamp committed late (one node's close after another's connect) changes nothing.
      await s.users.touchLastActive([a.id], 1500);
      const late = await s.users.byId(a.id);
      assert.deepEqual([late?.last_active, late?.public_last_active], [2000, 2000]);
      await s.users.touchLastActive([], 3000);
    });

    withStorage("a revocation keeps its latest expiry and is forgotten once expired", async (s) => {
      await s.tokens.revoke("t1", 500);
      await s.tokens.revoke("t1", 100);
      await s.tokens.revoke("t2", 50);
      const revoked = (tid: string, after: number) => s.tokens.anyRevoked([{ tid, after }]);
      assert.equal(await revoked("t1", 400), true);
      assert.equal(await revoked("t1", 500), false);
      assert.equal(await revoked("t3", 0), false);
      assert.deepEqual(await s.tokens.listRevoked(60), [{ tid: "t1", exp: 500 }]);
      assert.equal(await revoked("t2", 0), false, "t2 was pruned");
      // Several checks in one read: any one that holds is enough, each with its own time.
      assert.equal(await s.tokens.anyRevoked([]), false);
      assert.equal(
        await s.tokens.anyRevoked([
          { tid: "t3", after: 0 },
          { tid: "t1", after: 400 },
        ]),
        true,
      );
      assert.equal(
        await s.tokens.anyRevoked([
          { tid: "t1", after: 500 },
          { tid: "t3", after: 0 },
        ]),
        false,
      );
    });

    withStorage(
      "messages sent in one turn get growing seqs in call order, readable once acked",
      async (s) => {
        const ch = "2...lobby";
        const sender = randomUUID();
        const sent = Array.from({ length: 30 }, () => newMessage(ch, sender));
        const acks = await Promise.all(sent.map((m) => s.messages.insert(m)));
        const seqs = acks.map((a) => a.row.seq);
        assert.deepEqual(
          acks.map((a) => [a.row.id, a.duplicate]),
          sent.map((m) => [m.id, false]),
        );
        for (let i = 1; i < seqs.length; i++) assert.ok((seqs[i] as number) > (seqs[i - 1] as number));
        const listed = await s.messages.after(ch, 0, 100);
        assert.deepEqual(
          listed.map((r) => r.id),
          sent.map((m) => m.id),
        );
        assert.deepEqual(listed[0], acks[0]?.row);
      },
    );

    withStorage(
      "a message is stored no older than the one before it in its channel, in a batch and across batches",
      async (s) => {
        const ch = "2...clocks";
        const times = (rows: { create_time: number; update_time: number }[]) =>
          rows.map((r) => [r.create_time, r.update_time]);
        // A clock stepped back between two turns (or another node's, behind this one's).
        const first = await s.messages.insert(newMessage(ch, "sender", "", 5000));
        const behind = await s.messages.insert(newMessage(ch, "sender", "", 4000));
        assert.deepEqual(times([first.row, behind.row]), [
          [5000, 5000],
          [5000, 5000],
        ]);
        // In one batch: each row no older than the rows before it; other channels keep their own.
        const batch = await Promise.all([
          s.messages.insert(newMessage(ch, "sender", "", 7000)),
          s.messages.insert(newMessage(ch, "sender", "", 6000)),
          s.messages.insert(newMessage("2...elsewhere", "sender", "", 1000)),
          s.messages.insert(newMessage(ch, "sender", "", 8000)),
        ]);
        assert.deepEqual(times(batch.map((b) => b.row)), [
          [7000, 7000],
          [7000, 7000],
          [1000, 1000],
          [8000, 8000],
        ]);
        // What was stored is what the inserts answered, in history order.
        assert.deepEqual(times(await s.messages.after(ch, 0, 10)), [
          [5000, 5000],
          [5000, 5000],
          [7000, 7000],
          [7000, 7000],
          [8000, 8000],
        ]);
      },
    );

    withStorage(
      "a repeated client message id in a batch raises the times of no message after it",
      async (s) => {
        const ch = "2...repeats";
        const times = (rows: { create_time: number; update_time: number }[]) =>
          rows.map((r) => [r.create_time, r.update_time]);
        const original = await s.messages.insert(newMessage(ch, "sender", "once", 5000));
        // The repeats carry later times (a resend from a clock ahead): they store nothing, so the
        // messages after them keep their own times.
        const batch = await Promise.all([
          s.messages.insert(newMessage(ch, "sender", "once", 9000)),
          s.messages.insert(newMessage(ch, "sender", "", 6000)),
          s.messages.insert(newMessage(ch, "sender", "twice", 6500)),
          s.messages.insert(newMessage(ch, "sender", "twice", 9500)),
          s.messages.insert(newMessage(ch, "sender", "", 7000)),
        ]);
        assert.deepEqual(
          batch.map((b) => b.duplicate),
          [true, false, false, true, false],
        );
        assert.equal(batch[0]?.row.id, original.row.id);
        assert.deepEqual(times(batch.map((b) => b.row)), [
          [5000, 5000],
          [6000, 6000],
          [6500, 6500],
          [6500, 6500],
          [7000, 7000],
        ]);
        assert.deepEqual(times(await s.messages.after(ch, 0, 10)), [
          [5000, 5000],
          [6000, 6000],
          [6500, 6500],
          [7000, 7000],
        ]);
      },
    );

    withStorage(
      "a message is stored no older than a message removed before it from its channel",
      async (s) => {
        const ch = "2...removed";
        const times = (rows: { create_time: number; update_time: number }[]) =>
          rows.map((r) => [r.create_time, r.update_time]);
        await s.messages.insert(newMessage(ch, "sender", "", 5000));
        const newest = await s.messages.insert(newMessage(ch, "sender", "", 7000));
        // A reader may hold the removed message as the last it has, and read back to its time.
        await s.messages.delete(newest.row.seq);
        const behind = await s.messages.insert(newMessage(ch, "sender", "", 6000));
        assert.deepEqual(times([behind.row]), [[7000, 7000]]);
        // Removing an older message lowers nothing; other channels keep their own times.
        const older = await s.messages.insert(newMessage(ch, "sender", "", 1000));
        await s.messages.delete(older.row.seq);
        const [later, elsewhere] = await Promise.all([
          s.messages.insert(newMessage(ch, "sender", "", 6500)),
          s.messages.insert(newMessage("2...removed-elsewhere", "sender", "", 1000)),
        ]);
        assert.deepEqual(times([later.row, elsewhere.row]), [
          [7000, 7000],
          [1000, 1000],
        ]);
        assert.deepEqual(times(await s.messages.after(ch, 0, 10)), [
          [5000, 5000],
          [7000, 7000],
          [7000, 7000],
        ]);
      },
    );

    withStorage("history pages both ways by seq, never skipping or repeating a message", async (s) => {
      const ch = "2...paging";
      const sender = randomUUID();
      const ids: string[] = [];
      // Same millisecond for all, spread over several turns.
      for (let turn = 0; turn < 5; turn++) {
        const batch = Array.from({ length: 5 }, () => newMessage(ch, sender));
        await Promise.all(batch.map((m) => s.messages.insert(m)));
        ids.push(...batch.map((m) => m.id));
      }
      await s.messages.insert(newMessage("2...other", sender));
      const forward: string[] = [];
      let cursor = 0;
      for (;;) {
        const page = await s.messages.after(ch, cursor, 10);
        forward.push(...page.map((r) => r.id));
        const last = page.at(-1);
        if (last === undefined || !(await s.messages.existsAfter(ch, last.seq))) break;
        cursor = last.seq;
      }
      assert.deepEqual(forward, ids);
      const backward: string[] = [];
      cursor = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const page = await s.messages.before(ch, cursor, 10);
        backward.push(...page.map((r) => r.id));
        const last = page.at(-1);
        if (last === undefined || !(await s.messages.existsBefore(ch, last.seq))) break;
        cursor = last.seq;
      }
      assert.deepEqual(backward, [...ids].reverse());
      assert.equal(await s.messages.existsAfter(ch, Number.MAX_SAFE_INTEGER), false);
      assert.deepEqual(await s.messages.before("2...empty", Number.MAX_SAFE_INTEGER, 10), []);
    });

    withStorage(
      "a repeated client message id of one sender in one channel stores one message and returns it",
      async (s) => {
        const ch = "2...dedup";
        const ana = randomUUID();
        const bo = randomUUID();
        const first = await s.messages.insert(newMessage(ch, ana, "cm-1"));
        assert.equal(first.duplicate, false);
        // Again later, and again twice within one turn: always the original.
        const again = await s.messages.insert(newMessage(ch, ana, "cm-1"));
        assert.deepEqual(again, { row: first.row, duplicate: true });
        const [x, y] = await Promise.all([
          s.messages.insert(newMessage(ch, ana, "cm-2")),
          s.messages.insert(newMessage(ch, ana, "cm-2")),
        ]);
        assert.equal(x?.duplicate, false);
        assert.deepEqual(y, { row: x?.row, duplicate: true });
        // In another channel the same id is another message.
        const elsewhere = await s.messages.insert(newMessage("2...elsewhere", ana, "cm-1"));
        assert.equal(elsewhere.duplicate, false);
        assert.notEqual(elsewhere.row.id, first.row.id);
        assert.deepEqual(await s.messages.byClientId(ana, "2...elsewhere", "cm-1"), elsewhere.row);
        // Another sender may use the same id.
        const other = await s.messages.insert(newMessage(ch, bo, "cm-1"));
        assert.equal(other.duplicate, false);
        assert.deepEqual(await s.messages.byClientId(ana, ch, "cm-1"), first.row);
        assert.equal((await s.messages.after(ch, 0, 100)).length, 3);
      },
    );

    withStorage(
      "each insert tells the seq of its channel's message before it, chaining a batch's messages of one channel",
      async (s) => {
        const lobby = "2...chain-lobby";
        const other = "2...chain-other";
        const sender = randomUUID();
        const first = await s.messages.insert(newMessage(lobby, sender));
        assert.equal(first.duplicate, false);
        assert.equal(
          first.duplicate === false && first.prevSeq,
          0,
          "the first message of a channel has none",
        );
        // One batch (one turn), two channels interleaved, and a repeated client message id.
        const sent = [
          newMessage(lobby, sender, "c-1"),
          newMessage(other, sender),
          newMessage(lobby, sender, "c-1"),
          newMessage(lobby, sender),
          newMessage(other, sender),
        ];
        const results = await Promise.all(sent.map((m) => s.messages.insert(m)));
        const chain = (r: (typeof results)[number] | undefined) =>
          r === undefined || r.duplicate ? "duplicate" : [r.prevSeq, r.row.seq];
        const [a, b, dup, c, d] = results.map(chain);
        assert.equal(dup, "duplicate");
        assert.deepEqual(a, [first.row.seq, results[0]?.row.seq]);
        assert.deepEqual(c, [results[0]?.row.seq, results[3]?.row.seq]);
        assert.deepEqual(b, [0, results[1]?.row.seq]);
        assert.deepEqual(d, [results[1]?.row.seq, results[4]?.row.seq]);
        // A later batch continues from the newest stored message, whatever seqs other channels took.
        const later = await s.messages.insert(newMessage(lobby, sender));
        assert.deepEqual(chain(later), [results[3]?.row.seq, later.row.seq]);
        // Every prevSeq is the message history lists just before.
        const history = await s.messages.after(lobby, 0, 10);
        assert.deepEqual(
          history.map((r) => r.seq),
          [first.row.seq, results[0]?.row.seq, results[3]?.row.seq, later.row.seq],
        );
      },
    );

    withStorage("a message is found by id in its channel, edited and removed", async (s) => {
      const ch = "2...edit";
      const { row } = await s.messages.insert(newMessage(ch, randomUUID()));
      assert.deepEqual(await s.messages.byId(ch, row.id), row);
      assert.equal(await s.messages.byId("2...elsewhere", row.id), undefined);
      await s.messages.updateContent(row.seq, '{"edited":true}', row.update_time + 5);
      const edited = await s.messages.byId(ch, row.id);
      assert.equal(edited?.content, '{"edited":true}');
      assert.equal(edited?.update_time, row.update_time + 5);
      assert.equal(edited?.create_time, row.create_time);
      await s.messages.delete(row.seq);
      assert.equal(await s.messages.byId(ch, row.id), undefined);
      assert.deepEqual(await s.messages.after(ch, 0, 10), []);
    });

    withStorage("a group starts with its creator as superadmin and refuses a taken name", async (s) => {
      const creator = randomUUID();
      const fields = {
        creatorId: creator,
        name: "Guild",
        description: "d",
        langTag: "",
        avatarUrl: "",
        open: true,
        maxCount: 50,
      };
      const g = await s.groups.create(fields);
      assert.equal(g.lang_tag, "en");
      assert.equal(g.open, 1);
      assert.equal(g.max_count, 50);
      assert.deepEqual(await s.groups.byId(g.id), g);
      assert.deepEqual(await s.groups.byName("Guild"), g);
      assert.equal(await s.groups.stateOf(g.id, creator), 0);
      assert.equal((await s.groups.byId(g.id))?.edge_count, 1, "the creator is the one member");
      await assert.rejects(s.groups.create({ ...fields, creatorId: randomUUID() }), isCode("already_exists"));
      await s.groups.update(g.id, { description: "new", open: false });
      const updated = await s.groups.byId(g.id);
      assert.equal(updated?.description, "new");
      assert.equal(updated?.open, 0);
      assert.equal(updated?.name, "Guild");
    });

    withStorage("members keep their join order through state changes; bans are not listed", async (s) => {
      const creator = randomUUID();
      const g = await s.groups.create({
        creatorId: creator,
        name: "g",
        description: "",
        langTag: "en",
        avatarUrl: "",
        open: false,
        maxCount: 10,
      });
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await s.groups.setState(g.id, a, 3);
      await s.groups.setState(g.id, b, 2);
      await s.groups.setState(g.id, c, 2);
      await s.groups.setState(g.id, a, 2);
      await s.groups.setState(g.id, b, 4);
      assert.deepEqual(
        (await s.groups.members(g.id)).map((m) => [m.user_id, m.state]),
        [
          [creator, 0],
          [a, 2],
          [c, 2],
        ],
      );
      assert.deepEqual(
        (await s.groups.members(g.id, 4)).map((m) => m.user_id),
        [b],
      );
      assert.equal((await s.groups.members(g.id)).filter((m) => m.state <= 2).length, 3);
      assert.equal((await s.groups.byId(g.id))?.edge_count, 3, "the stored member count follows");
      await s.groups.removeMember(g.id, c);
      assert.equal(await s.groups.stateOf(g.id, c), undefined);
      assert.equal((await s.groups.byId(g.id))?.edge_count, 2);
      const g2 = await s.groups.create({
        creatorId: a,
        name: "h",
        description: "",
        langTag: "en",
        avatarUrl: "",
        open: true,
        maxCount: 10,
      });
      assert.deepEqual(
        (await s.groups.groupsOf(a)).map((x) => [x.group.id, x.state]),
        [
          [g.id, 2],
          [g2.id, 0],
        ],
      );
      assert.deepEqual(
        (await s.groups.groupsOf(a, 0)).map((x) => x.group.name),
        ["h"],
      );
      assert.deepEqual(await s.groups.groupsOf(b), []);
      await s.groups.delete(g.id);
      assert.equal(await s.groups.byId(g.id), undefined);
      assert.equal(await s.groups.stateOf(g.id, a), undefined);
      assert.deepEqual(await s.groups.members(g.id), []);
    });

    withStorage("groups list in stock's orders from a position, the id breaking ties", async (s) => {
      const made = [];
      for (let i = 0; i < 6; i++) {
        made.push(
          await s.groups.create({
            creatorId: randomUUID(),
            name: `o-${i}`,
            description: "",
            langTag: i < 3 ? "xa" : "xb",
            avatarUrl: "",
            open: true,
            maxCount: 10,
          }),
        );
      }
      const [first, second] = made;
      assert.ok(first && second);
      await s.groups.setState(first.id, randomUUID(), 2);
      await s.groups.setState(second.id, randomUUID(), 3);
      const joined = await s.groups.byId(first.id);
      assert.equal(joined?.edge_count, 2);
      assert.ok((joined?.update_time ?? 0) >= first.update_time);
      assert.equal((await s.groups.byId(second.id))?.edge_count, 1, "a join request is not a member");
      // A language alone: the fewest members first, then by id.
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      const xa = made.slice(0, 3);
      const expected = [...xa.slice(1).sort(byId), first].map((g) => g.id);
      const all = await s.groups.listOrdered({ langTag: "xa" }, undefined, 100);
      assert.deepEqual(
        all.map((g) => g.id),
        expected,
      );
      const from = all[0];
      assert.ok(from);
      assert.deepEqual(
        (await s.groups.listOrdered({ langTag: "xa" }, [from.edge_count, from.id], 100)).map((g) => g.id),
        expected.slice(1),
      );
      // Open groups with exactly one member, the highest language tag first, then the highest id.
      const single = made.filter((g) => g.id !== first.id);
      const desc = [...single].sort((a, b) =>
        a.lang_tag === b.lang_tag ? -byId(a, b) : a.lang_tag < b.lang_tag ? 1 : -1,
      );
      assert.deepEqual(
        (await s.groups.listOrdered({ langTag: "", open: true, members: 1 }, undefined, 100)).map(
          (g) => g.id,
        ),
        desc.map((g) => g.id),
      );
    });

    withStorage(
      "groups list by case-insensitive LIKE pattern in bytewise name order, paged by name",
      async (s) => {
        const names = ["team-b", "Team-A", "team-a", "team_z", "team-é", "other"];
        for (const name of names) {
          await s.groups.create({
            creatorId: randomUUID(),
            name,
            description: "",
            langTag: "en",
            avatarUrl: "",
            open: true,
            maxCount: 10,
          });
        }
        const all = (await s.groups.list("team%", "", 100)).map((g) => g.name);
        assert.deepEqual(all, ["Team-A", "team-a", "team-b", "team-é", "team_z"]);
        // "_" stands for any one character, as in LIKE.
        assert.deepEqual(
          (await s.groups.list("team_a", "", 100)).map((g) => g.name),
          ["Team-A", "team-a"],
        );
        assert.deepEqual(
          (await s.groups.list("team%", "team-a", 2)).map((g) => g.name),
          ["team-b", "team-é"],
        );
        assert.deepEqual(
          (await s.groups.list("", "", 100)).map((g) => g.name),
          ["Team-A", "other", "team-a", "team-b", "team-é", "team_z"],
        );
      },
    );

    withStorage("a friend edge keeps its place in its list when its state changes", async (s) => {
      const me = randomUUID();
      const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await s.friends.set(me, a, 1);
      await s.friends.set(me, b, 0);
      await s.friends.set(me, c, 3);
      await s.friends.set(me, d, 1);
      await s.friends.set(me, a, 0);
      const start = { state: 0, seq: 0 };
      const all = await s.friends.list(me, undefined, start, 10);
      // By state, then by when each edge was made: a became a friend after b, and stays first.
      assert.deepEqual(
        all.map((e) => [e.dest_id, e.state]),
        [
          [a, 0],
          [b, 0],
          [d, 1],
          [c, 3],
        ],
      );
      assert.deepEqual(
        (await s.friends.list(me, undefined, start, 2)).map((e) => e.dest_id),
        [a, b],
      );
      // From a place on, that edge included.
      const [, second, third] = all as [
        unknown,
        { state: number; seq: number },
        { state: number; seq: number },
      ];
      assert.deepEqual(
        (await s.friends.list(me, undefined, second, 10)).map((e) => e.dest_id),
        [b, d, c],
      );
      assert.deepEqual(
        (await s.friends.list(me, undefined, { state: second.state, seq: second.seq + 1 }, 2)).map(
          (e) => e.dest_id,
        ),
        [d, c],
      );
      // One state: a place in an earlier state starts at its first edge, a later one lists nothing.
      assert.deepEqual(
        (await s.friends.list(me, 0, start, 10)).map((e) => e.dest_id),
        [a, b],
      );
      assert.deepEqual(
        (await s.friends.list(me, 0, second, 10)).map((e) => e.dest_id),
        [b],
      );
      assert.deepEqual(
        (await s.friends.list(me, 1, second, 10)).map((e) => e.dest_id),
        [d],
      );
      assert.deepEqual(await s.friends.list(me, 0, third, 10), []);
      assert.deepEqual(await s.friends.list(me, 2, start, 10), []);
      await s.friends.remove(me, d);
      // Every edge counts, the block too, as stock counts a user's edge_count.
      assert.equal(await s.friends.edgeCount(me), 3);
      assert.equal((await s.friends.edge(me, c))?.state, 3);
      await s.friends.remove(me, c);
      assert.equal(await s.friends.edge(me, c), undefined);
      assert.equal(await s.friends.edgeCount(me), 2);
      assert.equal(await s.friends.edgeCount(randomUUID()), 0);
    });

    withStorage(
      "notifications list after a seq, oldest first, and only their owner deletes them",
      async (s) => {
        const [ana, bo] = [randomUUID(), randomUUID()];
        const made = [];
        for (const [i, user] of [ana, bo, ana, ana].entries()) {
          made.push(
            await s.notifications.insert({
              id: randomUUID(),
              user_id: user,
              subject: `s${i}`,
              content: "{}",
              code: -1,
              sender_id: bo,
              create_time: 1000 + i,
            }),
          );
        }
        for (let i = 1; i < made.length; i++) assert.ok((made[i]?.seq ?? 0) > (made[i - 1]?.seq ?? 0));
        const listed = await s.notifications.list(ana, 0, 10);
        assert.deepEqual(listed, [made[0], made[2], made[3]]);
        assert.deepEqual(await s.notifications.list(ana, made[2]?.seq ?? 0, 10), [made[3]]);
        await s.notifications.delete(bo, [made[0]?.id ?? ""]);
        assert.equal((await s.notifications.list(ana, 0, 10)).length, 3, "not bo's to delete");
        await s.notifications.delete(ana, [made[0]?.id ?? "", made[3]?.id ?? ""]);
        assert.deepEqual(await s.notifications.list(ana, 0, 10), [made[2]]);
        await s.notifications.delete(ana, []);
      },
    );

    withStorage("a pending notification is found by user, sender and code until deleted", async (s) => {
      const [ana, bo] = [randomUUID(), randomUUID()];
      assert.equal(await s.notifications.has(ana, bo, -2), false);
      const row = await s.notifications.insert({
        id: randomUUID(),
        user_id: ana,
        subject: "chat?",
        content: "{}",
        code: -2,
        sender_id: bo,
        create_time: 1000,
      });
      assert.equal(await s.notifications.has(ana, bo, -2), true);
      assert.equal(await s.notifications.has(ana, bo, -3), false, "another code");
      assert.equal(await s.notifications.has(bo, ana, -2), false, "the other way round");
      await s.notifications.delete(ana, [row.id]);
      assert.equal(await s.notifications.has(ana, bo, -2), false);
    });

    withStorage("history by creation time (stock 3.26 cursors) and per-channel counts", async (s) => {
      const ch = "2...timed";
      const other = "2...quiet";
      const at = [1000, 1500, 2000, 2000, 2600];
      const rows = [];
      for (const t of at) rows.push((await s.messages.insert(newMessage(ch, "sender", "", t))).row);
      const otherSeq = (await s.messages.insert(newMessage(other, "sender"))).row.seq;
      const ids = (list: { id: string }[]) => list.map((r) => r.id);
      assert.deepEqual(ids(await s.messages.fromTime(ch, 2000, 10)), ids(rows.slice(2)));
      assert.deepEqual(ids(await s.messages.fromTime(ch, 0, 2)), ids(rows.slice(0, 2)));
      assert.deepEqual(ids(await s.messages.beforeTime(ch, 2000, 10)), ids(rows.slice(0, 2).reverse()));
      const newest = rows.at(-1)?.seq ?? 0;
      assert.deepEqual(await s.messages.count(ch), { count: 5, newest });
      assert.deepEqual(await s.messages.count("2...none"), { count: 0, newest: 0 });
      // The channel with the newest message comes first, each with its newest seq.
      assert.deepEqual(await s.messages.busiestChannels(10), [
        { channelId: other, count: 1, newest: otherSeq },
        { channelId: ch, count: 5, newest },
      ]);
      assert.deepEqual(await s.messages.busiestChannels(1), [
        { channelId: other, count: 1, newest: otherSeq },
      ]);
    });

    withStorage("retention deletes by age and keeps the newest messages of each channel", async (s) => {
      const now = 1_700_000_100_000;
      const busy = [];
      for (let i = 0; i < 6; i++) {
        busy.push((await s.messages.insert(newMessage("2...busy", "sender", "", now - 1000 * (6 - i)))).row);
      }
      const old = (await s.messages.insert(newMessage("2...old", "sender", "", now - 90_000))).row;
      const fresh = (await s.messages.insert(newMessage("2...old", "sender", "", now - 1_000))).row;
      assert.equal(await s.messages.prune({}, now), 0, "no limits: nothing goes");
      assert.equal(await s.messages.prune({ maxAgeSec: 60 }, now), 1);
      assert.equal(await s.messages.byId("2...old", old.id), undefined);
      assert.notEqual(await s.messages.byId("2...old", fresh.id), undefined);
      assert.equal(await s.messages.prune({ maxPerChannel: 4 }, now), 2);
      const kept = await s.messages.after("2...busy", 0, 10);
      assert.deepEqual(
        kept.map((r) => r.id),
        busy.slice(2).map((r) => r.id),
      );
      assert.equal(
        await s.messages.prune({ maxAgeSec: 60, maxPerChannel: 4 }, now),
        0,
        "nothing left to cut",
      );
    });

    withStorage(
      "retention by age keeps the time of a channel's newest message it deletes as the channel's floor",
      async (s) => {
        const now = 1_700_000_100_000;
        const times = (rows: { create_time: number; update_time: number }[]) =>
          rows.map((r) => [r.create_time, r.update_time]);
        await s.messages.insert(newMessage("2...aged", "sender", "", now - 90_000));
        await s.messages.insert(newMessage("2...aged", "sender", "", now - 80_000));
        await s.messages.insert(newMessage("2...kept", "sender", "", now - 90_000));
        await s.messages.insert(newMessage("2...kept", "sender", "", now - 1_000));
        assert.equal(await s.messages.prune({ maxAgeSec: 60 }, now), 3);
        // A reader may hold the newest message deleted as the last it has, and read back to its
        // time; a channel that keeps a later message needs no floor.
        assert.deepEqual(await probe.floors(s), { "2...aged": now - 80_000 });
        const behind = await s.messages.insert(newMessage("2...aged", "sender", "", now - 100_000));
        assert.deepEqual(times([behind.row]), [[now - 80_000, now - 80_000]]);
        // That message now bounds later ones by itself: the next pass forgets the floor.
        assert.equal(await s.messages.prune({}, now), 0);
        assert.deepEqual(await probe.floors(s), {});
      },
    );

    withStorage(
      "a channel's floor is kept only while it can matter: no message at or after it, the channel not gone",
      async (s) => {
        const ch = "2...floors";
        const older = await s.messages.insert(newMessage(ch, "sender", "", 5000));
        const newest = await s.messages.insert(newMessage(ch, "sender", "", 7000));
        await s.messages.delete(older.row.seq);
        assert.deepEqual(await probe.floors(s), {}, "a later message remains: no floor");
        await s.messages.delete(newest.row.seq);
        assert.deepEqual(await probe.floors(s), { [ch]: 7000 });
        const behind = await s.messages.insert(newMessage(ch, "sender", "", 6000));
        assert.equal(behind.row.create_time, 7000);
        // A pass with no retention limits still forgets floors that no longer matter.
        assert.equal(await s.messages.prune({}, 8000), 0);
        assert.deepEqual(await probe.floors(s), {});

        // A deleted group's channel: nobody can join it again.
        const group = await s.groups.create({
          creatorId: randomUUID(),
          name: "floored",
          description: "",
          langTag: "en",
          avatarUrl: "",
          open: true,
          maxCount: 10,
        });
        const inGroup = await s.messages.insert(newMessage(`3.${group.id}..`, "sender", "", 5000));
        await s.messages.delete(inGroup.row.seq);
        const gone = await s.messages.insert(newMessage(`3.${randomUUID()}..`, "sender", "", 5000));
        await s.messages.delete(gone.row.seq);
        const room = await s.messages.insert(newMessage("2...quiet", "sender", "", 5000));
        await s.messages.delete(room.row.seq);
        assert.deepEqual(Object.keys(await probe.floors(s)).length, 3);
        await s.groups.delete(group.id);
        assert.deepEqual(
          Object.keys(await probe.floors(s)).sort(),
          ["2...quiet", gone.row.channel_id].sort(),
        );
        // A floor left by a group deleted earlier goes at the next pass; a room's stays.
        await s.messages.prune({}, 8000);
        assert.deepEqual(await probe.floors(s), { "2...quiet": 5000 });
      },
    );

    withStorage("the shared token secret is the first one stored", async (s) => {
      assert.equal(await s.tokens.sharedSecret("first"), "first");
      assert.equal(await s.tokens.sharedSecret("second"), "first");
    });
  });
}
