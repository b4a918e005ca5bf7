import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ChannelMessage,
  ChannelMessageCode,
  type ChannelPresenceEvent,
  ChannelType,
  HeraldError,
  type Notification,
  NotificationCode,
  type Socket,
} from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { uniqueName } from "../helpers/server.js";
import { formats, Inbox, worldForSuite } from "./harness.js";

const world = worldForSuite();

/** A refusal as stock Nakama words it (bad_input) or as herald may, more precisely. */
const refused = (e: unknown) =>
  HeraldError.is(e) && ["bad_input", "permission_denied", "not_found"].includes(e.code);

const messages = (socket: Socket) =>
  new Inbox<ChannelMessage>(socket, (fn) => socket.onChannelMessage(fn), "channel message");
const presences = (socket: Socket) =>
  new Inbox<ChannelPresenceEvent>(socket, (fn) => socket.onChannelPresence(fn), "channel presence event");
const notifications = (socket: Socket) =>
  new Inbox<Notification>(socket, (fn) => socket.onNotification(fn), "notification");

/** Two signed-in peers, ada and bob, both joined to a new room (ada's join returns `channel`). */
async function twoInRoom(codec: Codec) {
  const room = uniqueName("room");
  const ada = await world.peer(codec);
  const bob = await world.peer(codec);
  const channel = await ada.socket.joinChat(room, ChannelType.Room);
  await bob.socket.joinChat(room, ChannelType.Room);
  return { ada, bob, channel };
}

for (const [format, codec] of formats) {
  describe(`room chat over ${format}`, () => {
    test("members see each other join and leave, and the joiner gets the current members", async () => {
      const room = uniqueName("room");
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const adaPresence = presences(ada.socket);
      const first = await ada.socket.joinChat(room, ChannelType.Room, { persistence: true, hidden: false });
      assert.equal(first.id, `2...${room}`);
      assert.equal(first.roomName, room);
      assert.equal(first.self?.userId, ada.userId);
      const second = await bob.socket.joinChat(room, ChannelType.Room);
      assert.deepEqual(
        second.presences.map((p) => p.userId),
        [ada.userId],
      );
      const joined = await adaPresence.next((e) => e.joins.some((p) => p.userId === bob.userId));
      assert.equal(joined.channelId, first.id);
      await bob.socket.leaveChat(second.id);
      const left = await adaPresence.next((e) => e.leaves.some((p) => p.userId === bob.userId));
      assert.equal(left.roomName, room);
    });

    test("a message reaches every member with its content parsed, and the sender gets an ack", async () => {
      const { ada, bob, channel } = await twoInRoom(codec);
      const adaInbox = messages(ada.socket);
      const bobInbox = messages(bob.socket);
      const ack = await ada.socket.writeChatMessage(channel.id, { text: "hi", n: 1, nested: { ok: true } });
      assert.equal(ack.channelId, channel.id);
      assert.equal(ack.username, ada.username);
      assert.equal(ack.persistent, true);
      assert.ok(ack.createTime instanceof Date);
      for (const inbox of [adaInbox, bobInbox]) {
        const m = await inbox.next((x) => x.messageId === ack.messageId);
        assert.deepEqual(m.content, { text: "hi", n: 1, nested: { ok: true } });
        assert.equal(m.senderId, ada.userId);
        assert.equal(m.code, ChannelMessageCode.Chat);
        assert.ok(m.createTime instanceof Date);
      }
    });

    test("sending to a channel not joined is refused with bad_input and the server's words", async () => {
      const ada = await world.peer(codec);
      await assert.rejects(
        ada.socket.writeChatMessage(`2...${uniqueName("room")}`, { text: "x" }),
        (e: Error) => {
          assert.equal((e as { code?: string }).code, "bad_input");
          assert.match(e.message, /Must join channel/);
          return true;
        },
      );
      await ada.socket.ping();
    });

    test("an edited message is pushed with code 1 and a removed one with code 2, both acknowledged", async () => {
      const { ada, bob, channel } = await twoInRoom(codec);
      const bobInbox = messages(bob.socket);
      const ack = await ada.socket.writeChatMessage(channel.id, { text: "hi" });
      await bobInbox.next((m) => m.messageId === ack.messageId);
      const edited = await ada.socket.updateChatMessage(channel.id, ack.messageId, { text: "hi!" });
      assert.equal(edited.messageId, ack.messageId);
      const editPush = await bobInbox.next((m) => m.messageId === ack.messageId);
      assert.equal(editPush.code, ChannelMessageCode.ChatUpdate);
      assert.deepEqual(editPush.content, { text: "hi!" });
      const removed = await ada.socket.removeChatMessage(channel.id, ack.messageId);
      assert.equal(removed.messageId, ack.messageId);
      const removePush = await bobInbox.next((m) => m.messageId === ack.messageId);
      assert.equal(removePush.code, ChannelMessageCode.ChatRemove);
      assert.deepEqual(removePush.content, {});
      const page = await world.client.listChannelMessages(bob.session, channel.id, { forward: true });
      assert.ok(!page.messages.some((m) => m.messageId === ack.messageId), "a removed message is not listed");
    });

    test("someone else's message cannot be edited or removed", async () => {
      const { ada, bob, channel } = await twoInRoom(codec);
      const ack = await ada.socket.writeChatMessage(channel.id, { text: "mine" });
      await assert.rejects(bob.socket.updateChatMessage(channel.id, ack.messageId, { text: "yours" }), {
        code: "bad_input",
      });
      await assert.rejects(bob.socket.removeChatMessage(channel.id, ack.messageId), { code: "bad_input" });
    });

    test("a hidden member causes no presence events and is not listed, but chats normally", async () => {
      const room = uniqueName("room");
      const ada = await world.peer(codec);
      const ghost = await world.peer(codec);
      const channel = await ada.socket.joinChat(room, ChannelType.Room);
      const adaPresence = presences(ada.socket);
      const adaInbox = messages(ada.socket);
      const ghostChannel = await ghost.socket.joinChat(room, ChannelType.Room, { hidden: true });
      assert.deepEqual(
        ghostChannel.presences.map((p) => p.userId),
        [ada.userId],
      );
      const late = await world.peer(codec);
      const seenByLate = await late.socket.joinChat(room, ChannelType.Room);
      assert.ok(
        !seenByLate.presences.some((p) => p.userId === ghost.userId),
        "hidden members are not listed",
      );
      const ack = await ghost.socket.writeChatMessage(channel.id, { text: "boo" });
      const got = await adaInbox.next((m) => m.messageId === ack.messageId);
      assert.equal(got.senderId, ghost.userId);
      await ghost.socket.leaveChat(channel.id);
      await adaPresence.none((e) => [...e.joins, ...e.leaves].some((p) => p.userId === ghost.userId));
    });

    test("with persistence off, messages reach online members but are not stored", async () => {
      const room = uniqueName("room");
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const channel = await ada.socket.joinChat(room, ChannelType.Room, { persistence: false });
      await bob.socket.joinChat(room, ChannelType.Room, { persistence: false });
      const bobInbox = messages(bob.socket);
      const ack = await ada.socket.writeChatMessage(channel.id, { text: "ephemeral" });
      assert.equal(ack.persistent, false);
      const got = await bobInbox.next((m) => m.messageId === ack.messageId);
      assert.equal(got.persistent, false);
      const page = await world.client.listChannelMessages(ada.session, channel.id);
      assert.deepEqual(page.messages, []);
    });

    test("leaving a channel stops its messages, and leaving one never joined succeeds", async () => {
      const { ada, bob, channel } = await twoInRoom(codec);
      const bobInbox = messages(bob.socket);
      await bob.socket.leaveChat(channel.id);
      await bob.socket.leaveChat(`2...${uniqueName("never")}`);
      await ada.socket.writeChatMessage(channel.id, { text: "after leave" });
      await ada.socket.ping();
      await bobInbox.none();
    });

    test("events() iterates channel messages until the signal aborts", async () => {
      const room = uniqueName("room");
      const ada = await world.peer(codec);
      const channel = await ada.socket.joinChat(room, ChannelType.Room);
      const controller = new AbortController();
      const texts: unknown[] = [];
      const loop = (async () => {
        for await (const m of ada.socket.events("channelMessage", { signal: controller.signal })) {
          texts.push(m.content.text);
          if (texts.length === 3) controller.abort();
        }
      })();
      for (const text of ["a", "b", "c"]) await ada.socket.writeChatMessage(channel.id, { text });
      await loop;
      assert.deepEqual(texts, ["a", "b", "c"]);
    });
  });

  describe(`group chat over ${format}`, () => {
    test("members chat in the group channel and receive group event messages", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const group = await world.client.createGroup(ada.session, { name: uniqueName("group"), open: true });
      assert.equal(group.creatorId, ada.userId);
      assert.equal(group.open, true);
      assert.deepEqual(group.metadata, {});
      const channel = await ada.socket.joinChat(group.id, ChannelType.Group);
      assert.equal(channel.id, `3.${group.id}..`);
      assert.equal(channel.groupId, group.id);
      const adaInbox = messages(ada.socket);
      await world.client.joinGroup(bob.session, group.id);
      const joinedEvent = await adaInbox.next((m) => m.code === ChannelMessageCode.GroupJoin);
      assert.equal(joinedEvent.senderId, bob.userId);
      assert.deepEqual(joinedEvent.content, {});
      await bob.socket.joinChat(group.id, ChannelType.Group);
      const ack = await bob.socket.writeChatMessage(channel.id, { text: "hello group" });
      const got = await adaInbox.next((m) => m.messageId === ack.messageId);
      assert.equal(got.groupId, group.id);
      const { groupUsers } = await world.client.listGroupUsers(ada.session, group.id);
      assert.deepEqual(groupUsers.map((g) => g.user?.id).sort(), [ada.userId, bob.userId].sort());
      const { userGroups } = await world.client.listUserGroups(bob.session, bob.userId);
      assert.deepEqual(
        userGroups.map((g) => g.group?.id),
        [group.id],
      );
    });

    test("a non-member cannot join a group channel or read its history", async () => {
      const ada = await world.peer(codec);
      const eve = await world.peer(codec);
      const group = await world.client.createGroup(ada.session, { name: uniqueName("group"), open: false });
      await assert.rejects(eve.socket.joinChat(group.id, ChannelType.Group), refused);
      await assert.rejects(world.client.listChannelMessages(eve.session, `3.${group.id}..`), refused);
    });

    test("admins add, promote, demote, kick and ban members, each leaving an event message", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const cy = await world.peer(codec);
      const group = await world.client.createGroup(ada.session, { name: uniqueName("group") });
      await ada.socket.joinChat(group.id, ChannelType.Group);
      const inbox = messages(ada.socket);
      await world.client.addGroupUsers(ada.session, group.id, [bob.userId, cy.userId]);
      await inbox.next((m) => m.code === ChannelMessageCode.GroupAdd && m.senderId === bob.userId);
      await world.client.promoteGroupUsers(ada.session, group.id, [bob.userId]);
      await inbox.next((m) => m.code === ChannelMessageCode.GroupPromote && m.senderId === bob.userId);
      await world.client.demoteGroupUsers(ada.session, group.id, [bob.userId]);
      await inbox.next((m) => m.code === ChannelMessageCode.GroupDemote && m.senderId === bob.userId);
      await world.client.kickGroupUsers(ada.session, group.id, [bob.userId]);
      await inbox.next((m) => m.code === ChannelMessageCode.GroupKick && m.senderId === bob.userId);
      await world.client.banGroupUsers(ada.session, group.id, [cy.userId]);
      await inbox.next((m) => m.code === ChannelMessageCode.GroupBan && m.senderId === cy.userId);
      const { groupUsers } = await world.client.listGroupUsers(ada.session, group.id);
      assert.deepEqual(
        groupUsers.map((g) => g.user?.id),
        [ada.userId],
      );
      await assert.rejects(bob.socket.joinChat(group.id, ChannelType.Group));
      await world.client.updateGroup(ada.session, group.id, { description: "renamed" });
      await world.client.deleteGroup(ada.session, group.id);
    });
  });

  describe(`direct chat over ${format}`, () => {
    test("joining a direct chat notifies the other user, and both exchange messages once joined", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const bobNotes = notifications(bob.socket);
      const channel = await ada.socket.joinChat(bob.userId, ChannelType.DirectMessage);
      const [one, two] = [ada.userId, bob.userId].sort();
      assert.equal(channel.id, `4.${one}.${two}.`);
      assert.equal(channel.userIdOne, one);
      assert.equal(channel.userIdTwo, two);
      const note = await bobNotes.next((n) => n.code === NotificationCode.DmRequest);
      assert.deepEqual(note.content, { username: ada.username });
      assert.equal(note.senderId, ada.userId);
      assert.equal(note.persistent, true);
      const stored = await world.client.listNotifications(bob.session);
      assert.ok(stored.notifications.some((n) => n.id === note.id));
      await bob.socket.joinChat(ada.userId, ChannelType.DirectMessage);
      const adaInbox = messages(ada.socket);
      const ack = await bob.socket.writeChatMessage(channel.id, { text: "hey ada" });
      const got = await adaInbox.next((m) => m.messageId === ack.messageId);
      assert.deepEqual(got.content, { text: "hey ada" });
      await world.client.deleteNotifications(bob.session, [note.id]);
      const after = await world.client.listNotifications(bob.session);
      assert.ok(!after.notifications.some((n) => n.id === note.id));
    });

    test("a user who blocked the other cannot be reached by direct chat", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      await world.client.blockFriends(bob.session, { ids: [ada.userId] });
      const { friends } = await world.client.listFriends(bob.session);
      assert.equal(friends[0]?.user?.id, ada.userId);
      assert.equal(friends[0]?.state, 3);
      await assert.rejects(ada.socket.joinChat(bob.userId, ChannelType.DirectMessage), refused);
      await world.client.deleteFriends(bob.session, { ids: [ada.userId] });
      await ada.socket.joinChat(bob.userId, ChannelType.DirectMessage);
    });

    test("only the two users may read a direct chat's history", async () => {
      const ada = await world.peer(codec);
      const bob = await world.peer(codec);
      const eve = await world.signIn("eve");
      const channel = await ada.socket.joinChat(bob.userId, ChannelType.DirectMessage);
      await ada.socket.writeChatMessage(channel.id, { text: "private" });
      const page = await world.client.listChannelMessages(bob.session, channel.id);
      assert.deepEqual(
        page.messages.map((m) => m.content.text),
        ["private"],
      );
      await assert.rejects(world.client.listChannelMessages(eve, channel.id), refused);
    });
  });
}
