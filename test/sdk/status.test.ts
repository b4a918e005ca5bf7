import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StatusPresenceEvent } from "../../src/index.js";
import { formats, Inbox, worldForSuite } from "./harness.js";

const world = worldForSuite();

function statusInbox(socket: import("../../src/index.js").Socket) {
  return new Inbox<StatusPresenceEvent>(socket, (fn) => socket.onStatusPresence(fn), "status presence event");
}

const joinOf = (userId: string) => (e: StatusPresenceEvent) => e.joins.some((p) => p.userId === userId);
const leaveOf = (userId: string) => (e: StatusPresenceEvent) =>
  e.leaves.some((p) => p.userId === userId) && !e.joins.some((p) => p.userId === userId);

for (const [format, codec] of formats) {
  describe(`status over ${format}`, () => {
    test("a follower receives the new status in joins and the old one in leaves", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const inbox = statusInbox(bob.socket);
      const { presences } = await bob.socket.followUsers([ada.userId]);
      assert.deepEqual(presences, []);
      await ada.socket.updateStatus("Hello everyone!");
      const first = await inbox.next(joinOf(ada.userId));
      assert.equal(first.joins[0]?.status, "Hello everyone!");
      assert.equal(first.joins[0]?.username, ada.username);
      await ada.socket.updateStatus("Playing level 3");
      const second = await inbox.next(joinOf(ada.userId));
      assert.equal(second.joins[0]?.status, "Playing level 3");
      assert.equal(second.leaves[0]?.status, "Hello everyone!");
      assert.equal(second.leaves[0]?.sessionId, second.joins[0]?.sessionId);
    });

    test("following returns the presences of users online with a visible status", async () => {
      const ada = await world.peer(codec);
      const quiet = await world.peer(codec);
      await ada.socket.updateStatus("busy");
      const bob = await world.peer(codec);
      const { presences } = await bob.socket.followUsers([ada.userId, quiet.userId]);
      assert.equal(presences.length, 1);
      assert.equal(presences[0]?.userId, ada.userId);
      assert.equal(presences[0]?.status, "busy");
    });

    test("following by username works as following by id", async () => {
      const ada = await world.peer(codec);
      await ada.socket.updateStatus("here");
      const bob = await world.peer(codec);
      const { presences } = await bob.socket.followUsers([], { usernames: [ada.username] });
      assert.equal(presences[0]?.userId, ada.userId);
    });

    for (const [label, appearOffline] of [
      ["updateStatus()", (s: import("../../src/index.js").Socket) => s.updateStatus()],
      ["updateStatus(null)", (s: import("../../src/index.js").Socket) => s.updateStatus(null)],
      ['updateStatus("")', (s: import("../../src/index.js").Socket) => s.updateStatus("")],
      ["appearOffline()", (s: import("../../src/index.js").Socket) => s.appearOffline()],
    ] as const) {
      test(`a follower receives only a leave when the user appears offline with ${label}`, async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const inbox = statusInbox(bob.socket);
        await bob.socket.followUsers([ada.userId]);
        await ada.socket.updateStatus("online");
        await inbox.next(joinOf(ada.userId));
        await appearOffline(ada.socket);
        const event = await inbox.next(leaveOf(ada.userId));
        assert.deepEqual(event.joins, []);
        assert.equal(event.leaves[0]?.status, "online");
        const users = await world.client.getUsers(bob.session, { ids: [ada.userId] });
        assert.equal(users.users[0]?.online, false);
      });
    }

    test("a follower receives a leave when the user disconnects, and the status is erased", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const inbox = statusInbox(bob.socket);
      await bob.socket.followUsers([ada.userId]);
      await ada.socket.updateStatus("about to go");
      await inbox.next(joinOf(ada.userId));
      await ada.socket.disconnect();
      const event = await inbox.next(leaveOf(ada.userId));
      assert.equal(event.leaves[0]?.status, "about to go");
      const again = await bob.socket.followUsers([ada.userId]);
      assert.deepEqual(again.presences, []);
    });

    test("each device of a user has its own status", async () => {
      const ada = await world.peer(codec);
      const phone = await world.connect(ada.session, codec);
      const bob = await world.peer(codec);
      await ada.socket.updateStatus("on desktop");
      await phone.updateStatus("on phone");
      const { presences } = await bob.socket.followUsers([ada.userId]);
      assert.deepEqual(presences.map((p) => p.status).sort(), ["on desktop", "on phone"]);
      assert.notEqual(presences[0]?.sessionId, presences[1]?.sessionId);
    });

    test("after unfollowing, status changes no longer arrive", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const inbox = statusInbox(bob.socket);
      await bob.socket.followUsers([ada.userId]);
      await bob.socket.unfollowUsers([ada.userId]);
      await ada.socket.updateStatus("nobody sees this");
      await ada.socket.ping();
      await inbox.none(joinOf(ada.userId));
    });

    test("follows end with the session that made them", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      await bob.socket.followUsers([ada.userId]);
      await bob.socket.disconnect();
      const bobAgain = await world.connect(bob.session, codec);
      const inbox = statusInbox(bobAgain);
      await ada.socket.updateStatus("new session, no follow");
      await ada.socket.ping();
      await inbox.none(joinOf(ada.userId));
    });

    test("users are online while they have a visible status and offline otherwise", async () => {
      const ada = await world.peer(codec);
      const viewer = await world.signIn();
      const before = await world.client.getUsers(viewer, { ids: [ada.userId] });
      assert.equal(before.users[0]?.online, false);
      await ada.socket.updateStatus("visible");
      const during = await world.client.getUsers(viewer, { ids: [ada.userId], usernames: [ada.username] });
      assert.equal(during.users.length, 1);
      assert.equal(during.users[0]?.online, true);
      assert.ok(during.users[0]?.createTime instanceof Date);
      assert.deepEqual(during.users[0]?.metadata, {});
    });

    test("connecting with appearOnline shows the user to followers at once", async () => {
      const bob = await world.peer(codec);
      const adaSession = await world.signIn("ada");
      const inbox = statusInbox(bob.socket);
      await bob.socket.followUsers([adaSession.userId]);
      await world.connect(adaSession, codec, { appearOnline: true });
      const event = await inbox.next(joinOf(adaSession.userId));
      assert.equal(event.joins[0]?.status ?? "", "");
    });

    test("a refused follow (malformed user id) rejects with bad_input and the socket stays usable", async () => {
      const bob = await world.peer(codec);
      await assert.rejects(bob.socket.followUsers(["not a uuid"]), { code: "bad_input" });
      await bob.socket.ping();
      assert.equal(bob.socket.state, "open");
    });

    test("a status over 2048 bytes in UTF-8 is refused before it is sent", async () => {
      const ada = await world.peer(codec);
      await assert.rejects(ada.socket.updateStatus("x".repeat(2049)), { code: "bad_input" });
      // 1,025 characters, but 2,050 bytes: the server would refuse it, so the SDK does first.
      await assert.rejects(ada.socket.updateStatus("é".repeat(1025)), {
        code: "bad_input",
        message: /bytes/,
      });
      assert.equal(ada.socket.state, "open");
      await ada.socket.updateStatus("é".repeat(1024));
      await ada.socket.updateStatus("x".repeat(2048));
    });
  });
}
