import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { Session, Socket } from "../../src/index.js";
import { type PresenceChange, PresenceStore } from "../../src/presence/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { serverModes } from "../helpers/server-modes.js";
import { formats, Inbox, worldForSuite } from "../sdk/harness.js";

const worlds = serverModes.map((mode) => [mode, worldForSuite(mode.options)] as const);

function changes(socket: Socket, store: PresenceStore): Inbox<PresenceChange> {
  return new Inbox<PresenceChange>(socket, (fn) => store.onChange(fn), "presence change");
}

const of =
  (userId: string, type?: PresenceChange["type"]) =>
  (c: PresenceChange): boolean =>
    c.userId === userId && (type === undefined || c.type === type);

for (const [mode, world] of worlds) {
  for (const [format, codec] of formats) {
    // Stock Nakama has no `lastActive`: those checks are herald's.
    const herald = mode.name === "herald";
    /**
     * Waits until the server has stored `userId`'s last_active of the connect (herald's servers
     * only): a connect stores it without holding up the socket's opening, so on PostgreSQL or a
     * cluster it lands round trips later, and a read before then finds none.
     */
    const connectStamped = async (viewer: Session, userId: string): Promise<void> => {
      if (!herald) return;
      await waitFor(
        async () => (await world.client.getUsers(viewer, { ids: [userId] })).users[0]?.lastActive,
        { what: "the server has the last_active of the connect" },
      );
    };
    describe(`presence store over ${format} (${mode.name})`, () => {
      test("a watched user's join, status change and leave arrive as typed changes with previous and current state", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        const inbox = changes(bob.socket, store);

        const [initial] = await store.watch([ada.userId]);
        const first = await inbox.next(of(ada.userId));
        assert.equal(first.type, "change");
        assert.equal(first.previous, undefined, "the first report of a user has no previous state");
        assert.equal(first.current, initial);
        assert.equal(initial?.userId, ada.userId);
        assert.equal(initial?.username, ada.username);
        assert.equal(initial?.online, false);
        assert.equal(initial?.status, undefined);
        assert.deepEqual(initial?.sessions, []);

        await ada.socket.updateStatus("Eating a veggie burger...");
        const join = await inbox.next(of(ada.userId, "join"));
        assert.equal(join.previous?.online, false);
        assert.equal(join.current.online, true);
        assert.equal(join.current.status, "Eating a veggie burger...");
        assert.equal(join.current.username, ada.username);
        assert.equal(join.current.sessions.length, 1);

        await ada.socket.updateStatus("Playing level 3");
        const change = await inbox.next(of(ada.userId, "change"));
        assert.equal(change.previous?.status, "Eating a veggie burger...");
        assert.equal(change.current.status, "Playing level 3");
        assert.equal(change.current.sessions[0]?.sessionId, join.current.sessions[0]?.sessionId);

        await ada.socket.appearOffline();
        const leave = await inbox.next(of(ada.userId, "leave"));
        assert.equal(leave.previous?.status, "Playing level 3");
        assert.equal(leave.current.online, false);
        assert.equal(leave.current.status, undefined);
        assert.deepEqual(leave.current.sessions, []);

        assert.equal(store.get(ada.userId)?.online, false);
        assert.deepEqual([...store.snapshot().keys()], [ada.userId]);
        await store.close();
      });

      test("a user is online while any session is visible and shows the most recently changed status", async () => {
        const ada = await world.peer(codec);
        const laptop = await world.connect(ada.session, codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId]);
        const inbox = changes(bob.socket, store);

        await ada.socket.updateStatus("on the phone");
        await inbox.next(of(ada.userId, "join"));
        await laptop.updateStatus("at the desk");
        const both = await inbox.next(of(ada.userId, "change"));
        assert.equal(both.current.status, "at the desk");
        assert.deepEqual(
          both.current.sessions.map((s) => s.status),
          ["on the phone", "at the desk"],
        );

        await laptop.disconnect();
        const one = await inbox.next(of(ada.userId));
        assert.equal(one.type, "change");
        assert.equal(one.current.online, true);
        assert.equal(one.current.status, "on the phone");

        await ada.socket.appearOffline();
        assert.equal((await inbox.next(of(ada.userId))).type, "leave");
        await store.close();
      });

      test("watching a user who is already online loads the sessions, status and last activity", async () => {
        const ada = await world.peer(codec, { appearOnline: true });
        await ada.socket.updateStatus("busy");
        const bob = await world.peer(codec);
        // The store is to load ada's last_active once the server has it.
        await connectStamped(bob.session, ada.userId);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        const [state] = await store.watch([ada.userId]);
        assert.equal(state?.online, true);
        assert.equal(state?.status, "busy");
        assert.equal(state?.sessions.length, 1);
        assert.equal(state?.username, ada.username);
        if (herald) assert.ok(state?.lastActive instanceof Date, "lastActive is loaded from the server");
        else assert.equal(state?.lastActive, undefined, "stock Nakama has no lastActive");
        await store.close();
      });

      test("many listeners each get every change, and an unsubscribed one gets no more", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId]);
        const first: PresenceChange[] = [];
        const second: PresenceChange[] = [];
        const offFirst = store.onChange((c) => first.push(c));
        store.on("change", (c) => second.push(c));
        const inbox = changes(bob.socket, store);

        await ada.socket.updateStatus("one");
        await inbox.next(of(ada.userId, "join"));
        offFirst();
        offFirst();
        await ada.socket.updateStatus("two");
        await inbox.next(of(ada.userId, "change"));
        assert.deepEqual(
          first.map((c) => c.current.status),
          ["one"],
        );
        assert.deepEqual(
          second.map((c) => c.current.status),
          ["one", "two"],
        );
        await store.close();
      });

      test("changes can be read with an async iterator that ends when the store closes", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId]);
        const iterator = store.events("change");
        await ada.socket.updateStatus("iterated");
        const { value } = await iterator.next();
        assert.equal((value as PresenceChange).type, "join");
        assert.equal((value as PresenceChange).current.status, "iterated");
        await store.close();
        assert.equal((await iterator.next()).done, true);
      });

      test("an unwatched user is unfollowed and forgotten without events", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        const inbox = changes(bob.socket, store);
        await store.watch([ada.userId]);
        await store.unwatch([ada.userId]);
        assert.equal(store.get(ada.userId), undefined);
        assert.deepEqual(store.watching, []);
        const statusEvents = new Inbox(bob.socket, (fn) => bob.socket.onStatusPresence(fn), "status event");
        await ada.socket.updateStatus("nobody listens");
        await statusEvents.none();
        await inbox.none(of(ada.userId, "join"));
        await store.close();
      });

      test("closing the store unfollows every watched user and ends its use", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId]);
        await store.close();
        await store.close();
        assert.deepEqual(store.watching, []);
        const statusEvents = new Inbox(bob.socket, (fn) => bob.socket.onStatusPresence(fn), "status event");
        await ada.socket.updateStatus("after the close");
        await statusEvents.none();
        await assert.rejects(store.watch([ada.userId]), { name: "HeraldError", code: "bad_input" });
      });

      test("refresh reads watched users again for a newer lastActive", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        // `before` is then the connect's stamp: read earlier, it is none, and the connect's stamp
        // landing after the disconnect would be taken below for the disconnect's.
        await connectStamped(bob.session, ada.userId);
        const store = new PresenceStore(bob.socket, world.client, bob.session, { refreshOnLeave: false });
        await store.watch([ada.userId]);
        const before = store.get(ada.userId)?.lastActive?.getTime();
        await ada.socket.disconnect();
        // The server stores a leaving user's last_active after the socket has closed (on
        // PostgreSQL, a round trip later): read it once it is there, so the store has it to find.
        const users = await waitFor(
          async () => {
            const { users } = await world.client.getUsers(bob.session, { ids: [ada.userId] });
            const after = users[0]?.lastActive?.getTime();
            return !herald || (after !== undefined && after !== before) ? users : undefined;
          },
          { what: "the server has ada's last_active of the disconnect" },
        );
        await store.refresh();
        assert.equal(store.get(ada.userId)?.lastActive?.getTime(), users[0]?.lastActive?.getTime());
        await store.close();
      });

      test("a store watches more users than Stream's limit of 10, over a thousand at once", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        const strangers = Array.from({ length: 1200 }, () => randomUUID());
        const states = await store.watch([...strangers, ada.userId]);
        assert.equal(states.length, 1201);
        assert.equal(store.snapshot().size, 1201);
        const inbox = changes(bob.socket, store);
        await ada.socket.updateStatus("still heard");
        const join = await inbox.next(of(ada.userId, "join"));
        assert.equal(join.current.status, "still heard");
        await store.close();
      });

      test("watching a malformed user id rejects with bad_input and watches none of the new users", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session, { loadUsers: false });
        await assert.rejects(store.watch([ada.userId, "not-a-user-id"]), {
          name: "HeraldError",
          code: "bad_input",
        });
        assert.deepEqual(store.watching, []);
        await store.close();
      });

      test("watching on a socket that is not connected rejects with disconnected", async () => {
        const bob = await world.peer(codec);
        const ada = await world.peer(codec);
        await bob.socket.disconnect();
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await assert.rejects(store.watch([ada.userId]), { name: "HeraldError", code: "disconnected" });
        assert.deepEqual(store.watching, []);
        await store.close();
      });

      test("after a disconnect and connect, resync follows again and reports what changed meanwhile", async () => {
        const ada = await world.peer(codec);
        const cat = await world.peer(codec);
        await ada.socket.updateStatus("before");
        await cat.socket.updateStatus("cat is here");
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId, cat.userId]);
        const inbox = changes(bob.socket, store);
        assert.equal(store.get(ada.userId)?.status, "before");
        assert.equal(store.get(cat.userId)?.online, true);

        await bob.socket.disconnect();
        await ada.socket.updateStatus("after");
        await cat.socket.disconnect();
        await bob.socket.connect(bob.session);
        await store.resync();

        const changed = await inbox.next(of(ada.userId, "change"));
        assert.equal(changed.previous?.status, "before");
        assert.equal(changed.current.status, "after");
        const left = await inbox.next(of(cat.userId, "leave"));
        assert.equal(left.current.online, false);

        // Follows are live again.
        await ada.socket.appearOffline();
        assert.equal((await inbox.next(of(ada.userId))).type, "leave");
        await store.close();
      });
    });
  }
}
