// Every REST call of the stock nakama-js client (2.8.0) that maps to a feature herald serves, called
// as an app would (optional arguments left out, empty lists, limits at their bounds, cursors passed
// back) against both server modes, checking that results are what the client's types promise.
// The socket's calls are in nakama-js-socket-calls.test.ts, the calls herald does not serve in
// nakama-js-unserved-calls.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Client, Session } from "@heroiclabs/nakama-js";
import { uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import {
  assertTimestamp,
  assertUser,
  restRefusal,
  type StockClientKit,
  stockClientKit,
} from "./nakama-js-kit.js";

/** Pages through a listing with `limit` 1, passing each cursor back, until the cursor runs out. */
async function everyPage<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string | undefined }>,
) {
  const seen: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const result = await page(cursor);
    seen.push(...result.items);
    if (!result.cursor) return seen;
    assert.notEqual(result.cursor, cursor, "a cursor passed back advances");
    cursor = result.cursor;
  }
  throw new Error("the cursor never ran out");
}

for (const mode of serverModes) {
  describe(`nakama-js REST calls against herald (${mode.name} mode)`, () => {
    let kit: StockClientKit;
    before(async () => {
      kit = await stockClientKit(mode);
    });
    after(() => kit.close());

    test("sessions: device, custom and email sign-in, refresh with and without vars, logout", async () => {
      const { client } = kit;
      const deviceId = `device-${uniqueName()}`;
      const username = uniqueName("nkdev");
      const first = await client.authenticateDevice(deviceId, true, username, { plan: "pro" });
      assert.equal(first.created, true);
      assert.equal(first.username, username);
      assert.equal(typeof first.user_id, "string");
      assert.equal(typeof first.token, "string");
      assert.equal(typeof first.refresh_token, "string");
      assert.deepEqual(first.vars, { plan: "pro" });
      assert.ok((first.expires_at ?? 0) > Date.now() / 1000, "expires_at is in the future (seconds)");
      assert.ok((first.refresh_expires_at ?? 0) >= (first.expires_at ?? 0));
      // Every optional argument left out: an existing device signs in again, not created.
      const again = await client.authenticateDevice(deviceId);
      assert.equal(again.created, false);
      assert.equal(again.user_id, first.user_id);
      // create=false for a device nobody has: refused, nothing created.
      const missing = await restRefusal(client.authenticateDevice(`device-${uniqueName()}`, false));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 5);

      const customId = `custom-${uniqueName()}`;
      const custom = await client.authenticateCustom(customId, true);
      assert.equal(custom.created, true);
      assert.deepEqual(custom.vars ?? {}, {});
      const customAccount = await client.getAccount(custom);
      assert.equal(customAccount.custom_id, customId);

      const email = `${uniqueName()}@example.com`;
      const byEmail = await client.authenticateEmail(email, "a long password", true, uniqueName("nkmail"));
      assert.equal(byEmail.created, true);
      const emailAgain = await client.authenticateEmail(email, "a long password");
      assert.equal(emailAgain.user_id, byEmail.user_id);
      const wrong = await restRefusal(client.authenticateEmail(email, "not the password", false));
      assert.equal(wrong.status, 401);
      assert.equal((await client.getAccount(byEmail)).email, email);

      // sessionRefresh updates the session in place. Its default vars ({}) are no vars at all to
      // stock's gateway, so the refresh token's vars are kept; given vars replace them.
      const refreshed = await client.sessionRefresh(first);
      assert.equal(refreshed, first, "the same Session object, updated");
      assert.equal(refreshed.user_id, again.user_id);
      assert.deepEqual(refreshed.vars, { plan: "pro" });
      await client.sessionRefresh(first, { tier: "gold" });
      assert.deepEqual(first.vars, { tier: "gold" });
      assert.equal((await client.getAccount(first)).user?.id, first.user_id);

      assert.equal(await client.sessionLogout(first, first.token, first.refresh_token), true);
      const loggedOut = await restRefusal(client.getAccount(first));
      assert.equal(loggedOut.status, 401);
      assert.equal(loggedOut.body.code, 16);
      const refreshAfterLogout = await restRefusal(client.sessionRefresh(first));
      assert.equal(refreshAfterLogout.status, 401);
    });

    test("account: read, update with nothing and with every field, a taken username refused", async () => {
      const { client } = kit;
      const ada = await kit.signIn("nkada");
      const bob = await kit.signIn("nkbob");
      const account = await client.getAccount(ada);
      // getAccount passes the wire's user on unmapped: a zero edge_count is left out and metadata
      // is the JSON text, as on stock.
      assert.equal(account.user?.metadata as unknown, "{}");
      assertUser(
        { ...account.user, edge_count: account.user?.edge_count ?? 0, metadata: {} },
        ada.user_id as string,
        ada.username as string,
      );
      assert.equal(account.wallet, "{}");
      assert.equal(account.devices?.length, 1);
      assert.equal(typeof account.devices?.[0]?.id, "string");
      assert.equal(account.user?.online, undefined, "offline: no online key");

      // An update naming no field is refused, as on stock.
      const nothing = await restRefusal(client.updateAccount(ada, {}));
      assert.deepEqual(
        [nothing.status, nothing.body.code, nothing.body.message],
        [400, 3, "No fields to update."],
      );
      const fields = {
        display_name: "Ada L.",
        avatar_url: "https://example.com/ada.png",
        lang_tag: "fr",
        location: "Paris",
        timezone: "Europe/Paris",
      };
      assert.equal(await client.updateAccount(ada, fields), true);
      const updated = await client.getAccount(ada);
      for (const [key, value] of Object.entries(fields))
        assert.equal((updated.user as Record<string, unknown>)[key], value, key);
      const renamed = uniqueName("nkren");
      assert.equal(await client.updateAccount(ada, { username: renamed }), true);
      assert.equal((await client.getAccount(ada)).user?.username, renamed);

      const taken = await restRefusal(client.updateAccount(bob, { username: renamed }));
      assert.equal(taken.status, 409);
      assert.equal(taken.body.message, "Username is already in use.");
      assert.equal((await client.getAccount(bob)).user?.username, bob.username, "nothing changed");
    });

    test("users: no arguments, empty lists, ids and usernames together, unknown and malformed ids", async () => {
      const { client } = kit;
      const ada = await kit.signIn("nkada");
      const bob = await kit.signIn("nkbob");
      assert.deepEqual(await client.getUsers(ada), { users: [] });
      assert.deepEqual(await client.getUsers(ada, [], [], []), { users: [] });
      const both = await client.getUsers(ada, [ada.user_id as string], [bob.username as string]);
      const byId = new Map((both.users ?? []).map((u) => [u.id, u]));
      assert.equal(byId.size, 2);
      assertUser(
        byId.get(ada.user_id) as Record<string, unknown>,
        ada.user_id as string,
        ada.username as string,
      );
      assertUser(
        byId.get(bob.user_id) as Record<string, unknown>,
        bob.user_id as string,
        bob.username as string,
      );
      // One user asked for by id and by username is listed once.
      const once = await client.getUsers(ada, [bob.user_id as string], [bob.username as string]);
      assert.deepEqual(
        once.users?.map((u) => u.id),
        [bob.user_id],
      );
      // Facebook ids match nobody on a server without social sign-in; the rest still answers.
      const withFacebook = await client.getUsers(ada, [ada.user_id as string], undefined, ["1234"]);
      assert.deepEqual(
        withFacebook.users?.map((u) => u.id),
        [ada.user_id],
      );
      assert.deepEqual(await client.getUsers(ada, ["00000000-0000-4000-8000-000000000000"]), { users: [] });
      assert.deepEqual(await client.getUsers(ada, undefined, [uniqueName("nobody")]), { users: [] });
      const malformed = await restRefusal(client.getUsers(ada, ["not-a-uuid"]));
      assert.deepEqual([malformed.status, malformed.body.code], [400, 3]);
      assert.equal(malformed.body.message, "ID 'not-a-uuid' is not a valid system ID.");
    });

    test("friends: add by id and by username, states, limits at their bounds, cursors, block and delete", async () => {
      const { client } = kit;
      const ada = await kit.signIn("nkada");
      const others = [await kit.signIn("nkf"), await kit.signIn("nkf"), await kit.signIn("nkf")];
      const [bob, cy, dee] = others as [Session, Session, Session];
      assert.deepEqual(await client.listFriends(ada), { friends: [], cursor: undefined });
      assert.equal(await client.addFriends(ada), true, "nothing asked, nothing done");
      assert.equal(await client.addFriends(ada, [], []), true);
      assert.equal(await client.addFriends(ada, [bob.user_id as string, cy.user_id as string]), true);
      assert.equal(await client.addFriends(ada, undefined, [dee.username as string]), true);
      // Bob accepts by username: ada and bob are friends (0); cy and dee are invited (1).
      assert.equal(await client.addFriends(bob, undefined, [ada.username as string]), true);
      const all = await client.listFriends(ada);
      const states = new Map((all.friends ?? []).map((f) => [f.user?.id, f.state]));
      assert.deepEqual([states.get(bob.user_id), states.get(cy.user_id), states.get(dee.user_id)], [0, 1, 1]);
      for (const f of all.friends ?? []) assert.equal(typeof f.user?.edge_count, "number");
      assert.deepEqual(
        (await client.listFriends(cy, 2)).friends?.map((f) => f.user?.id),
        [ada.user_id],
        "cy sees the invitation received (state 2)",
      );
      assert.deepEqual(
        (await client.listFriends(ada, 0)).friends?.map((f) => f.user?.id),
        [bob.user_id],
      );
      assert.equal((await client.listFriends(ada, undefined, 1000)).friends?.length, 3);
      for (const limit of [0, 1001]) {
        const refused = await restRefusal(client.listFriends(ada, undefined, limit));
        assert.deepEqual([refused.status, refused.body.code], [400, 3]);
        assert.equal(refused.body.message, "Invalid limit - limit must be between 1 and 1000.");
      }
      const badState = await restRefusal(client.listFriends(ada, 4));
      assert.equal(badState.body.message, "Invalid state - state must be between 0 and 3.");
      const paged = await everyPage(async (cursor) => {
        const page = await client.listFriends(ada, undefined, 1, cursor);
        return { items: (page.friends ?? []).map((f) => f.user?.id), cursor: page.cursor };
      });
      assert.deepEqual([...paged].sort(), [bob.user_id, cy.user_id, dee.user_id].sort());
      const badCursor = await restRefusal(client.listFriends(ada, undefined, 10, "not a cursor"));
      assert.deepEqual([badCursor.status, badCursor.body.code], [400, 3]);

      assert.equal(await client.blockFriends(ada), true);
      assert.equal(await client.blockFriends(ada, undefined, [cy.username as string]), true);
      assert.deepEqual(
        (await client.listFriends(ada, 3)).friends?.map((f) => f.user?.id),
        [cy.user_id],
      );
      assert.equal(await client.deleteFriends(ada), true);
      assert.equal(await client.deleteFriends(ada, [dee.user_id as string], [bob.username as string]), true);
      assert.deepEqual(
        (await client.listFriends(ada)).friends?.map((f) => [f.user?.id, f.state]),
        [[cy.user_id, 3]],
      );
    });

    test("groups: create, update, list with filters, limits and cursors, join, members, leave, delete", async () => {
      const { client } = kit;
      const owner = await kit.signIn("nkown");
      const bob = await kit.signIn("nkbob");
      const cy = await kit.signIn("nkcy");
      const stem = uniqueName("NkG");
      const minimal = await client.createGroup(owner, { name: `${stem}a` });
      assert.equal(typeof minimal.id, "string");
      assert.equal(minimal.creator_id, owner.user_id);
      assert.equal(minimal.open, false);
      assert.equal(minimal.edge_count, 1);
      assert.equal(minimal.max_count, 100);
      assert.deepEqual(minimal.metadata, {});
      assertTimestamp(minimal.create_time, "create_time");
      const full = await client.createGroup(owner, {
        name: `${stem}b`,
        description: "all of it",
        lang_tag: "fr",
        avatar_url: "https://example.com/g.png",
        open: true,
        max_count: 3,
      });
      assert.deepEqual(
        [full.description, full.lang_tag, full.avatar_url, full.open, full.max_count],
        ["all of it", "fr", "https://example.com/g.png", true, 3],
      );
      const noName = await restRefusal(client.createGroup(owner, {}));
      assert.deepEqual([noName.status, noName.body.message], [400, "Group name must be set."]);
      const taken = await restRefusal(client.createGroup(owner, { name: `${stem}a` }));
      assert.equal(taken.status, 409);

      const nothing = await restRefusal(client.updateGroup(owner, minimal.id as string, {}));
      assert.equal(nothing.body.message, "Specify at least one field to update.");
      // A name or language given empty: stock's words, before the caller's rights are looked at.
      const stranger = await kit.signIn("nkstranger");
      for (const who of [owner, stranger]) {
        const noName = await restRefusal(client.updateGroup(who, minimal.id as string, { name: "" }));
        assert.deepEqual(
          [noName.status, noName.body.code, noName.body.message],
          [400, 3, "Group name cannot be empty."],
        );
        const noLang = await restRefusal(client.updateGroup(who, minimal.id as string, { lang_tag: "" }));
        assert.deepEqual(
          [noLang.status, noLang.body.code, noLang.body.message],
          [400, 3, "Group language cannot be empty."],
        );
      }
      assert.equal(
        await client.updateGroup(owner, minimal.id as string, { description: "now set", open: true }),
        true,
      );

      // By name (a LIKE pattern), every page of one group, limits at their bounds.
      const named = await client.listGroups(owner, `${stem}%`, undefined, 100);
      assert.deepEqual(named.groups?.map((g) => g.name).sort(), [`${stem}a`, `${stem}b`]);
      assert.equal(named.groups?.find((g) => g.id === minimal.id)?.description, "now set");
      const pagedNames = await everyPage(async (cursor) => {
        const page = await client.listGroups(owner, `${stem}%`, cursor, 1);
        return { items: (page.groups ?? []).map((g) => g.name), cursor: page.cursor };
      });
      assert.deepEqual(pagedNames.sort(), [`${stem}a`, `${stem}b`]);
      const unfiltered = await client.listGroups(owner);
      assert.equal(unfiltered.groups?.length, 1, "the limit defaults to 1 when left out");
      assert.ok(unfiltered.cursor, "with a cursor to the next");
      assert.deepEqual(await client.listGroups(owner, uniqueName("none")), { groups: [] });
      for (const limit of [0, 101]) {
        const refused = await restRefusal(client.listGroups(owner, undefined, undefined, limit));
        assert.equal(refused.body.message, "Invalid limit - limit must be between 1 and 100.");
      }

      // Open group: bob joins as a member; closed (then opened above) group: cy is added.
      assert.equal(await client.joinGroup(bob, full.id as string), true);
      assert.equal(await client.addGroupUsers(owner, full.id as string), true, "no ids: nothing done");
      assert.equal(await client.addGroupUsers(owner, full.id as string, []), true);
      assert.equal(await client.addGroupUsers(owner, full.id as string, [cy.user_id as string]), true);
      const members = await client.listGroupUsers(owner, full.id as string);
      const stateOf = new Map((members.group_users ?? []).map((m) => [m.user?.id, m.state]));
      assert.deepEqual(
        [stateOf.get(owner.user_id), stateOf.get(bob.user_id), stateOf.get(cy.user_id)],
        [0, 2, 2],
      );
      for (const m of members.group_users ?? []) assert.equal(typeof m.user?.edge_count, "number");
      assert.deepEqual(
        (await client.listGroupUsers(owner, full.id as string, 0)).group_users?.map((m) => m.user?.id),
        [owner.user_id],
      );
      const pagedMembers = await everyPage(async (cursor) => {
        const page = await client.listGroupUsers(owner, full.id as string, undefined, 1, cursor);
        return { items: (page.group_users ?? []).map((m) => m.user?.id), cursor: page.cursor };
      });
      assert.deepEqual(pagedMembers.sort(), [owner.user_id, bob.user_id, cy.user_id].sort());
      assert.equal(
        (await client.listGroupUsers(owner, full.id as string, undefined, 100)).group_users?.length,
        3,
      );
      for (const limit of [0, 101]) {
        const refused = await restRefusal(client.listGroupUsers(owner, full.id as string, undefined, limit));
        assert.equal(refused.body.message, "Invalid limit - limit must be between 1 and 100.");
      }
      const full3 = await restRefusal(client.joinGroup(await kit.signIn("nklate"), full.id as string));
      assert.deepEqual([full3.status, full3.body.message], [400, "Group is full."]);

      // The client sends listUserGroups' state as the limit and its limit as the state (2.8.0
      // swaps them on the way to the request); stock reads the request the same way.
      const mine = await client.listUserGroups(owner, owner.user_id as string);
      assert.deepEqual(mine.user_groups?.map((g) => g.group?.name).sort(), [`${stem}a`, `${stem}b`]);
      for (const g of mine.user_groups ?? []) {
        assert.equal(g.state, 0);
        assert.equal(typeof g.group?.edge_count, "number");
      }
      const pagedGroups = await everyPage(async (cursor) => {
        const page = await client.listUserGroups(owner, owner.user_id as string, 1, undefined, cursor);
        return { items: (page.user_groups ?? []).map((g) => g.group?.id), cursor: page.cursor };
      });
      assert.deepEqual(pagedGroups.sort(), [minimal.id, full.id].sort());
      assert.deepEqual(await client.listUserGroups(owner, (await kit.signIn()).user_id as string), {
        user_groups: [],
        cursor: undefined,
      });
      const badUser = await restRefusal(client.listUserGroups(owner, "not-a-uuid"));
      assert.deepEqual([badUser.status, badUser.body.code], [400, 3]);

      // Member operations with nothing to do, then with users.
      assert.equal(await client.kickGroupUsers(owner, full.id as string), true);
      assert.equal(await client.banGroupUsers(owner, full.id as string), true);
      assert.ok(await client.promoteGroupUsers(owner, full.id as string));
      const demoteNobody = await restRefusal(client.demoteGroupUsers(owner, full.id as string, []));
      assert.deepEqual([demoteNobody.status, demoteNobody.body.message], [400, "User IDs must be set."]);
      assert.ok(await client.promoteGroupUsers(owner, full.id as string, [bob.user_id as string]));
      assert.equal(await client.demoteGroupUsers(owner, full.id as string, [bob.user_id as string]), true);
      assert.equal(await client.kickGroupUsers(owner, full.id as string, [cy.user_id as string]), true);
      assert.equal(await client.banGroupUsers(owner, full.id as string, [bob.user_id as string]), true);
      const banned = await client.listGroupUsers(owner, full.id as string);
      assert.deepEqual(
        banned.group_users?.map((m) => m.user?.id),
        [owner.user_id],
      );
      assert.equal(await client.joinGroup(cy, minimal.id as string), true);
      assert.equal(await client.leaveGroup(cy, minimal.id as string), true);

      // The last member leaving deletes the group, as stock (3.25 on) does.
      assert.equal(await client.leaveGroup(owner, full.id as string), true);
      const gone = await restRefusal(client.deleteGroup(owner, full.id as string));
      assert.deepEqual([gone.status, gone.body.code], [400, 3]);
      const badId = await restRefusal(client.joinGroup(owner, "not-a-uuid"));
      assert.deepEqual([badId.status, badId.body.message], [400, "Group ID must be a valid ID."]);
    });

    test("refusals of sign-in, friend and group calls carry stock's status, code and words", async () => {
      const { client, srv } = kit;
      const refused = async (call: Promise<unknown>) => {
        const { status, body } = await restRefusal(call);
        return [status, body.code, body.message];
      };
      assert.deepEqual(await refused(client.authenticateDevice("short")), [
        400,
        3,
        "Device ID invalid, must be 10-128 bytes.",
      ]);
      assert.deepEqual(await refused(client.authenticateDevice("d".repeat(129))), [
        400,
        3,
        "Device ID invalid, must be 10-128 bytes.",
      ]);
      assert.deepEqual(await refused(client.authenticateCustom("abc")), [
        400,
        3,
        "Custom ID invalid, must be 6-128 bytes.",
      ]);
      assert.deepEqual(await refused(client.authenticateEmail("not-an-email", "a long password")), [
        400,
        3,
        "Invalid email address format.",
      ]);
      assert.deepEqual(await refused(client.authenticateEmail(`${uniqueName()}@example.com`, "short")), [
        400,
        3,
        "Password must be at least 8 characters long.",
      ]);
      assert.deepEqual(
        await refused(client.authenticateDevice(`device-${uniqueName()}`, true, "tab\there")),
        [400, 3, "Username invalid, no spaces or control characters allowed."],
      );
      const wrongKey = new (client.constructor as typeof Client)(
        "not-the-key",
        "127.0.0.1",
        String(srv.port),
      );
      assert.deepEqual(await refused(wrongKey.authenticateDevice(`device-${uniqueName()}`)), [
        401,
        16,
        "Server key invalid",
      ]);

      const ada = await kit.signIn("nkada");
      const bob = await kit.signIn("nkbob");
      const self = "Cannot add self as friend.";
      assert.deepEqual(await refused(client.addFriends(ada, [ada.user_id as string])), [400, 3, self]);
      assert.deepEqual(await refused(client.addFriends(ada, undefined, [ada.username as string])), [
        400,
        3,
        self,
      ]);
      assert.deepEqual(await refused(client.addFriends(ada, ["nope"])), [400, 3, "Invalid user ID 'nope'."]);
      const nobody = [uniqueName("nobody")];
      const noValid = "No valid ID or username was provided.";
      assert.deepEqual(await refused(client.addFriends(ada, undefined, nobody)), [400, 3, noValid]);
      assert.deepEqual(await refused(client.blockFriends(ada, undefined, nobody)), [400, 3, noValid]);
      assert.equal(await client.deleteFriends(ada, undefined, nobody), true, "deleting nobody is no fault");
      assert.deepEqual(await refused(client.deleteFriends(ada, [ada.user_id as string])), [
        400,
        3,
        "Cannot delete self.",
      ]);

      assert.deepEqual(await refused(client.createGroup(ada, { name: uniqueName("nkg"), max_count: -1 })), [
        400,
        3,
        "Group max count must be >= 1 when set.",
      ]);
      const closed = await client.createGroup(ada, { name: uniqueName("nkclosed"), open: false });
      const gid = closed.id as string;
      assert.deepEqual(await refused(client.updateGroup(bob, gid, { description: "x" })), [
        404,
        5,
        "Group not found or you're not allowed to update.",
      ]);
      assert.deepEqual(await refused(client.addGroupUsers(bob, gid, [bob.user_id as string])), [
        404,
        5,
        "Group not found or permission denied.",
      ]);
      assert.deepEqual(await refused(client.deleteGroup(bob, gid)), [
        400,
        3,
        "Group not found or you're not allowed to delete.",
      ]);
      assert.deepEqual(await refused(client.addGroupUsers(ada, gid, ["nope"])), [
        400,
        3,
        "User ID must be a valid ID.",
      ]);
      assert.deepEqual(
        await refused(client.addGroupUsers(ada, gid, ["00000000-0000-4000-8000-000000000000"])),
        [400, 3, "One or more users not found."],
      );
      assert.deepEqual(await refused(client.joinGroup(bob, "00000000-0000-4000-8000-000000000000")), [
        404,
        5,
        "Group not found.",
      ]);
      // A closed group: joining asks (state 3), an admin's add accepts (state 2).
      assert.equal(await client.joinGroup(bob, gid), true);
      const asked = await client.listGroupUsers(ada, gid, 3);
      assert.deepEqual(
        asked.group_users?.map((m) => [m.user?.id, m.state]),
        [[bob.user_id, 3]],
      );
      assert.equal(await client.addGroupUsers(ada, gid, [bob.user_id as string]), true);
      assert.deepEqual(
        (await client.listGroupUsers(ada, gid, 2)).group_users?.map((m) => m.user?.id),
        [bob.user_id],
      );
    });

    test("notifications: default and bounded limits, the cacheable cursor passed back, delete", async () => {
      const { client } = kit;
      const ada = await kit.signIn("nkada");
      assert.deepEqual((await client.listNotifications(ada, 100)).notifications, []);
      // Three friend requests make three notifications for ada.
      const senders = [await kit.signIn("nkn"), await kit.signIn("nkn"), await kit.signIn("nkn")];
      for (const s of senders) await client.addFriends(s, [ada.user_id as string]);
      const one = await client.listNotifications(ada);
      assert.equal(one.notifications?.length, 1, "the limit defaults to 1 when left out");
      const listed = await client.listNotifications(ada, 100);
      assert.equal(listed.notifications?.length, 3);
      for (const n of listed.notifications ?? []) {
        assert.equal(typeof n.id, "string");
        assert.equal(typeof n.subject, "string");
        assert.equal(typeof n.code, "number");
        assert.equal(n.persistent, true);
        assert.equal(typeof n.content, "object", "content is parsed by the client");
        assertTimestamp(n.create_time, "create_time");
      }
      assert.ok(listed.cacheable_cursor, "a cacheable cursor");
      // Passed back, the cacheable cursor lists only what came after it.
      assert.deepEqual((await client.listNotifications(ada, 100, listed.cacheable_cursor)).notifications, []);
      const later = await kit.signIn("nkn");
      await client.addFriends(later, [ada.user_id as string]);
      const newer = await client.listNotifications(ada, 100, listed.cacheable_cursor);
      assert.deepEqual(
        newer.notifications?.map((n) => n.sender_id),
        [later.user_id],
      );
      for (const limit of [0, 101]) {
        const refused = await restRefusal(client.listNotifications(ada, limit));
        assert.equal(refused.body.message, "Invalid limit - limit must be between 1 and 100.");
      }
      const badCursor = await restRefusal(client.listNotifications(ada, 10, "not a cursor"));
      assert.deepEqual([badCursor.status, badCursor.body.code], [400, 3]);

      assert.equal(await client.deleteNotifications(ada), true);
      assert.equal(await client.deleteNotifications(ada, []), true);
      assert.equal(await client.deleteNotifications(ada, ["00000000-0000-4000-8000-000000000000"]), true);
      const ids = (listed.notifications ?? []).map((n) => n.id as string);
      assert.equal(await client.deleteNotifications(ada, ids), true);
      assert.deepEqual(
        (await client.listNotifications(ada, 100)).notifications?.map((n) => n.sender_id),
        [later.user_id],
      );
    });

    test("history of an empty room: every argument left out, limits at their bounds, malformed ids and cursors refused", async () => {
      const { client } = kit;
      const reader = await kit.signIn("nkread");
      const room = `2...${uniqueName("nkroom")}`;
      assert.deepEqual(await client.listChannelMessages(reader, room), {
        messages: [],
        next_cursor: undefined,
        prev_cursor: undefined,
        cacheable_cursor: undefined,
      });
      assert.deepEqual((await client.listChannelMessages(reader, room, 100, false)).messages, []);
      assert.deepEqual((await client.listChannelMessages(reader, room, 1, true)).messages, []);
      for (const limit of [0, 101]) {
        const refused = await restRefusal(client.listChannelMessages(reader, room, limit));
        assert.equal(refused.body.message, "Invalid limit - limit must be between 1 and 100.");
      }
      const badId = await restRefusal(client.listChannelMessages(reader, "not-a-channel", 10));
      assert.deepEqual([badId.status, badId.body.code], [400, 3]);
      const badCursor = await restRefusal(client.listChannelMessages(reader, room, 10, true, "not a cursor"));
      assert.deepEqual([badCursor.status, badCursor.body.code], [400, 3]);
    });
  });
}
