// `GET /v2/friend` walked page by page for a user with a few hundred edges in every state: each
// state filter, with limits small and large, gives the user's edges in stock's order (by state,
// then by when the edge was made), each once, each page full but the last, and a cursor only when
// more follow. A cursor reads on from where it stood when the listing changes meanwhile.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestUser } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

interface Listed {
  user: { id: string };
  state?: number;
  update_time?: string;
}

const FRIEND = 0;
const INVITE_SENT = 1;
const INVITE_RECEIVED = 2;
const BLOCKED = 3;

/** How many users Ada has an edge to. */
const OTHERS = 330;
/** Page sizes walked, besides each listing's length and one either side of it. */
const LIMITS = [1, 2, 3, 7, 50, 99, 100, 101, 1000, undefined];
const FILTERS = [undefined, FRIEND, INVITE_SENT, INVITE_RECEIVED, BLOCKED];

for (const mode of serverModes) {
  describe(`friend listing paged over a few hundred edges (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const call = async (u: TestUser, method: string, path: string) => {
      const res = await rest(srv.url, method, path, { token: u.token });
      assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
    };
    const page = async (u: TestUser, query: string) => {
      const res = await rest(srv.url, "GET", `/v2/friend?${query}`, { token: u.token });
      assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
      const friends = (res.body.friends ?? []) as Listed[];
      for (const f of friends) assert.ok(f.update_time, "each edge has its update time");
      return {
        edges: friends.map((f): [string, number] => [f.user.id, f.state ?? 0]),
        cursor: (res.body.cursor as string | undefined) ?? "",
      };
    };
    /** Every page of one listing, checked as stock pages: full pages, a cursor only before more. */
    const walk = async (
      u: TestUser,
      state: number | undefined,
      limit: number | undefined,
      expected: number,
    ) => {
      const filter = `${state === undefined ? "" : `&state=${state}`}${limit === undefined ? "" : `&limit=${limit}`}`;
      const size = limit ?? 1000;
      const all: [string, number][] = [];
      let cursor = "";
      for (;;) {
        const got = await page(u, `${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        all.push(...got.edges);
        const more = expected - all.length;
        assert.ok(more >= 0, `${filter}: more edges than the user has`);
        if (more > 0) {
          assert.equal(got.edges.length, size, `${filter}: a page before the last is full`);
          assert.notEqual(got.cursor, "", `${filter}: a cursor while ${more} more follow`);
        } else {
          assert.equal(got.cursor, "", `${filter}: no cursor after the last edge`);
        }
        if (got.cursor === "") break;
        cursor = got.cursor;
      }
      return all;
    };

    test("every filter and limit walks the same edges in stock's order", async () => {
      const ada = await authenticate(srv.url);
      const others = await Promise.all(Array.from({ length: OTHERS }, () => authenticate(srv.url)));
      // What Ada's listing holds: each edge's state, and its place (the order edges were made in).
      const model = new Map<string, { state: number; place: number }>();
      let made = 0;
      const make = (u: TestUser, state: number) => model.set(u.userId, { state, place: made++ });
      const change = (u: TestUser, state: number) => {
        const edge = model.get(u.userId);
        assert.ok(edge);
        edge.state = state;
      };

      // Edges made in turn: invites sent, invites received and blocks of strangers, mixed.
      for (const [i, u] of others.entries()) {
        if (i % 3 === 0) {
          await call(ada, "POST", `/v2/friend?ids=${u.userId}`);
          make(u, INVITE_SENT);
        } else if (i % 3 === 1) {
          await call(u, "POST", `/v2/friend?ids=${ada.userId}`);
          make(u, INVITE_RECEIVED);
        } else {
          await call(ada, "POST", `/v2/friend/block?ids=${u.userId}`);
          make(u, BLOCKED);
        }
      }
      // Then changes, from the newest edges back so a moved edge would show: accepts on both
      // sides, blocks of friends and of invites both ways, deletes, and adds after a delete.
      for (const [i, u] of [...others.entries()].reverse()) {
        if (i % 3 === 0 && i % 4 !== 3) {
          await call(u, "POST", `/v2/friend?ids=${ada.userId}`); // accepts Ada's invite
          change(u, FRIEND);
          if (i % 5 === 0) {
            await call(ada, "POST", `/v2/friend/block?ids=${u.userId}`);
            change(u, BLOCKED);
          }
        } else if (i % 3 === 1 && i % 4 === 0) {
          await call(ada, "POST", `/v2/friend?ids=${u.userId}`); // Ada accepts
          change(u, FRIEND);
        } else if (i % 3 === 1 && i % 4 === 1) {
          await call(ada, "POST", `/v2/friend/block?ids=${u.userId}`);
          change(u, BLOCKED);
        } else if (i % 3 === 0 && i % 7 === 0) {
          await call(ada, "POST", `/v2/friend/block?ids=${u.userId}`); // blocks whom she invited
          change(u, BLOCKED);
        }
        if (i % 11 === 5) {
          await call(ada, "DELETE", `/v2/friend?ids=${u.userId}`);
          model.delete(u.userId);
          if (i % 2 === 1) {
            await call(ada, "POST", `/v2/friend?ids=${u.userId}`);
            make(u, INVITE_SENT);
          }
        }
      }

      const expected = [...model.entries()]
        .sort(([, a], [, b]) => a.state - b.state || a.place - b.place)
        .map(([id, e]): [string, number] => [id, e.state]);
      const counts = FILTERS.map(
        (s) => expected.filter(([, state]) => s === undefined || state === s).length,
      );
      // Every state has many edges.
      for (const n of counts.slice(1)) assert.ok(n >= 30, `a state has ${n} edges`);
      assert.ok(expected.length > 300, `${expected.length} edges`);

      for (const state of FILTERS) {
        const want = expected.filter(([, s]) => state === undefined || s === state);
        for (const limit of [...LIMITS, want.length - 1, want.length, want.length + 1]) {
          assert.deepEqual(
            await walk(ada, state, limit, want.length),
            want,
            `state ${state ?? "any"}, limit ${limit ?? "none"}`,
          );
        }
      }
    });

    test("a cursor reads on from where it stood when edges are made, changed or deleted meanwhile", async () => {
      const ada = await authenticate(srv.url);
      const others = await Promise.all(Array.from({ length: 12 }, () => authenticate(srv.url)));
      for (const u of others) await call(ada, "POST", `/v2/friend?ids=${u.userId}`);
      const ids = others.map((u) => u.userId);
      const first = await page(ada, "limit=4&state=1");
      assert.deepEqual(
        first.edges.map(([id]) => id),
        ids.slice(0, 4),
      );
      // The edge the cursor names is deleted, one already listed is accepted, a new one is made.
      const [fifth, sixth, late] = [others[4], others[5], await authenticate(srv.url)];
      assert.ok(fifth && sixth && others[0]);
      await call(ada, "DELETE", `/v2/friend?ids=${fifth.userId}`);
      await call(others[0], "POST", `/v2/friend?ids=${ada.userId}`);
      await call(ada, "POST", `/v2/friend?ids=${late.userId}`);
      const rest1 = await page(ada, `limit=100&state=1&cursor=${encodeURIComponent(first.cursor)}`);
      assert.deepEqual(
        rest1.edges.map(([id]) => id),
        [...ids.slice(5), late.userId],
      );
      assert.equal(rest1.cursor, "");

      // Unfiltered: a cursor into the invites sent reads past an edge that became a friend.
      const whole = await page(ada, "limit=2");
      assert.deepEqual(whole.edges, [
        [ids[0], FRIEND],
        [ids[1], INVITE_SENT],
      ]);
      await call(others[2] as TestUser, "POST", `/v2/friend?ids=${ada.userId}`);
      const next = await page(ada, `limit=3&cursor=${encodeURIComponent(whole.cursor)}`);
      assert.deepEqual(next.edges, [
        [ids[3], INVITE_SENT],
        [sixth.userId, INVITE_SENT],
        [ids[6], INVITE_SENT],
      ]);
    });
  });
}
