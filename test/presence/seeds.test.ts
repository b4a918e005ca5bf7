// Stream's user presence (online, status, last_active, invisible, listening to changes), each
// statement against the bundled server, in both server modes: herald's, where the "user_presence"
// extension serves every statement, and stock-faithful, where only `online` exists and the
// extension's calls are refused as unsupported.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ChannelMessage,
  type ChannelPresenceEvent,
  ChannelType,
  Client,
  HeraldError,
  type Session,
  type StatusPresenceEvent,
} from "../../src/index.js";
import { isInvisible, type PresenceChange, PresenceStore, setInvisible } from "../../src/presence/index.js";
import { openSocket, uniqueName } from "../helpers/server.js";
import { heraldMode, stockMode } from "../helpers/server-modes.js";
import { formats, Inbox, worldForSuite } from "../sdk/harness.js";
import { waitFor } from "../sdk/helpers.js";

const world = worldForSuite(heraldMode.options);
const stockWorld = worldForSuite(stockMode.options);

async function userAs(viewer: Session, userId: string, on = world) {
  const { users } = await on.client.getUsers(viewer, { ids: [userId] });
  const user = users[0];
  assert.ok(user, `user ${userId} is listed`);
  return user;
}

/**
 * `userId` as `viewer` reads it once it is offline (or as it is after 5 s). The server handles a
 * close after the client's `disconnect()` has resolved (on a cluster, through another node), so
 * a read made at once may still find the user online.
 */
async function userOnceOffline(viewer: Session, userId: string, on = world) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const user = await userAs(viewer, userId, on);
    if (!user.online || Date.now() > deadline) return user;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `userId`'s last_active as `viewer` reads it, once it is at or after `since` (or as it is after 5
 * s). A connect stores last_active without holding up the socket's opening, so on PostgreSQL it
 * lands a round trip after the socket is open.
 */
async function lastActiveSince(viewer: Session, userId: string, since: number) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const at = (await userAs(viewer, userId)).lastActive;
    if ((at !== undefined && at.getTime() >= since) || Date.now() > deadline) return at;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const [format, codec] of formats) {
  describe(`user presence (herald, ${format})`, () => {
    test("a user read by others carries online, status and last_active while connected", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      await ada.socket.updateStatus("Eating a veggie burger...");
      const bob = await world.signIn();
      const user = await userAs(bob, ada.userId);
      assert.equal(user.id, ada.userId);
      assert.equal(user.online, true);
      assert.equal(user.status, "Eating a veggie burger...");
      // Stored after the connect's commit, which the socket's opening does not wait for.
      assert.ok((await lastActiveSince(bob, ada.userId, 0)) instanceof Date, "last_active is set");
    });

    test("online becomes false and the status goes when the user disconnects", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      await ada.socket.updateStatus("here");
      const bob = await world.signIn();
      const before = await userAs(bob, ada.userId);
      await ada.socket.disconnect();
      const after = await userOnceOffline(bob, ada.userId);
      assert.equal(after.online, false);
      assert.equal(after.status, undefined);
      // `before` may have been read before the connect's stamp was committed.
      const lastActive = await lastActiveSince(bob, ada.userId, before.lastActive?.getTime() ?? 0);
      assert.ok(lastActive instanceof Date);
      assert.ok(lastActive.getTime() >= (before.lastActive?.getTime() ?? 0));
    });

    test("online is false while the user appears offline, though connected", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      const bob = await world.signIn();
      assert.equal((await userAs(bob, ada.userId)).online, true);
      await ada.socket.appearOffline();
      assert.equal((await userAs(bob, ada.userId)).online, false);
    });

    test("last_active is updated when the user connects", async () => {
      const session = await world.signIn();
      const bob = await world.signIn();
      assert.equal((await userAs(bob, session.userId)).lastActive, undefined, "never connected yet");
      const first = Date.now();
      const socket = await world.connect(session, codec);
      const once = await lastActiveSince(bob, session.userId, first);
      assert.ok(once instanceof Date && once.getTime() >= first, "set at the first connect");
      await socket.disconnect();
      const second = Date.now();
      await world.connect(session, codec);
      const again = await lastActiveSince(bob, session.userId, second);
      assert.ok(again instanceof Date && again.getTime() >= second, "set again at the next connect");
    });

    test("the presence store shows the last_active set when the user's last connection closes", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      const bob = await world.peer(codec);
      // The connect's stamp is stored after commit, which the socket's opening does not wait for.
      assert.ok((await lastActiveSince(bob.session, ada.userId, 0)) instanceof Date);
      const store = new PresenceStore(bob.socket, world.client, bob.session);
      const [initial] = await store.watch([ada.userId]);
      assert.ok(initial?.lastActive instanceof Date);
      const changes = new Inbox<PresenceChange>(bob.socket, (fn) => store.onChange(fn), "presence change");
      await ada.socket.disconnect();
      assert.equal((await changes.next()).type, "leave");
      const closedAt = (await userAs(bob.session, ada.userId)).lastActive;
      assert.ok(closedAt instanceof Date && closedAt.getTime() >= initial.lastActive.getTime());
      await waitFor(
        () => store.get(ada.userId)?.lastActive?.getTime() === closedAt.getTime(),
        "the store to read last_active again after the leave",
      );
      await store.close();
    });

    test("invisible is stored on the account and persists across a disconnect and reconnect", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      const bob = await world.signIn();
      await world.client.updateAccount(ada.session, { invisible: true });
      assert.equal((await world.client.getAccount(ada.session)).invisible, true);
      assert.equal((await userAs(bob, ada.userId)).online, false, "invisible users appear offline");

      await ada.socket.disconnect();
      const again = await world.connect(ada.session, codec, { appearOnline: true });
      await again.updateStatus("back");
      assert.equal((await world.client.getAccount(ada.session)).invisible, true, "still invisible");
      const seen = await userAs(bob, ada.userId);
      assert.equal(seen.online, false);
      assert.equal(seen.status, undefined);

      await world.client.updateAccount(ada.session, { invisible: false });
      assert.equal((await world.client.getAccount(ada.session)).invisible, false);
      const visible = await userAs(bob, ada.userId);
      assert.equal(visible.online, true, "visible again once turned off");
      assert.equal(visible.status, "back");
    });

    test("invisible can be set when connecting, and stays set on the next connection", async () => {
      const ada = await world.signIn();
      const bob = await world.signIn();
      const socket = world.client.createSocket({ codec });
      await socket.connect(ada, { appearOnline: true, invisible: true });
      try {
        assert.equal((await world.client.getAccount(ada)).invisible, true);
        assert.equal((await userAs(bob, ada.userId)).online, false);
      } finally {
        await socket.disconnect();
      }
      await world.connect(ada, codec, { appearOnline: true });
      assert.equal((await world.client.getAccount(ada)).invisible, true);
      assert.equal((await userAs(bob, ada.userId)).online, false);
    });

    test("invisible set by the connect request itself hides the user from a follower", async () => {
      const ada = await world.signIn();
      const bob = await world.peer(codec);
      const store = new PresenceStore(bob.socket, world.client, bob.session);
      await store.watch([ada.userId]);
      const changes = new Inbox<PresenceChange>(bob.socket, (fn) => store.onChange(fn), "presence change");
      const raw = await openSocket(world.server.url, { token: ada.token }, codec, {
        status: true,
        invisible: true,
      });
      try {
        await raw.callEmpty("statusUpdate", { status: "hidden at once" });
        await changes.none((c) => c.current.online);
        assert.equal((await world.client.getAccount(ada)).invisible, true);
        assert.equal((await userAs(bob.session, ada.userId)).online, false);
      } finally {
        await raw.close();
        await store.close();
      }
    });

    test("followers see an invisible user leave and not come back until visible again", async () => {
      const ada = await world.peer(codec);
      await ada.socket.updateStatus("here");
      const bob = await world.peer(codec);
      // Read by the store only once the connect's stamp is stored (after commit): else the store's
      // read after the leave finds a newer last_active and tells of it, a change nobody made.
      assert.ok((await lastActiveSince(bob.session, ada.userId, 0)) instanceof Date);
      const store = new PresenceStore(bob.socket, world.client, bob.session);
      const [initial] = await store.watch([ada.userId]);
      assert.equal(initial?.online, true);
      const changes = new Inbox<PresenceChange>(bob.socket, (fn) => store.onChange(fn), "presence change");
      const raw = new Inbox<StatusPresenceEvent>(
        bob.socket,
        (fn) => bob.socket.onStatusPresence(fn),
        "status event",
      );

      await world.client.updateAccount(ada.session, { invisible: true });
      const leave = await changes.next((c) => c.userId === ada.userId);
      assert.equal(leave.type, "leave");
      assert.equal(leave.current.online, false);
      const event = await raw.next();
      assert.deepEqual(event.joins, [], "exactly as if the user disconnected: leaves only");
      assert.equal(event.leaves[0]?.status, "here");

      await ada.socket.updateStatus("sneaking around");
      const late = await world.peer(codec);
      const { presences } = await late.socket.followUsers([ada.userId]);
      assert.deepEqual(presences, [], "a new follower sees no session either");
      await raw.none();
      await changes.none((c) => c.current.online);

      await world.client.updateAccount(ada.session, { invisible: false });
      // Offline changes (a newer last_active read after the leave) may come first; the first online
      // one must be the join.
      const join = await changes.next((c) => c.userId === ada.userId && c.current.online);
      assert.equal(join.type, "join");
      assert.equal(join.current.status, "sneaking around");
      await store.close();
    });

    test("an invisible user's channel presence is hidden from other members", async () => {
      const room = uniqueName("room");
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      await bob.socket.joinChat(room, ChannelType.Room);
      const bobHears = new Inbox<ChannelPresenceEvent>(
        bob.socket,
        (fn) => bob.socket.onChannelPresence(fn),
        "channel presence",
      );
      await world.client.updateAccount(ada.session, { invisible: true });
      const channel = await ada.socket.joinChat(room, ChannelType.Room);
      assert.ok(
        channel.presences.some((p) => p.userId === bob.userId),
        "the invisible user still sees others",
      );
      await bobHears.none((e) => e.joins.some((p) => p.userId === ada.userId));

      const cat = await world.peer(codec);
      const seenByCat = await cat.socket.joinChat(room, ChannelType.Room);
      assert.deepEqual(
        seenByCat.presences.map((p) => p.userId),
        [bob.userId],
        "listed members leave the invisible user out",
      );
      const bobReads = new Inbox<ChannelMessage>(
        bob.socket,
        (fn) => bob.socket.onChannelMessage(fn),
        "channel message",
      );
      await ada.socket.writeChatMessage(channel.id, { text: "still here, quietly" });
      const message = await bobReads.next();
      assert.equal(message.senderId, ada.userId, "an invisible user still writes");
      await ada.socket.leaveChat(channel.id);
      await bobHears.none((e) => e.leaves.some((p) => p.userId === ada.userId));
    });

    test("setInvisible and isInvisible switch and read the flag on a server with user presence", async () => {
      const ada = await world.peer(codec, { appearOnline: true });
      const bob = await world.signIn();
      assert.equal(await isInvisible(world.client, ada.session), false);
      await setInvisible(world.client, ada.session, true);
      assert.equal(await isInvisible(world.client, ada.session), true);
      assert.equal((await userAs(bob, ada.userId)).online, false);
      await setInvisible(world.client, ada.session, false);
      assert.equal(await isInvisible(world.client, ada.session), false);
      assert.equal((await userAs(bob, ada.userId)).online, true);
    });
  });
}

for (const [format, codec] of formats) {
  describe(`user presence (nakama, ${format})`, () => {
    const w = stockWorld;
    const unsupported = (err: unknown) => HeraldError.is(err, "unsupported");

    test("a user read by others carries online while connected, and neither status nor last_active", async () => {
      const ada = await w.peer(codec, { appearOnline: true });
      await ada.socket.updateStatus("Eating a veggie burger...");
      const bob = await w.signIn();
      const user = await userAs(bob, ada.userId, w);
      assert.equal(user.online, true);
      assert.equal(user.status, undefined, "stock users carry no status");
      assert.equal(user.lastActive, undefined, "stock users carry no last_active");
    });

    test("online becomes false when the user disconnects", async () => {
      const ada = await w.peer(codec, { appearOnline: true });
      const bob = await w.signIn();
      assert.equal((await userAs(bob, ada.userId, w)).online, true);
      await ada.socket.disconnect();
      assert.equal((await userOnceOffline(bob, ada.userId, w)).online, false);
    });

    test("online is false while the user appears offline, though connected", async () => {
      const ada = await w.peer(codec, { appearOnline: true });
      const bob = await w.signIn();
      assert.equal((await userAs(bob, ada.userId, w)).online, true);
      await ada.socket.appearOffline();
      assert.equal((await userAs(bob, ada.userId, w)).online, false);
    });

    test("the presence store follows users with no last_active, and tells of a leave on disconnect", async () => {
      const ada = await w.peer(codec, { appearOnline: true });
      await ada.socket.updateStatus("here");
      const bob = await w.peer(codec);
      const store = new PresenceStore(bob.socket, w.client, bob.session);
      const [initial] = await store.watch([ada.userId]);
      assert.equal(initial?.online, true);
      assert.equal(initial?.status, "here");
      assert.equal(initial?.username, ada.username);
      assert.equal(initial?.lastActive, undefined);
      const changes = new Inbox<PresenceChange>(bob.socket, (fn) => store.onChange(fn), "presence change");
      await ada.socket.disconnect();
      const leave = await changes.next((c) => c.userId === ada.userId);
      assert.equal(leave.type, "leave");
      assert.equal(leave.current.online, false);
      assert.equal(store.get(ada.userId)?.lastActive, undefined);
      await store.close();
    });

    test("invisible is refused (setInvisible, isInvisible, connect, updateAccount) and the user stays visible", async () => {
      const ada = await w.peer(codec, { appearOnline: true });
      const bob = await w.signIn();
      await assert.rejects(setInvisible(w.client, ada.session, true), unsupported);
      await assert.rejects(isInvisible(w.client, ada.session), unsupported);
      const socket = w.client.createSocket({ codec });
      await assert.rejects(socket.connect(bob, { appearOnline: true, invisible: true }), unsupported);
      assert.equal(socket.state, "closed");
      // Stock skips the unknown field unread (as stock mode does): the SDK refuses instead of an
      // update that succeeds and changes nothing.
      await assert.rejects(w.client.updateAccount(ada.session, { invisible: true }), unsupported);
      // `false` changes nothing there, and goes without the field stock does not know.
      const bodies: string[] = [];
      const watched = new Client({
        port: w.server.port,
        serverKey: w.server.serverKey,
        fetch: (url, init) => {
          if (init.body !== undefined) bodies.push(init.body);
          return globalThis.fetch(url, init);
        },
      });
      await watched.updateAccount(ada.session, { invisible: false, langTag: "fr" });
      assert.deepEqual(
        bodies.map((b) => JSON.parse(b)),
        [{ lang_tag: "fr" }],
      );
      assert.equal((await userAs(bob, ada.userId, w)).online, true, "nothing changed");
    });
  });
}
