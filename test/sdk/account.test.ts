import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Session } from "../../src/index.js";
import { uniqueName } from "../helpers/server.js";
import { formats, useWorld } from "./harness.js";

const world = useWorld();

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
