// Member listings (a group's users, a user's groups) page by a cursor naming the first entry of
// the next page, as stock Nakama's do: entries that leave before it, between two pages, make the
// next page neither skip an entry nor list one again.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, type Session } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`member listings paged while members change (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    const signIn = (client: Client, name: string) =>
      client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(name) });

    test("a group's users: members leaving from the first page do not make the next skip anyone", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const owner = await signIn(client, "owner");
      const members: Session[] = [];
      for (const name of ["bob", "cy", "dee", "eve"]) members.push(await signIn(client, name));
      const group = await client.createGroup(owner, { name: uniqueName("club"), open: true });
      for (const m of members) await client.joinGroup(m, group.id);
      const first = await client.listGroupUsers(owner, group.id, { limit: 2 });
      const names = (page: typeof first) => page.groupUsers.map((g) => g.user?.username);
      assert.deepEqual(names(first), [owner.username, members[0]?.username]);
      await client.leaveGroup(members[0] as Session, group.id);
      const second = await client.listGroupUsers(owner, group.id, { limit: 2, cursor: first.cursor });
      assert.deepEqual(names(second), [members[1]?.username, members[2]?.username]);
      const third = await client.listGroupUsers(owner, group.id, { limit: 2, cursor: second.cursor });
      assert.deepEqual(names(third), [members[3]?.username]);
      assert.equal(third.cursor, "");
    });

    test("a user's groups: groups left from the first page do not make the next skip any", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const owner = await signIn(client, "owner");
      const ada = await signIn(client, "ada");
      const groups = [];
      for (let i = 0; i < 5; i++) {
        const group = await client.createGroup(owner, { name: uniqueName(`g${i}`), open: true });
        await client.joinGroup(ada, group.id);
        groups.push(group);
      }
      const first = await client.listUserGroups(ada, ada.userId, { limit: 2 });
      const names = (page: typeof first) => page.userGroups.map((g) => g.group?.name);
      assert.deepEqual(names(first), [groups[0]?.name, groups[1]?.name]);
      await client.leaveGroup(ada, groups[0]?.id as string);
      const second = await client.listUserGroups(ada, ada.userId, { limit: 2, cursor: first.cursor });
      assert.deepEqual(names(second), [groups[2]?.name, groups[3]?.name]);
      const third = await client.listUserGroups(ada, ada.userId, { limit: 2, cursor: second.cursor });
      assert.deepEqual(names(third), [groups[4]?.name]);
    });
  });
}
