// Every socket call of the stock nakama-js client (2.8.0) that maps to a feature herald serves
// (status, chat in rooms, groups and direct messages, with update and remove), called as an app
// would, with the JSON adapter and the protobuf adapter (`createSocket(useSSL, verbose, adapter)`),
// against both server modes: replies and events are what the client's types promise.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type {
  ChannelMessage,
  ChannelPresenceEvent,
  Notification,
  StatusPresenceEvent,
} from "@heroiclabs/nakama-js";
import { uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";
import {
  adapters,
  assertTimestamp,
  events,
  restRefusal,
  type StockClientKit,
  socketRefusal,
  stockClientKit,
} from "./nakama-js-kit.js";

/** Waits long enough for a push that should not come to have come. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 300));

for (const mode of serverModes) {
  for (const adapter of adapters) {
    describe(`nakama-js socket calls against herald (${mode.name} mode, ${adapter.name})`, () => {
      let kit: StockClientKit;
      before(async () => {
        kit = await stockClientKit(mode);
      });
      after(() => kit.close());

      test("status: own presence at connect, follow edge cases, update, change, appear offline, unfollow", async () => {
        const { client } = kit;
        const ada = await kit.connect(adapter, true);
        const adaStatus = events<StatusPresenceEvent>(ada.socket, "onstatuspresence");
        const bob = await kit.connect(adapter, false);
        // Following yourself is skipped, as on stock: no presences listed.
        const self = await ada.socket.followUsers([ada.session.user_id as string]);
        assert.deepEqual(self.presences ?? [], []);
        // Empty lists and users with no visible session: no presences (left out in JSON, as on stock).
        assert.deepEqual((await ada.socket.followUsers([])).presences ?? [], []);
        assert.deepEqual((await ada.socket.followUsers([bob.session.user_id as string])).presences ?? [], []);
        assert.deepEqual(
          (await ada.socket.followUsers(["00000000-0000-4000-8000-000000000000"])).presences ?? [],
          [],
        );
        const malformed = await socketRefusal(ada.socket.followUsers(["not-a-uuid"]));
        assert.deepEqual(malformed, { code: 3, message: "Invalid user identifier" });

        await bob.socket.updateStatus("busy");
        const online = await adaStatus(
          (e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false,
        );
        const joined = online.joins.find((p) => p.user_id === bob.session.user_id);
        assert.equal((joined as { status?: string }).status, "busy");
        assert.equal(joined?.username, bob.session.username);
        assert.equal(typeof joined?.session_id, "string");
        const users = await client.getUsers(ada.session, [bob.session.user_id as string]);
        assert.equal(users.users?.[0]?.online, true);

        await bob.socket.updateStatus("away");
        const changed = await adaStatus(
          (e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false,
        );
        assert.equal((changed.joins[0] as { status?: string }).status, "away");
        assert.equal((changed.leaves?.[0] as { status?: string } | undefined)?.status, "busy");
        assert.equal(changed.leaves?.[0]?.session_id, changed.joins[0]?.session_id);

        // No argument: appear offline; followers get only the leave.
        await bob.socket.updateStatus();
        const offline = await adaStatus(
          (e) => e.leaves?.some((p) => p.user_id === bob.session.user_id) ?? false,
        );
        assert.deepEqual(offline.joins ?? [], []);
        assert.equal(
          (await client.getUsers(ada.session, [bob.session.user_id as string])).users?.[0]?.online,
          undefined,
        );

        const tooLong = await socketRefusal(bob.socket.updateStatus("x".repeat(2049)));
        assert.equal(tooLong.code, 3);
        await bob.socket.updateStatus("x".repeat(2048));
        await adaStatus((e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false);

        await ada.socket.unfollowUsers([]);
        await ada.socket.unfollowUsers([bob.session.user_id as string]);
        await bob.socket.updateStatus("unseen");
        await quiet();
        assert.equal(
          adaStatus.queue.some((e) => e.joins?.some((p) => p.user_id === bob.session.user_id)),
          false,
          "no events after unfollowing",
        );
      });

      test("room chat: join variants, write, update, remove, refusals, history, leave", async () => {
        const { client } = kit;
        const ada = await kit.connect(adapter);
        const bob = await kit.connect(adapter);
        const cy = await kit.connect(adapter);
        const adaPresence = events<ChannelPresenceEvent>(ada.socket, "onchannelpresence");
        const bobMessages = events<ChannelMessage>(bob.socket, "onchannelmessage");
        const room = uniqueName("nkroom");
        const channel = await ada.socket.joinChat(room, 1, true, false);
        assert.equal(channel.id, `2...${room}`);
        assert.deepEqual(channel.presences ?? [], [], "the joiner is not listed on a new join");
        assert.equal(channel.self.user_id, ada.session.user_id);
        assert.equal(channel.self.username, ada.session.username);
        assert.equal((channel as unknown as { room_name: string }).room_name, room);
        // Type 0 (unspecified) is a room too; the joiner sees who is there.
        const bobChannel = await bob.socket.joinChat(room, 0, true, false);
        assert.equal(bobChannel.id, channel.id);
        assert.deepEqual(
          bobChannel.presences?.map((p) => p.user_id),
          [ada.session.user_id],
        );
        const bobJoin = await adaPresence(
          (e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false,
        );
        assert.equal(bobJoin.channel_id, channel.id);
        // A hidden member is listed to nobody.
        await cy.socket.joinChat(room, 1, true, true);
        const late = await kit.connect(adapter);
        const lateChannel = await late.socket.joinChat(room, 1, true, false);
        assert.deepEqual(
          lateChannel.presences?.map((p) => p.user_id).sort(),
          [ada.session.user_id, bob.session.user_id].sort(),
        );

        const ack = await ada.socket.writeChatMessage(channel.id, { text: "hello" });
        assert.equal(ack.channel_id, channel.id);
        assert.equal(typeof ack.message_id, "string");
        assert.equal(ack.code, 0);
        assert.equal(ack.username, ada.session.username);
        assertTimestamp(ack.create_time, "ack create_time");
        assert.equal((ack as unknown as { persistent: boolean }).persistent, true);
        const pushed = await bobMessages((m) => m.message_id === ack.message_id);
        assert.deepEqual(pushed.content, { text: "hello" });
        assert.equal(pushed.sender_id, ada.session.user_id);
        assert.equal(pushed.code, 0);
        assert.equal(pushed.persistent, true);
        assert.equal(pushed.room_name, room);

        const empty = await ada.socket.writeChatMessage(channel.id, {});
        assert.deepEqual((await bobMessages((m) => m.message_id === empty.message_id)).content, {});
        for (const content of ["text", [1, 2], 7, null]) {
          const refused = await socketRefusal(ada.socket.writeChatMessage(channel.id, content));
          assert.deepEqual(refused, { code: 3, message: "Message content must be a valid JSON object" });
        }
        const notJoined = await socketRefusal(
          ada.socket.writeChatMessage(`2...${uniqueName("nkelse")}`, { a: 1 }),
        );
        assert.deepEqual(notJoined, { code: 3, message: "Must join channel before sending messages" });

        const edited = await ada.socket.updateChatMessage(channel.id, ack.message_id, { text: "edited" });
        assert.deepEqual([edited.message_id, edited.code], [ack.message_id, 1]);
        const editPush = await bobMessages((m) => m.message_id === ack.message_id && m.code === 1);
        assert.deepEqual(editPush.content, { text: "edited" });
        const notHers = await socketRefusal(
          bob.socket.updateChatMessage(channel.id, ack.message_id, { text: "x" }),
        );
        assert.deepEqual(notHers, {
          code: 3,
          message: "Could not find message to update in channel history",
        });

        const removed = await ada.socket.removeChatMessage(channel.id, empty.message_id);
        assert.deepEqual([removed.message_id, removed.code], [empty.message_id, 2]);
        const removePush = await bobMessages((m) => m.message_id === empty.message_id && m.code === 2);
        assert.deepEqual(removePush.content, {});
        const again = await socketRefusal(ada.socket.removeChatMessage(channel.id, empty.message_id));
        assert.deepEqual(again, { code: 3, message: "Could not find message to remove in channel history" });

        // History: the edit listed with its new content and code 0, the removed message gone.
        const history = await client.listChannelMessages(bob.session, channel.id, 100, true);
        assert.deepEqual(
          history.messages?.map((m) => [m.message_id, m.code, m.content]),
          [[ack.message_id, 0, { text: "edited" }]],
        );
        const listed = history.messages?.[0];
        assert.equal(listed?.sender_id, ada.session.user_id);
        assert.equal(listed?.username, ada.session.username);
        assert.equal(listed?.persistent, true);
        assertTimestamp(listed?.create_time, "create_time");
        assertTimestamp(listed?.update_time, "update_time");

        // Without persistence: delivered, acknowledged as not persistent, not stored.
        const transient = uniqueName("nktmp");
        const tmp = await ada.socket.joinChat(transient, 1, false, false);
        const tmpAck = await ada.socket.writeChatMessage(tmp.id, { n: 1 });
        assert.equal((tmpAck as unknown as { persistent?: boolean }).persistent ?? false, false);
        assert.deepEqual((await client.listChannelMessages(ada.session, tmp.id, 10)).messages, []);

        const badType = await socketRefusal(ada.socket.joinChat(room, 9, true, false));
        assert.deepEqual(badType, { code: 3, message: "Invalid channel type" });
        assert.equal((await socketRefusal(ada.socket.joinChat("", 1, true, false))).code, 3);

        await ada.socket.leaveChat(channel.id);
        const bobPresence = events<ChannelPresenceEvent>(bob.socket, "onchannelpresence");
        await late.socket.leaveChat(channel.id);
        const left = await bobPresence(
          (e) => e.leaves?.some((p) => p.user_id === late.session.user_id) ?? false,
        );
        assert.deepEqual(left.joins ?? [], []);
        await ada.socket.leaveChat(channel.id); // never joined any more: still a success
        const garbage = await socketRefusal(ada.socket.leaveChat("garbage"));
        assert.deepEqual(garbage, { code: 3, message: "Invalid channel identifier" });
        const afterLeave = await socketRefusal(ada.socket.writeChatMessage(channel.id, { a: 1 }));
        assert.equal(afterLeave.message, "Must join channel before sending messages");
      });

      test("direct chat: the invitation notification, both sides, history kept to the two, refusals", async () => {
        const { client } = kit;
        const ada = await kit.connect(adapter);
        const bob = await kit.connect(adapter);
        const stranger = await kit.connect(adapter);
        const bobNotes = events<Notification>(bob.socket, "onnotification");
        const adaPresence = events<ChannelPresenceEvent>(ada.socket, "onchannelpresence");
        const dm = await ada.socket.joinChat(bob.session.user_id as string, 2, true, false);
        const pair = [ada.session.user_id as string, bob.session.user_id as string].sort();
        assert.equal(dm.id, `4.${pair[0]}.${pair[1]}.`);
        const ids = dm as unknown as { user_id_one: string; user_id_two: string };
        assert.deepEqual([ids.user_id_one, ids.user_id_two], pair);
        const note = await bobNotes((n) => n.code === -1);
        assert.equal(note.subject, `${ada.session.username} wants to chat`);
        assert.deepEqual(note.content, { username: ada.session.username });
        assert.equal(note.sender_id, ada.session.user_id);
        assert.equal(note.persistent, true);
        assertTimestamp(note.create_time, "create_time");

        const bobDm = await bob.socket.joinChat(ada.session.user_id as string, 2, true, false);
        assert.equal(bobDm.id, dm.id);
        await adaPresence((e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false);
        const ack = await bob.socket.writeChatMessage(dm.id, { text: "hi ada" });
        const adaHistory = await client.listChannelMessages(ada.session, dm.id, 10, false);
        assert.deepEqual(
          adaHistory.messages?.map((m) => [m.message_id, m.user_id_one, m.user_id_two]),
          [[ack.message_id, pair[0], pair[1]]],
        );
        const peek = await restRefusal(client.listChannelMessages(stranger.session, dm.id, 10));
        assert.deepEqual([peek.status, peek.body.code, peek.body.message], [400, 3, "Channel not found."]);

        const self = await ada.socket.joinChat(ada.session.user_id as string, 2, true, false);
        assert.equal(self.id, `4.${ada.session.user_id}.${ada.session.user_id}.`);
        const nobody = await socketRefusal(
          ada.socket.joinChat("00000000-0000-4000-8000-000000000000", 2, true, false),
        );
        assert.deepEqual(nobody, { code: 3, message: "User ID not found: Invalid channel target" });
        await client.blockFriends(bob.session, [stranger.session.user_id as string]);
        const blocked = await socketRefusal(
          stranger.socket.joinChat(bob.session.user_id as string, 2, true, false),
        );
        assert.deepEqual(blocked, { code: 3, message: "User ID not found: Invalid channel target" });
        const listed = await client.listNotifications(bob.session, 100);
        assert.ok(
          listed.notifications?.some((n) => n.id === note.id),
          "the invitation is listed too",
        );
      });

      test("group chat and history paging: members only, event messages, every page, cursors passed back", async () => {
        const { client } = kit;
        const owner = await kit.connect(adapter);
        const bob = await kit.connect(adapter);
        const outsider = await kit.connect(adapter);
        const ownerMessages = events<ChannelMessage>(owner.socket, "onchannelmessage");
        const group = await client.createGroup(owner.session, { name: uniqueName("nkgc"), open: true });
        const channel = await owner.socket.joinChat(group.id as string, 3, true, false);
        assert.equal(channel.id, `3.${group.id}..`);
        assert.equal((channel as unknown as { group_id: string }).group_id, group.id);
        const outside = await socketRefusal(outsider.socket.joinChat(group.id as string, 3, true, false));
        assert.deepEqual(outside, { code: 3, message: "Group not found: Invalid channel target" });
        await client.joinGroup(bob.session, group.id as string);
        const joinedEvent = await ownerMessages((m) => m.code === 3);
        assert.equal(joinedEvent.sender_id, bob.session.user_id);
        assert.deepEqual(joinedEvent.content, {});
        assert.equal(joinedEvent.group_id, group.id);
        await bob.socket.joinChat(group.id as string, 3, true, false);
        const sent: string[] = [joinedEvent.message_id as string];
        for (let i = 0; i < 5; i++)
          sent.push((await bob.socket.writeChatMessage(channel.id, { i })).message_id);

        // Every argument left out: one message (the limit defaults to 1), as on stock.
        const defaults = await client.listChannelMessages(owner.session, channel.id);
        assert.equal(defaults.messages?.length, 1);
        assert.ok(sent.includes(defaults.messages?.[0]?.message_id as string));
        const first = await client.listChannelMessages(owner.session, channel.id, 2, true);
        assert.deepEqual(
          first.messages?.map((m) => m.message_id),
          sent.slice(0, 2),
        );
        assert.equal(typeof first.next_cursor, "string");
        assert.equal(typeof first.cacheable_cursor, "string");
        if (mode.name === "herald") {
          // Exact cursors: every page once, in both directions. (Stock 3.26 repeats pages for
          // messages sent within the same second, which nakama mode reproduces.)
          for (const forward of [true, false]) {
            const seen: string[] = [];
            let cursor: string | undefined;
            for (let pages = 0; pages < 6; pages++) {
              const page = await client.listChannelMessages(owner.session, channel.id, 2, forward, cursor);
              seen.push(...(page.messages ?? []).map((m) => m.message_id as string));
              cursor = page.next_cursor;
              if (!cursor) break;
            }
            assert.deepEqual(seen, forward ? sent : [...sent].reverse());
          }
          const latest = await client.listChannelMessages(owner.session, channel.id, 100, true);
          const later = await bob.socket.writeChatMessage(channel.id, { i: "later" });
          const newer = await client.listChannelMessages(
            owner.session,
            channel.id,
            100,
            true,
            latest.cacheable_cursor,
          );
          assert.deepEqual(
            newer.messages?.map((m) => m.message_id),
            [later.message_id],
          );
        }
        const denied = await restRefusal(client.listChannelMessages(outsider.session, channel.id, 10));
        assert.deepEqual(
          [denied.status, denied.body.code, denied.body.message],
          [400, 3, "Group not found."],
        );

        // Each member change is a server event message naming the member it happened to.
        const gid = group.id as string;
        const bobId = bob.session.user_id as string;
        const outsiderId = outsider.session.user_id as string;
        const changes: [number, string, () => Promise<unknown>][] = [
          [7, bobId, () => client.promoteGroupUsers(owner.session, gid, [bobId])],
          [9, bobId, () => client.demoteGroupUsers(owner.session, gid, [bobId])],
          [5, bobId, () => client.leaveGroup(bob.session, gid)],
          [4, outsiderId, () => client.addGroupUsers(owner.session, gid, [outsiderId])],
          [8, outsiderId, () => client.banGroupUsers(owner.session, gid, [outsiderId])],
        ];
        for (const [code, userId, change] of changes) {
          await change();
          const event = await ownerMessages((m) => m.code === code);
          assert.deepEqual(
            [event.sender_id, event.content, event.persistent],
            [userId, {}, true],
            `code ${code}`,
          );
        }
      });

      test("connect with a logged-out or malformed token is refused at once, not after the timeout", async () => {
        const { client } = kit;
        const gone = await kit.signIn("nkgone");
        await client.sessionLogout(gone, gone.token, gone.refresh_token);
        const bogus = await kit.signIn("nkbogus");
        bogus.token = "not.a.token";
        for (const session of [gone, bogus]) {
          const socket = client.createSocket(false, false, adapter.make() as never, 5000);
          const started = Date.now();
          const outcome = await socket.connect(session, true).then(
            () => "connected",
            (e: unknown) => (typeof e === "string" ? e : "refused"),
          );
          assert.equal(outcome, "refused", "an error event, not the client's timeout message");
          assert.ok(Date.now() - started < 4000, "refused before the connect timeout");
        }
      });

      test("notifications arrive on the socket with parsed content; a ping gets its pong", async () => {
        const { client } = kit;
        const ada = await kit.connect(adapter);
        const notes = events<Notification>(ada.socket, "onnotification");
        const bob = await kit.signIn("nkreq");
        await client.addFriends(bob, [ada.session.user_id as string]);
        const request = await notes((n) => n.sender_id === bob.user_id);
        assert.equal(typeof request.id, "string");
        assert.equal(typeof request.subject, "string");
        assert.equal(typeof request.code, "number");
        assert.equal(typeof request.content, "object");
        assert.equal(request.persistent, true);
        // The client's heartbeat sends `ping`; `send` is how it does, and the reply is a pong.
        const pong = await (ada.socket as unknown as { send(m: object): Promise<{ pong?: object }> }).send({
          ping: {},
        });
        assert.ok(pong.pong !== undefined, "a pong");
      });
    });
  }
}
