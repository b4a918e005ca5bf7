// Listing groups (`GET /v2/group`) in stock Nakama 3.26's orders, in both server modes: with no
// filter the least recently updated group first, a group's update time moving whenever its
// member count changes or it is updated; each combination of language, size and open filters in
// stock's order for it; and cursors that page through groups tied on every key but the id, with
// none skipped or repeated. herald listed every one of these by name.
//
// Each test looks at the groups it made, in the order the server lists them among all its groups,
// so that it holds on a server other tests use too (HERALD_TEST_STOCK_URL, a real stock server).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Group } from "../../src/index.js";
import { rest, serverWithClient, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { externalStockServer } from "../helpers/stock-server.js";
import { type GroupFilters, groupPages } from "./group-pages.js";

const ids = (groups: readonly Group[]) => groups.map((g) => g.id);

/** The ids of `groups` that are among `made`, in the order listed. */
const ours = (groups: readonly Group[], made: readonly Group[]) => {
  const mine = new Set(ids(made));
  return ids(groups).filter((id) => mine.has(id));
};

const external = externalStockServer() !== undefined;

/** Page sizes to list with: a page of one only on the bundled server, which holds few groups. */
const pageSizes = external ? [100, 7] : [100, 4, 1];

/**
 * How long to wait for a change to show in update times: a real stock server sends them in whole
 * seconds (herald in milliseconds), though it orders by its finer stored time.
 */
const TICK_MS = external ? 1100 : 3;

/**
 * Whether `filters` list in an order that reads update times, which a real stock server orders by
 * a finer time than it sends: there the test checks which groups are listed, each once, not
 * their order.
 */
const timeOrdered = (f: GroupFilters) =>
  f.langTag === undefined && !(f.open !== undefined && f.members !== undefined);

/** Compares two groups key by key, the id last: the keys of stock's order for `filters`. */
function stockOrder(filters: GroupFilters): (a: Group, b: Group) => number {
  const time = (g: Group) => g.updateTime?.getTime() ?? 0;
  const size = (g: Group) => g.edgeCount ?? 0;
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const up = (...cmps: number[]) => cmps.find((c) => c !== 0) ?? 0;
  const { langTag, members, open } = filters;
  if (open !== undefined && langTag === undefined && members !== undefined) {
    // Exactly that many members, the highest language tag first.
    return (a, b) => -up(text(a.langTag ?? "", b.langTag ?? ""), text(a.id, b.id));
  }
  if (langTag !== undefined) {
    const bySize = (a: Group, b: Group) => up(size(a) - size(b), text(a.id, b.id));
    // A language alone: the fewest members first; with anything else, the most.
    return open === undefined && members === undefined ? bySize : (a, b) => -bySize(a, b);
  }
  if (members !== undefined) return (a, b) => -up(size(a) - size(b), time(a) - time(b), text(a.id, b.id));
  return (a, b) => up(time(a) - time(b), size(a) - size(b), text(a.id, b.id));
}

/** Whether a group passes `filters` as stock reads them. */
function passes(g: Group, filters: GroupFilters): boolean {
  const { langTag, members, open } = filters;
  if (langTag !== undefined && g.langTag !== langTag) return false;
  if (open !== undefined && g.open !== open) return false;
  if (members === undefined) return true;
  const exact = open !== undefined && langTag === undefined;
  return exact ? g.edgeCount === members : (g.edgeCount ?? 0) <= members;
}

for (const mode of serverModes) {
  describe(`groups listed in stock Nakama's order (${mode.name} server)`, () => {
    test("with no filter, the least recently updated group comes first, not the first by name", async (t) => {
      const { server, client, signIn } = await serverWithClient(t, mode.options);
      const owner = await signIn("owner");
      // Made in the reverse of their names' order.
      const club = uniqueName("club");
      const made: Group[] = [];
      for (const name of [`${club}-c`, `${club}-b`, `${club}-a`]) {
        made.push(await client.createGroup(owner, { name, open: true }));
        await sleep(TICK_MS);
      }
      const listed = await groupPages(client, owner, {}, 100);
      assert.deepEqual(ours(listed, made), ids(made));
      // The newest change last: nothing listed after the last group made was updated before it.
      const last = listed.findIndex((g) => g.id === made[2]?.id);
      for (const g of listed.slice(last + 1)) {
        assert.ok((g.updateTime?.getTime() ?? 0) >= (made[2]?.updateTime?.getTime() ?? 0));
      }
      // As stock sends it: one group when no limit is given, the least recently updated.
      const raw = await rest(server.url, "GET", "/v2/group", { token: owner.token });
      assert.equal(raw.status, 200);
      const first = (raw.body.groups as { id: string }[]).map((g) => g.id);
      assert.equal(first.length, 1);
      assert.equal(first[0], ids(await groupPages(client, owner, {}, 100))[0]);
    });

    test("a change of members or an update moves a group last; a join request, promotion or demotion does not", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const owner = await signIn("owner");
      const [ann, bob, cy] = [await signIn("ann"), await signIn("bob"), await signIn("cy")];
      const open = await client.createGroup(owner, { name: uniqueName("open-club"), open: true });
      await sleep(TICK_MS);
      const closed = await client.createGroup(owner, { name: uniqueName("closed-club"), open: false });
      await sleep(TICK_MS);
      const order = async () => ours(await groupPages(client, owner, {}, 100), [open, closed]);
      assert.deepEqual(await order(), [open.id, closed.id]);

      // Moves the group `id` last (or leaves the order as it is) and says whether its time moved.
      const step = async (what: string, id: string, moves: boolean, run: () => Promise<unknown>) => {
        const before = await order();
        const time = async () =>
          (await groupPages(client, owner, {}, 100)).find((g) => g.id === id)?.updateTime?.getTime();
        const then = await time();
        await run();
        await sleep(TICK_MS);
        const after = await order();
        assert.deepEqual(after, moves ? [...before.filter((g) => g !== id), id] : before, what);
        if (moves) assert.ok(((await time()) ?? 0) > (then ?? 0), `${what}: the update time moves`);
        else assert.equal(await time(), then, `${what}: the update time stays`);
      };

      await step("a join", open.id, true, () => client.joinGroup(ann, open.id));
      await step("a join request", closed.id, false, () => client.joinGroup(bob, closed.id));
      await step("the request accepted", closed.id, true, () =>
        client.addGroupUsers(owner, closed.id, [bob.userId]),
      );
      await step("a promotion", open.id, false, () => client.promoteGroupUsers(owner, open.id, [ann.userId]));
      await step("a demotion", open.id, false, () => client.demoteGroupUsers(owner, open.id, [ann.userId]));
      await step("an add", open.id, true, () => client.addGroupUsers(owner, open.id, [cy.userId]));
      await step("a kick", closed.id, true, () => client.kickGroupUsers(owner, closed.id, [bob.userId]));
      await step("a ban", open.id, true, () => client.banGroupUsers(owner, open.id, [cy.userId]));
      await step("a leave", open.id, true, () => client.leaveGroup(ann, open.id));
      await step("an update", closed.id, true, () =>
        client.updateGroup(owner, closed.id, { description: "new" }),
      );
      await step("a kick of a banned user", open.id, false, () =>
        client.kickGroupUsers(owner, open.id, [cy.userId]),
      );

      // The member counts listed are the groups' members.
      const listed = (await groupPages(client, owner, {}, 100)).filter(
        (g) => g.id === open.id || g.id === closed.id,
      );
      assert.deepEqual(
        listed.map((g) => [g.id, g.edgeCount]),
        [
          [open.id, 1],
          [closed.id, 1],
        ],
      );
    });

    test("pages of a few groups go through many groups tied on time and size, none skipped or repeated", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const owner = await signIn("owner");
      const joiner = await signIn("joiner");
      // Language tags of this test's own (at most 18 bytes), so that a language filter lists
      // only its groups.
      const tag = uniqueName("t").slice(0, 16);
      const [xa, xb] = [`${tag}-a`, `${tag}-b`];
      const prefix = uniqueName("g");
      // Made at once, so that many share their update time; a few with a second member.
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          client.createGroup(owner, {
            name: `${prefix}-${String(i).padStart(2, "0")}`,
            langTag: i % 2 ? xa : xb,
            open: i % 3 !== 0,
          }),
        ),
      );
      for (const g of created.slice(0, 6)) await client.addGroupUsers(owner, g.id, [joiner.userId]);
      // As listed now: the adds moved the update times of the first six.
      const mine = new Set(ids(created));
      const all = (await groupPages(client, owner, {}, 100)).filter((g) => mine.has(g.id));
      assert.equal(all.length, 30);
      const filterSets: GroupFilters[] = [
        {},
        { open: true },
        { open: false },
        { members: 1 },
        { members: 2 },
        { langTag: xa },
        { langTag: xb, members: 1 },
        { langTag: xa, open: true },
        { langTag: xb, open: false, members: 2 },
        { open: true, members: 1 },
        { open: false, members: 2 },
      ];
      for (const filters of filterSets) {
        const expected = all.filter((g) => passes(g, filters)).sort(stockOrder(filters));
        assert.ok(expected.length > 0, JSON.stringify(filters));
        for (const limit of pageSizes) {
          const listed = ours(await groupPages(client, owner, filters, limit), all);
          const what = `${JSON.stringify(filters)}, ${limit} a page`;
          if (external && timeOrdered(filters)) {
            assert.deepEqual([...listed].sort(), ids(expected).sort(), what);
            assert.equal(new Set(listed).size, listed.length, `${what}: each once`);
          } else {
            assert.deepEqual(listed, ids(expected), what);
          }
        }
      }
    });

    test("a tie on every key but the id pages by id: open groups of one size, by language tag", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const owner = await signIn("owner");
      const [prefix, aa, zz] = [
        uniqueName("z"),
        uniqueName("aa").slice(0, 18),
        uniqueName("zz").slice(0, 18),
      ];
      const made: Group[] = [];
      for (let i = 0; i < 12; i++) {
        made.push(
          await client.createGroup(owner, { name: `${prefix}-${i}`, langTag: i < 6 ? aa : zz, open: true }),
        );
      }
      // Stock: exactly one member, the highest language tag first, then the highest id.
      const expected = [...made].sort((a, b) =>
        a.langTag === b.langTag ? (a.id < b.id ? 1 : -1) : (a.langTag ?? "") < (b.langTag ?? "") ? 1 : -1,
      );
      for (const limit of [5, 2]) {
        assert.deepEqual(
          ours(await groupPages(client, owner, { open: true, members: 1 }, limit), made),
          ids(expected),
        );
      }
      assert.deepEqual(ours(await groupPages(client, owner, { open: true, members: 2 }, 5), made), []);
    });
  });
}
