// Listing groups by language, size and open/closed, as stock clients ask (`GET /v2/group?open=&
// lang_tag=&members=`, nakama-js's listGroups(session, name, cursor, limit, langTag, members,
// open)): the filters were read and ignored, so a client asking for open groups got closed ones.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, type Group, HeraldError, type Session } from "../../src/index.js";
import { rest, serverForSuite, startServer, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import { groupPages } from "./group-pages.js";

for (const mode of serverModes) {
  describe(`group list filters (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function signIn(client: Client): Promise<Session> {
      return client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName("u") });
    }

    test("open, lang_tag and members filter the listing, page by page", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const owner = await signIn(client);
      const joiner = await signIn(client);
      // A language tag of this test only, so other groups on the server stay out of the count.
      const lang = uniqueName("l").slice(0, 18);
      const made: Group[] = [];
      for (const open of [true, false, true, false, true]) {
        made.push(await client.createGroup(owner, { name: uniqueName("g"), langTag: lang, open }));
      }
      const [big] = made;
      assert.ok(big);
      await client.joinGroup(joiner, big.id);

      const ids = (groups: Group[]) => groups.map((g) => g.id).sort();
      const expect = (pick: (g: Group, i: number) => boolean) => ids(made.filter(pick));

      assert.deepEqual(
        ids(await groupPages(client, owner, { langTag: lang }, 2)),
        expect(() => true),
      );
      assert.deepEqual(
        ids(await groupPages(client, owner, { langTag: lang, open: true }, 1)),
        expect((g) => g.open === true),
      );
      assert.deepEqual(
        ids(await groupPages(client, owner, { langTag: lang, open: false }, 1)),
        expect((g) => g.open === false),
      );
      assert.deepEqual(
        ids(await groupPages(client, owner, { langTag: lang, members: 1 }, 2)),
        expect((_, i) => i !== 0),
        "at most one member: all but the one joined",
      );
      // As a stock client sends it.
      const raw = await rest(srv.url, "GET", `/v2/group?lang_tag=${lang}&open=false&limit=100`, {
        token: owner.token,
      });
      assert.equal(raw.status, 200);
      assert.deepEqual(
        (raw.body.groups as { id: string }[]).map((g) => g.id).sort(),
        expect((g) => g.open === false),
      );
      const open = await groupPages(client, owner, { open: true }, 100);
      assert.ok(
        open.every((g) => g.open === true),
        "no closed group among the open ones",
      );
      assert.ok(open.some((g) => g.id === big.id));
    });

    test("a name pattern with another filter is refused in stock's words", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const owner = await signIn(client);
      const res = await rest(srv.url, "GET", "/v2/group?name=club%25&open=true", { token: owner.token });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 3);
      assert.equal(res.body.message, "name filter cannot be combined with any other filter");
      const sdk = await client.listGroups(owner, { name: "club%", langTag: "en" }).catch((e: unknown) => e);
      assert.ok(HeraldError.is(sdk, "bad_input"), String(sdk));
    });

    test("a cursor of one filter is refused by another", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const owner = await signIn(client);
      const lang = uniqueName("l").slice(0, 18);
      for (let i = 0; i < 2; i++) await client.createGroup(owner, { name: uniqueName("g"), langTag: lang });
      const first = await client.listGroups(owner, { langTag: lang, limit: 1 });
      assert.ok(first.cursor);
      const other = await client
        .listGroups(owner, { langTag: lang, open: true, limit: 1, cursor: first.cursor })
        .catch((e: unknown) => e);
      assert.ok(HeraldError.is(other, "bad_input"), String(other));
    });
  });
}

test("a filtered listing reads its page in order from an index: the groups of a tag among 1,000 others come in one request", async () => {
  const srv = await startServer();
  try {
    const client = new Client({ port: srv.port, serverKey: srv.serverKey });
    const owner = await client.authenticateDevice({
      id: `device-${uniqueName()}`,
      username: uniqueName("u"),
    });
    // 1,000 groups by name first, none of them of the tag asked for, then the two that are.
    const lang = uniqueName("l").slice(0, 18);
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.createGroup(owner, { name: `a-${String(i + j).padStart(4, "0")}`, langTag: "other" }),
        ),
      );
    }
    const wanted = [
      await client.createGroup(owner, { name: "z-1", langTag: lang }),
      await client.createGroup(owner, { name: "z-2", langTag: lang }),
    ];
    // Stock's order for a language alone: the fewest members first, then by id.
    const first = await client.listGroups(owner, { langTag: lang, limit: 10 });
    assert.deepEqual(
      first.groups.map((g) => g.id),
      wanted.map((g) => g.id).sort(),
    );
    assert.ok(!first.cursor, "the listing ends there");
  } finally {
    await srv.close();
  }
});
