// A join reads storage before it is made; a socket that closes meanwhile must end up in no channel
// and announce nothing. The storage read is held open here so the close lands inside it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChannelType, type EnvelopeInit, type UserPresenceInit } from "../../src/gen/wire.js";
import { HeraldError } from "../../src/index.js";
import { createJsonLogger } from "../../src/server/logger.js";
import { ChannelRegistry } from "../../src/server/services/channel-registry.js";
import { Chat } from "../../src/server/services/chat.js";
import { Notifier } from "../../src/server/services/notifier.js";
import type { Membership, Peer } from "../../src/server/services/peer.js";
import { PeerRegistry } from "../../src/server/services/peer-registry.js";
import { Visibility } from "../../src/server/services/visibility.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";

/** A peer the test closes by hand, recording what it is sent. */
function peer(userId: string, username: string): Peer & { closed: boolean; sent: unknown[] } {
  return {
    id: `${username}-session`,
    userId,
    username,
    vars: {},
    status: undefined,
    follows: new Set<string>(),
    channels: new Map<string, Membership>(),
    closed: false,
    sent: [],
    send(message: unknown) {
      this.sent.push(message);
    },
    presence(persistence: boolean): UserPresenceInit {
      return { userId, sessionId: this.id, username, persistence };
    },
  };
}

test("a socket that closes while its group join reads storage joins nothing and announces nothing", async () => {
  const storage = createSqliteStorage(await openDatabase(":memory:"));
  const ada = await storage.users.create({ username: "ada" });
  const bob = await storage.users.create({ username: "bob" });
  const group = await storage.groups.create({
    creatorId: ada.id,
    name: "club",
    description: "",
    langTag: "en",
    avatarUrl: "",
    open: true,
    maxCount: 10,
  });
  await storage.groups.setState(group.id, bob.id, 2);

  // Bob's membership check waits until the test lets it answer.
  let answer = () => {};
  const gate = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const groups = Object.create(storage.groups) as typeof storage.groups;
  groups.stateOf = async (groupId, userId) => {
    if (userId === bob.id) await gate;
    return storage.groups.stateOf(groupId, userId);
  };

  const channels = new ChannelRegistry();
  const chat = new Chat({
    users: storage.users,
    friends: storage.friends,
    groups,
    messages: storage.messages,
    channels,
    notifier: new Notifier(storage.notifications, new PeerRegistry()),
    hooks: {},
    logger: createJsonLogger("silent"),
    hookTimeoutMs: 1000,
    visibility: new Visibility(storage.users),
    clientMsgIds: true,
  });

  // Ada is in the group's channel already: she would hear of Bob's join.
  const adaPeer = peer(ada.id, "ada");
  const adaJoin = await chat.join(adaPeer, { target: group.id, type: ChannelType.Group });
  adaJoin.after();
  const channelId = adaJoin.reply.id ?? "";
  adaPeer.sent.length = 0;

  const bobPeer = peer(bob.id, "bob");
  const joining = chat.join(bobPeer, { target: group.id, type: ChannelType.Group });
  bobPeer.closed = true;
  answer();
  await assert.rejects(joining, (err) => HeraldError.is(err, "disconnected"));

  assert.equal(bobPeer.channels.size, 0, "the closed socket is in no channel");
  assert.equal(channels.hasUser(channelId, bob.id), false, "the channel does not list it");
  assert.deepEqual(
    adaPeer.sent.map((m) => (m as { envelope?: EnvelopeInit }).envelope?.kind ?? m),
    [],
    "no join is announced",
  );

  // The same join from an open socket goes through, so the refusal above was the close's doing.
  const bobAgain = peer(bob.id, "bob");
  const joined = await chat.join(bobAgain, { target: group.id, type: ChannelType.Group });
  assert.equal(joined.reply.id, channelId);
  assert.equal(channels.hasUser(channelId, bob.id), true);
  await storage.close();
});
