import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { ChannelType, Session } from "../../src/index.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { formats, worldForSuite } from "./harness.js";
import { waitFor } from "./helpers.js";

const world = worldForSuite();

describe("sessions and account against the bundled server", () => {
  test("authenticating with an id that does not exist and create: false is refused with not_found", async () => {
    await assert.rejects(
      world.client.authenticateCustom({ id: `custom-${uniqueName()}`, create: false }),
      (e: Error) => (e as { code?: string }).code === "not_found",
    );
  });

  test("authenticating twice with the same device returns the same user, created only the first time", async () => {
    const id = `device-${uniqueName()}`;
    const first = await world.client.authenticateDevice({ id, username: uniqueName("dev") });
    const second = await world.client.authenticateDevice({ id });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.userId, first.userId);
  });

  test("email sign-in works with the right password and is refused with a wrong one", async () => {
    const email = `${uniqueName("mail")}@example.com`;
    const created = await world.client.authenticateEmail({
      email,
      password: "correct horse",
      username: uniqueName(),
    });
    const again = await world.client.authenticateEmail({ email, password: "correct horse", create: false });
    assert.equal(again.userId, created.userId);
    await assert.rejects(world.client.authenticateEmail({ email, password: "wrong horse", create: false }), {
      code: "unauthenticated",
    });
  });

  test("a refreshed session keeps working, and a restored one too", async () => {
    const session = await world.signIn();
    const oldToken = session.token;
    const same = await world.client.sessionRefresh(session);
    assert.equal(same, session);
    assert.equal(session.userId, same.userId);
    assert.ok(session.expiresAt.getTime() >= Date.now());
    const restored = Session.restore(session.token, session.refreshToken);
    const account = await world.client.getAccount(restored);
    assert.equal(account.user?.id, session.userId);
    assert.equal(typeof oldToken, "string");
  });

  test("after logout the session is refused by REST calls and by the socket", async () => {
    const session = await world.signIn();
    await world.client.sessionLogout(session);
    await assert.rejects(world.client.getAccount(session), { code: "unauthenticated" });
    await assert.rejects(world.client.createSocket().connect(session), { code: "unauthenticated" });
  });

  test("logging out a session whose token expired refreshes it first, so that its refresh token is revoked too", async (t) => {
    const { client, signIn } = await serverWithClient(t, { tokenExpirySec: 1 });
    const session = await signIn("ada");
    const kept = Session.restore(session.token, session.refreshToken);
    await waitFor(() => session.isExpired(), "the session token to expire", 3000);
    await client.sessionLogout(session);
    await assert.rejects(client.sessionRefresh(kept), { code: "unauthenticated" });
  });

  test("a call whose token the server refuses while the device's clock, behind, took it for valid is refreshed and made once more", async (t) => {
    // Two seconds: a token issued late in a second still lives a whole one, for the call made again.
    const { client, signIn } = await serverWithClient(t, { tokenExpirySec: 2 });
    const session = await signIn("ada");
    const before = session.token;
    await waitFor(() => session.isExpired(), "the session token to expire", 4000);
    // The device's clock runs an hour behind when the call checks the session: the token looks
    // fresh to it, and the server (on its own clock) refuses it as expired.
    const now = Date.now;
    Date.now = () => now() - 3_600_000;
    let account: ReturnType<typeof client.getAccount>;
    try {
      account = client.getAccount(session);
    } finally {
      Date.now = now;
    }
    assert.equal((await account).user?.id, session.userId);
    assert.notEqual(session.token, before, "refreshed in place");
  });

  test("logging out with a token the device's clock, behind, took for valid refreshes and revokes both tokens", async (t) => {
    const { client, signIn } = await serverWithClient(t, { tokenExpirySec: 2 });
    const session = await signIn("ada");
    const kept = Session.restore(session.token, session.refreshToken);
    await waitFor(() => session.isExpired(), "the session token to expire", 4000);
    const now = Date.now;
    Date.now = () => now() - 3_600_000;
    let logout: Promise<void>;
    try {
      logout = client.sessionLogout(session);
    } finally {
      Date.now = now;
    }
    await logout;
    await assert.rejects(client.sessionRefresh(kept), { code: "unauthenticated" });
  });

  test("a socket whose token the server refuses though the device took it for valid refreshes it and connects", async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const session = await signIn("ada");
    let refreshes = 0;
    const refresh = client.sessionRefresh.bind(client);
    client.sessionRefresh = (...args) => {
      refreshes++;
      return refresh(...args);
    };
    // The first upgrade carries a token the server refuses (401), as an expired one it would be on
    // a server whose clock runs ahead of the device's; the device's clock calls it valid.
    const urls: string[] = [];
    class FirstRefused extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        urls.push(url);
        super(
          urls.length === 1 ? url.replace(/token=[^&]+/, "token=refused.refused.refused") : url,
          protocols,
        );
      }
    }
    const socket = client.createSocket({ WebSocket: FirstRefused as never });
    t.after(() => socket.disconnect());
    await socket.connect(session);
    assert.equal(socket.state, "open");
    assert.equal(refreshes, 1, "refreshed once");
    assert.equal(urls.length, 2);
    assert.ok(
      urls[1]?.includes(`token=${encodeURIComponent(session.token)}`),
      "tried again with the new token",
    );

    // With automatic refresh off, the refusal stands: one try more, then unauthenticated.
    const plain = new (client.constructor as typeof import("../../src/client.js").Client)({
      port: Number(new URL(client.baseUrl).port),
      autoRefreshSession: false,
    });
    urls.length = 0;
    const refused = plain.createSocket({ WebSocket: FirstRefused as never, reconnect: false });
    await assert.rejects(refused.connect(Session.restore("x.eyJleHAiOjQxMDI0NDQ4MDB9.x", "")), {
      code: "unauthenticated",
    });
    assert.equal(urls.length, 2);
  });

  test("account changes are read back in camelCase", async () => {
    const session = await world.signIn();
    const displayName = "Ada Lovelace";
    await world.client.updateAccount(session, { displayName, langTag: "en-GB" });
    const account = await world.client.getAccount(session);
    assert.equal(account.user?.displayName, displayName);
    assert.equal(account.user?.langTag, "en-GB");
    assert.deepEqual(account.user?.metadata, {});
    assert.ok(account.user?.createTime instanceof Date);
    assert.equal(account.devices.length, 1);
  });

  test("the bundled server announces its extensions", async () => {
    const caps = await world.client.capabilities();
    assert.equal(caps.server, "herald");
    assert.ok(caps.extensions.includes("client_msg_id"));
  });
});

for (const [format, codec] of formats) {
  describe(`client message ids over ${format}`, () => {
    test("a send repeated with the same clientMsgId is stored once and acknowledged alike", async () => {
      const ada = await world.peer(codec);
      const channel = await ada.socket.joinChat(uniqueName("room"), ChannelType.Room);
      const first = await ada.socket.writeChatMessage(channel.id, { text: "once" }, { clientMsgId: "c-1" });
      const again = await ada.socket.writeChatMessage(channel.id, { text: "once" }, { clientMsgId: "c-1" });
      assert.equal(again.messageId, first.messageId);
      assert.equal(first.clientMsgId, "c-1");
      const page = await world.client.listChannelMessages(ada.session, channel.id, { forward: true });
      assert.deepEqual(
        page.messages.map((m) => m.messageId),
        [first.messageId],
      );
    });
  });
}

describe("friends, groups and notifications against the bundled server", () => {
  test("an invite accepted by the other user makes both friends", async () => {
    const ada = await world.signIn("ada");
    const bob = await world.signIn("bob");
    await world.client.addFriends(ada, { ids: [bob.userId] });
    const sent = await world.client.listFriends(ada);
    assert.equal(sent.friends[0]?.user?.id, bob.userId);
    assert.equal(sent.friends[0]?.state, 1);
    const received = await world.client.listFriends(bob);
    assert.equal(received.friends[0]?.state, 2);
    await world.client.addFriends(bob, { usernames: [ada.username] });
    const both = await world.client.listFriends(ada, { state: 0 });
    assert.deepEqual(
      both.friends.map((f) => f.user?.id),
      [bob.userId],
    );
    await world.client.deleteFriends(ada, { ids: [bob.userId] });
    assert.deepEqual((await world.client.listFriends(ada)).friends, []);
  });

  test("groups are found by name prefix and list their members with roles", async () => {
    const ada = await world.signIn("ada");
    const prefix = uniqueName("club");
    const group = await world.client.createGroup(ada, {
      name: `${prefix}-chess`,
      description: "d",
      maxCount: 10,
    });
    assert.equal(group.maxCount, 10);
    assert.ok(group.createTime instanceof Date);
    const { groups } = await world.client.listGroups(ada, { name: `${prefix}%`, limit: 10 });
    assert.deepEqual(
      groups.map((g) => g.id),
      [group.id],
    );
    const { groupUsers } = await world.client.listGroupUsers(ada, group.id);
    assert.equal(groupUsers[0]?.user?.id, ada.userId);
    assert.equal(groupUsers[0]?.state, 0);
  });

  test("listing notifications with the cacheable cursor returns only newer ones", async () => {
    const bob = await world.peer(jsonCodec);
    const first = await world.peer(jsonCodec);
    await first.socket.joinChat(bob.userId, ChannelType.DirectMessage);
    const seen = await world.client.listNotifications(bob.session, { limit: 10 });
    assert.equal(seen.notifications.length, 1);
    assert.deepEqual(seen.notifications[0]?.content, { username: first.username });
    assert.ok(seen.cacheableCursor);
    const none = await world.client.listNotifications(bob.session, { cacheableCursor: seen.cacheableCursor });
    assert.deepEqual(none.notifications, []);
    const second = await world.peer(jsonCodec);
    await second.socket.joinChat(bob.userId, ChannelType.DirectMessage);
    const newer = await world.client.listNotifications(bob.session, {
      cacheableCursor: seen.cacheableCursor,
    });
    assert.deepEqual(
      newer.notifications.map((n) => n.senderId),
      [second.userId],
    );
  });
});
