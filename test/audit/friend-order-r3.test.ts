// Where an edge stands in `GET /v2/friend`, as on stock Nakama: by state, then by the edge's
// position, which is set once, when the edge is made. Accepting an invite and blocking change an
// edge's state and keep its position, on both sides; a block of a stranger makes a new edge, and
// so does adding again after a delete. Each case has a "witness" edge made between the first and
// the last change, so an edge that moved on its change would be listed on the wrong side of it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite, type TestUser } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

interface Listed {
  user: { id: string };
  state?: number;
}

const FRIEND = 0;
const INVITE_SENT = 1;
const INVITE_RECEIVED = 2;
const BLOCKED = 3;

for (const mode of serverModes) {
  describe(`friend listing order after accepts, blocks and re-adds (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const users = async (n: number): Promise<TestUser[]> =>
      Promise.all(Array.from({ length: n }, () => authenticate(srv.url)));
    const call = async (u: TestUser, method: string, path: string) => {
      const res = await rest(srv.url, method, path, { token: u.token });
      assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
    };
    const add = (u: TestUser, other: TestUser) => call(u, "POST", `/v2/friend?ids=${other.userId}`);
    const block = (u: TestUser, other: TestUser) => call(u, "POST", `/v2/friend/block?ids=${other.userId}`);
    const remove = (u: TestUser, other: TestUser) => call(u, "DELETE", `/v2/friend?ids=${other.userId}`);
    // The whole listing as [user id, state] pairs, checked to be the same when walked one by one.
    const listing = async (u: TestUser): Promise<[string, number][]> => {
      const res = await rest(srv.url, "GET", "/v2/friend?limit=100", { token: u.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const all = ((res.body.friends ?? []) as Listed[]).map((f): [string, number] => [
        f.user.id,
        f.state ?? 0,
      ]);
      const walked: [string, number][] = [];
      let cursor = "";
      do {
        const page = await rest(
          srv.url,
          "GET",
          `/v2/friend?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          { token: u.token },
        );
        assert.equal(page.status, 200, JSON.stringify(page.body));
        walked.push(
          ...((page.body.friends ?? []) as Listed[]).map((f): [string, number] => [f.user.id, f.state ?? 0]),
        );
        cursor = (page.body.cursor as string | undefined) ?? "";
      } while (cursor !== "" && walked.length <= all.length);
      assert.deepEqual(walked, all, "the listing walked one at a time");
      return all;
    };

    test("an accepted invite keeps its place on both sides", async () => {
      const [ada, bo, cy, yan] = await users(4);
      assert.ok(ada && bo && cy && yan);
      await add(bo, yan); // Bo's first edge, an invite Yan accepts last of all
      await add(ada, bo);
      await add(ada, cy);
      await add(cy, ada); // Cy accepts first...
      await add(bo, ada); // ...then Bo
      await add(yan, bo);
      // Ada invited Bo before Cy; Bo invited Yan before Ada invited Bo.
      assert.deepEqual(await listing(ada), [
        [bo.userId, FRIEND],
        [cy.userId, FRIEND],
      ]);
      assert.deepEqual(await listing(bo), [
        [yan.userId, FRIEND],
        [ada.userId, FRIEND],
      ]);
      assert.deepEqual(await listing(cy), [[ada.userId, FRIEND]]);
    });

    test("the invite received keeps its place when accepted", async () => {
      const [ada, bo, cy] = await users(3);
      assert.ok(ada && bo && cy);
      await add(bo, ada); // an invite Ada receives first
      await add(ada, cy); // an invite Ada sends, accepted first
      await add(cy, ada);
      await add(ada, bo); // Ada accepts Bo's
      assert.deepEqual(await listing(ada), [
        [bo.userId, FRIEND],
        [cy.userId, FRIEND],
      ]);
    });

    test("a blocked friend keeps its place among the blocked", async () => {
      const [ada, bo, cy] = await users(3);
      assert.ok(ada && bo && cy);
      await add(ada, bo);
      await add(bo, ada);
      await add(ada, cy);
      await add(cy, ada);
      await block(ada, cy); // the later friend blocked first
      await block(ada, bo);
      assert.deepEqual(await listing(ada), [
        [bo.userId, BLOCKED],
        [cy.userId, BLOCKED],
      ]);
      // Their edges to Ada are gone.
      assert.deepEqual(await listing(bo), []);
      assert.deepEqual(await listing(cy), []);
    });

    test("blocking a stranger makes a new edge, listed after older ones", async () => {
      const [ada, bo, cy, di] = await users(4);
      assert.ok(ada && bo && cy && di);
      await block(ada, bo); // a stranger
      await add(ada, cy); // an invite Ada sent, blocked after Di
      await block(ada, di); // another stranger
      await block(ada, cy);
      assert.deepEqual(await listing(ada), [
        [bo.userId, BLOCKED],
        [cy.userId, BLOCKED],
        [di.userId, BLOCKED],
      ]);
      assert.deepEqual(await listing(cy), []);
    });

    test("blocking someone who invited you keeps the invite's place", async () => {
      const [ada, bo, cy, di] = await users(4);
      assert.ok(ada && bo && cy && di);
      await add(bo, ada); // Ada receives an invite
      await block(ada, cy); // then blocks a stranger
      await block(ada, bo); // then blocks the one who invited her
      assert.deepEqual(await listing(ada), [
        [bo.userId, BLOCKED],
        [cy.userId, BLOCKED],
      ]);
      // Bo's invite is gone; a block of Ada from Bo now is a new edge, after Bo's others.
      assert.deepEqual(await listing(bo), []);
      await block(bo, di);
      await block(bo, ada);
      assert.deepEqual(await listing(bo), [
        [di.userId, BLOCKED],
        [ada.userId, BLOCKED],
      ]);
    });

    test("adding again after a delete makes new edges, listed after older ones", async () => {
      const [ada, bo, cy, di] = await users(4);
      assert.ok(ada && bo && cy && di);
      await add(ada, bo);
      await add(bo, ada);
      await add(ada, cy);
      await add(cy, ada);
      await remove(ada, bo);
      await add(ada, bo); // a new invite to Bo
      await add(bo, ada); // accepted: it keeps the new invite's place, after Cy
      assert.deepEqual(await listing(ada), [
        [cy.userId, FRIEND],
        [bo.userId, FRIEND],
      ]);
      // A block lifted by a delete, then an invite: a new edge too, after an invite sent meanwhile.
      await block(ada, cy);
      await add(ada, di);
      await remove(ada, cy);
      await add(ada, cy);
      assert.deepEqual(await listing(ada), [
        [bo.userId, FRIEND],
        [di.userId, INVITE_SENT],
        [cy.userId, INVITE_SENT],
      ]);
      assert.deepEqual(await listing(cy), [[ada.userId, INVITE_RECEIVED]]);
    });
  });
}
