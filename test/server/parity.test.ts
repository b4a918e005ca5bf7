import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  type TestServer,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";

// herald's server answers as stock Nakama 3.26 does wherever both have the feature.

async function createGroup(srv: TestServer, owner: TestUser, name = uniqueName("group")): Promise<string> {
  const res = await rest(srv.url, "POST", "/v2/group", { token: owner.token, body: { name, open: true } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

function groupOp(srv: TestServer, actor: TestUser, groupId: string, op: string, userIds: string[]) {
  const qs = userIds.map((id) => `user_ids=${id}`).join("&");
  return rest(srv.url, "POST", `/v2/group/${groupId}/${op}?${qs}`, { token: actor.token });
}

async function stateOf(srv: TestServer, viewer: TestUser, groupId: string, userId: string) {
  const res = await rest(srv.url, "GET", `/v2/group/${groupId}/user`, { token: viewer.token });
  const row = (res.body.group_users as { user: { id: string }; state?: number }[]).find(
    (g) => g.user.id === userId,
  );
  return row?.state ?? 0;
}

describe("parity with stock Nakama", () => {
  const srv = serverForSuite();
  const stock = serverForSuite({ compat: "nakama" });

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      for (const [name, body] of [
        ["rpc", { id: "reward", payload: "{}" }],
        ["match_create", { name: "m" }],
        ["matchmakerAdd", { min_count: 2, max_count: 2, query: "*" }],
        ["party_create", { open: true, max_size: 4 }],
      ] as const) {
        test(`a ${name} request gets an error reply with its cid and the socket stays open`, async () => {
          const s = await openSocket(srv.url, await authenticate(srv.url), codec);
          if (codec.binary) {
            // Build the protobuf envelope by hand: cid (field 1) and the message's field, empty
            // but for an rpc's id (field 1 of the rpc: without one stock answers "RPC ID must be set").
            const fields: Record<string, number> = {
              rpc: 24,
              match_create: 13,
              matchmakerAdd: 19,
              party_create: 35,
            };
            const cid = Buffer.from("42");
            const tag = (fields[name] as number) * 8 + 2;
            const tagBytes = tag < 128 ? [tag] : [(tag & 0x7f) | 0x80, tag >> 7];
            const inner = name === "rpc" ? [0x0a, 6, ...Buffer.from("reward")] : [];
            s.ws.send(Buffer.from([0x0a, cid.length, ...cid, ...tagBytes, inner.length, ...inner]), {
              binary: true,
            });
          } else {
            s.ws.send(JSON.stringify({ cid: "42", [name]: body }));
          }
          const error = await s.next("error");
          assert.equal(error.context.herald_code, "unsupported");
          if (name === "rpc") {
            assert.deepEqual([error.code, error.message], [6, "RPC function not found"]);
          } else {
            assert.equal(error.code, 12);
            assert.match(error.message, /not offered by this server/);
          }
          const reply = s.received.find((e) => e.kind === "error");
          assert.equal(reply?.cid, "42");
          await s.call("ping", {}, "pong");
          await s.close();
        });
      }

      test("in stock mode too, an rpc gets an error reply (without herald's precise code) and the socket stays", async () => {
        const s = await openSocket(stock.url, await authenticate(stock.url), codec);
        // The rpc (field 24) names a function, "x": without an id stock answers "RPC ID must be set".
        if (codec.binary)
          s.ws.send(Buffer.from([0x0a, 1, 0x37, 0xc2, 0x01, 0x03, 0x0a, 0x01, 0x78]), { binary: true });
        else s.ws.send(JSON.stringify({ cid: "7", rpc: { id: "x" } }));
        const error = await s.next("error");
        assert.deepEqual(error, { code: 6, message: "RPC function not found", context: {} });
        await s.call("ping", {}, "pong");
        await s.close();
      });
    });
  }

  test("a group listing by name strips leading % and spaces and matches a case-insensitive LIKE pattern", async () => {
    const ada = await authenticate(srv.url);
    const stem = uniqueName("Crew");
    const names = [`${stem}Alpha`, `${stem}beta`, `x${stem}`];
    for (const name of names) await createGroup(srv, ada, name);
    const list = async (filter: string) => {
      const res = await rest(srv.url, "GET", `/v2/group?limit=100&name=${encodeURIComponent(filter)}`, {
        token: ada.token,
      });
      assert.equal(res.status, 200);
      return ((res.body.groups as { name: string }[] | undefined) ?? []).map((g) => g.name).sort();
    };
    const starting = [`${stem}Alpha`, `${stem}beta`].sort();
    assert.deepEqual(
      await list(`%${stem.toLowerCase()}%`),
      starting,
      "%name% finds names starting with name",
    );
    assert.deepEqual(await list(`  %%${stem.toUpperCase()}%`), starting);
    assert.deepEqual(await list(`${stem}%`), starting);
    assert.deepEqual(await list(`${stem.toLowerCase()}alph_`), [`${stem}Alpha`], "_ is one character");
    assert.deepEqual(
      await list(`${stem.toLowerCase()}BETA`),
      [`${stem}beta`],
      "no wildcard: exact, any case",
    );
    assert.deepEqual(await list(stem), [], "no wildcard and no full name: nothing");
  });

  test("promote and demote skip the caller's own id; demoting the lowest rank is a no-op", async () => {
    const owner = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const groupId = await createGroup(srv, owner);
    assert.equal((await groupOp(srv, bob, groupId, "join", [])).status, 200);

    const selfDemote = await groupOp(srv, owner, groupId, "demote", [owner.userId]);
    assert.equal(selfDemote.status, 200, "a sole superadmin demoting themself gets 200");
    assert.equal(await stateOf(srv, owner, groupId, owner.userId), 0, "and stays superadmin");
    assert.equal((await groupOp(srv, owner, groupId, "promote", [owner.userId])).status, 200);
    assert.equal(await stateOf(srv, owner, groupId, owner.userId), 0);

    assert.equal((await groupOp(srv, owner, groupId, "demote", [bob.userId])).status, 200);
    assert.equal(await stateOf(srv, owner, groupId, bob.userId), 2, "a member stays a member");

    const both = await groupOp(srv, owner, groupId, "promote", [owner.userId, bob.userId]);
    assert.equal(both.status, 200);
    assert.equal(await stateOf(srv, owner, groupId, bob.userId), 1, "the other id is still promoted");
    assert.equal(await stateOf(srv, owner, groupId, owner.userId), 0);
  });

  test("GET /v2/account always carries the wallet, {} when empty", async () => {
    for (const server of [srv, stock]) {
      const ada = await authenticate(server.url);
      const account = await rest(server.url, "GET", "/v2/account", { token: ada.token });
      assert.equal(account.status, 200);
      assert.equal(account.body.wallet, "{}");
    }
  });

  test("routes stock serves but herald does not check the session first, then name the missing feature", async () => {
    const ada = await authenticate(srv.url);
    const cases: [string, string, string][] = [
      ["GET", "/v2/storage/saves", "storage"],
      ["PUT", "/v2/storage", "storage"],
      ["GET", "/v2/leaderboard/weekly", "leaderboards"],
      ["POST", "/v2/tournament/cup/join", "tournaments"],
      ["GET", "/v2/match", "matches"],
      ["POST", "/v2/iap/purchase/apple", "purchases"],
      ["POST", "/v2/account/link/custom", "account linking"],
    ];
    for (const [method, route, feature] of cases) {
      const anonymous = await rest(srv.url, method, route);
      assert.equal(anonymous.status, 401, `${method} ${route} without a session`);
      assert.equal(anonymous.body.code, 16);
      const signedIn = await rest(srv.url, method, route, { token: ada.token });
      assert.equal(signedIn.status, 501, `${method} ${route} with a session`);
      assert.deepEqual(signedIn.body, {
        code: 12,
        message: `${feature} is not offered by this server`,
        herald_code: "unsupported",
      });
    }
    assert.equal((await rest(srv.url, "POST", "/v2/rpc/reward")).status, 401);
    const rpc = await rest(srv.url, "POST", "/v2/rpc/reward", { token: ada.token });
    assert.deepEqual(
      [rpc.status, rpc.body],
      [404, { code: 5, message: "RPC function not found", herald_code: "unsupported" }],
      "an rpc is answered as a stock server without that function does",
    );
    const social = await rest(srv.url, "POST", "/v2/account/authenticate/google", { body: { token: "t" } });
    assert.equal(social.status, 401, "social sign-in needs the server key first");
    const socialWithKey = await rest(srv.url, "POST", "/v2/account/authenticate/google", {
      basic: "defaultkey",
      body: { token: "t" },
    });
    assert.equal(socialWithKey.status, 501);
    assert.equal((await rest(srv.url, "GET", "/v2/nothing-at-all", { token: ada.token })).status, 404);
  });

  test("REST refusals carry herald_code beside code and message; stock mode leaves it out", async () => {
    for (const server of [srv, stock]) {
      const ada = await authenticate(server.url);
      const missing = await rest(server.url, "POST", "/v2/group/00000000-0000-4000-8000-000000000000/join", {
        token: ada.token,
      });
      assert.equal(missing.status, 404);
      assert.deepEqual(
        missing.body,
        server === srv
          ? { code: 5, message: "Group not found.", herald_code: "not_found" }
          : { code: 5, message: "Group not found." },
      );
    }
  });
});
