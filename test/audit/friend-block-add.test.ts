// Adding a user one has blocked: stock Nakama ignores it ("delete friend first before attempting
// to add"), so the block stays and the blocked user hears nothing. herald used to turn the block
// into a friend request: the block was lifted and the blocked user was notified.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ChannelType,
  Client,
  FriendState,
  HeraldError,
  NotificationCode,
  type Session,
} from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { modeMatrix, serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`adding a blocked user (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const signIn = (client: Client): Promise<Session> =>
      client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName("u") });

    test("adding a user one has blocked keeps the block and sends them nothing", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const blocker = await signIn(client);
      const blocked = await signIn(client);
      await client.blockFriends(blocker, { ids: [blocked.userId] });

      await client.addFriends(blocker, { ids: [blocked.userId] });
      await client.addFriends(blocker, { usernames: [blocked.username] });

      const mine = await client.listFriends(blocker, {});
      assert.deepEqual(
        mine.friends.map((f) => [f.user?.id, f.state]),
        [[blocked.userId, FriendState.Blocked]],
      );
      const theirs = await client.listFriends(blocked, {});
      assert.deepEqual(theirs.friends, [], "the blocked user has no edge to the blocker");
      const told = await client.listNotifications(blocked, { limit: 100 });
      assert.deepEqual(
        told.notifications.filter((n) => n.code === NotificationCode.FriendRequest),
        [],
        "no friend request reached the blocked user",
      );
    });

    test("the block still keeps the blocked user out of a direct chat after the add", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const blocker = await signIn(client);
      const blocked = await signIn(client);
      await client.blockFriends(blocker, { ids: [blocked.userId] });
      await client.addFriends(blocker, { ids: [blocked.userId] });
      for (const { codec } of modeMatrix.filter((m) => m.mode.name === mode.name)) {
        const socket = client.createSocket({ codec, reconnect: false });
        await socket.connect(blocked);
        try {
          const refused = await socket
            .joinChat(blocker.userId, ChannelType.DirectMessage)
            .catch((e: unknown) => e);
          assert.ok(HeraldError.is(refused), `${codec.format}: ${String(refused)}`);
          assert.equal(refused.serverCode, 3);
          assert.equal(refused.message, "User ID not found: Invalid channel target");
        } finally {
          await socket.disconnect();
        }
      }
    });
  });
}
