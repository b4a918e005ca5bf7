// The stock Nakama JavaScript client, which nobody here wrote, against herald's server: the proof
// of wire compatibility. Runs every scenario with the JSON adapter and the protobuf adapter, against
// herald's own mode and against stock mode (compat "nakama", with exact history cursors).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, type Session, type Socket, WebSocketAdapterText } from "@heroiclabs/nakama-js";
import { WebSocketAdapterPb } from "@heroiclabs/nakama-js-protobuf";
import WebSocket from "ws";
import { events } from "../audit/nakama-js-kit.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";

// nakama-js expects a browser-style global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const adapters = [
  { name: "json", make: () => new WebSocketAdapterText() },
  { name: "protobuf", make: () => new WebSocketAdapterPb() },
];

const modes = [
  { name: "herald", options: {} },
  { name: "nakama", options: { compat: "nakama" } },
] as const;

for (const mode of modes) {
  describe(`interop with the stock nakama-js client (${mode.name} server)`, () => interop(mode));
}

function interop(mode: (typeof modes)[number]): void {
  let srv: TestServer;
  let client: Client;
  before(async () => {
    srv = await startServer(mode.options);
    client = new Client("defaultkey", "127.0.0.1", String(srv.port), false, 5000, false);
  });
  after(() => srv.close());

  async function connectUser(
    adapter: (typeof adapters)[number],
    appearOnline = false,
  ): Promise<{ session: Session; socket: Socket }> {
    const session = await client.authenticateDevice(`device-${uniqueName()}`, true, uniqueName("nk"));
    const socket = client.createSocket(false, false, adapter.make() as never);
    await socket.connect(session, appearOnline);
    return { session, socket };
  }

  test("parity over REST: group names as LIKE patterns, self-demotion, the wallet, unoffered routes", async () => {
    const owner = await client.authenticateDevice(`device-${uniqueName()}`, true, uniqueName("nk"));
    const stem = uniqueName("NkClub");
    const group = await client.createGroup(owner, { name: `${stem}Chess`, open: true });
    const found = await client.listGroups(owner, `%${stem.toLowerCase()}%`, undefined, 10);
    assert.deepEqual(
      (found.groups ?? []).map((g) => g.id),
      [group.id],
    );
    assert.equal(await client.demoteGroupUsers(owner, group.id as string, [owner.user_id as string]), true);
    const members = await client.listGroupUsers(owner, group.id as string);
    assert.equal(members.group_users?.[0]?.state, 0, "still the superadmin");
    const account = await client.getAccount(owner);
    assert.equal(account.wallet, "{}");
    const rpc = await client.rpc(owner, "reward", {}).then(
      () => undefined,
      (err: unknown) => err as Response,
    );
    assert.equal(rpc?.status, 404);
    const storage = await client.readStorageObjects(owner, { object_ids: [] }).then(
      () => undefined,
      (err: unknown) => err as Response,
    );
    assert.equal(storage?.status, 501);
  });

  test("accounts: custom and email sign-in, session refresh and logout", async () => {
    const custom = await client.authenticateCustom(`custom-${uniqueName()}`, true, uniqueName("nkc"), {
      plan: "pro",
    });
    assert.equal(custom.created, true);
    assert.deepEqual(custom.vars, { plan: "pro" });
    const email = `${uniqueName()}@example.com`;
    const first = await client.authenticateEmail(email, "a long password", true);
    const again = await client.authenticateEmail(email, "a long password", false);
    assert.equal(again.user_id, first.user_id);
    const refreshed = await client.sessionRefresh(first);
    assert.equal(refreshed.user_id, first.user_id);
    const account = await client.getAccount(refreshed);
    assert.equal(account.email, email);
    assert.equal(await client.sessionLogout(refreshed, refreshed.token, refreshed.refresh_token), true);
    const after = await client.getAccount(refreshed).then(
      () => "accepted",
      () => "refused",
    );
    assert.equal(after, "refused");
  });

  for (const adapter of adapters) {
    describe(`with the ${adapter.name} adapter`, () => {
      test("status: follow, update, appear offline", async () => {
        const ada = await connectUser(adapter, true);
        const bob = await connectUser(adapter);
        const bobStatus = events<{
          joins?: { user_id: string; status?: string }[];
          leaves?: { status?: string }[];
        }>(bob.socket, "onstatuspresence");
        const followed = await bob.socket.followUsers([ada.session.user_id as string]);
        assert.equal(followed.presences?.length, 1);
        assert.equal(followed.presences?.[0]?.user_id, ada.session.user_id);
        await ada.socket.updateStatus("Hello everyone!");
        const update = await bobStatus();
        assert.equal(update.joins?.[0]?.status, "Hello everyone!");
        assert.equal(update.leaves?.[0]?.status, "");
        await ada.socket.updateStatus();
        const offline = await bobStatus();
        assert.equal(offline.joins?.length ?? 0, 0);
        assert.equal(offline.leaves?.[0]?.status, "Hello everyone!");
        const users = await client.getUsers(bob.session, [ada.session.user_id as string]);
        assert.equal(users.users?.[0]?.online, undefined);
        await bob.socket.unfollowUsers([ada.session.user_id as string]);
        ada.socket.disconnect(false);
        bob.socket.disconnect(false);
      });

      test("chat: join a room, send, update and remove messages", async () => {
        const room = uniqueName("room");
        const ada = await connectUser(adapter);
        const bob = await connectUser(adapter);
        const bobMessages = events<{ message_id: string; code: number; content: Record<string, unknown> }>(
          bob.socket,
          "onchannelmessage",
        );
        const adaPresence = events<{ joins?: { user_id: string }[] }>(ada.socket, "onchannelpresence");
        const channel = await ada.socket.joinChat(room, 1, true, false);
        assert.equal(channel.id, `2...${room}`);
        const bobChannel = await bob.socket.joinChat(room, 1, true, false);
        assert.equal(bobChannel.presences?.[0]?.user_id, ada.session.user_id);
        await adaPresence((e) => e.joins?.some((p) => p.user_id === bob.session.user_id) ?? false);
        const ack = await ada.socket.writeChatMessage(channel.id, { text: "hello" });
        assert.equal(ack.channel_id, channel.id);
        const got = await bobMessages((m) => m.message_id === ack.message_id);
        assert.deepEqual(got.content, { text: "hello" });
        const edited = await ada.socket.updateChatMessage(channel.id, ack.message_id, { text: "hello!" });
        assert.equal(edited.code, 1);
        assert.deepEqual((await bobMessages((m) => m.code === 1)).content, { text: "hello!" });
        await ada.socket.removeChatMessage(channel.id, ack.message_id);
        assert.deepEqual((await bobMessages((m) => m.code === 2)).content, {});
        const refused = await bob.socket.updateChatMessage(channel.id, ack.message_id, { x: 1 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        assert.ok(refused !== undefined, "updating someone else's message is refused");
        await bob.socket.leaveChat(channel.id);
        ada.socket.disconnect(false);
        bob.socket.disconnect(false);
      });

      test("direct chat: the invite notification reaches the other user", async () => {
        const ada = await connectUser(adapter);
        const bob = await connectUser(adapter);
        const bobNotes = events<{ code: number; subject: string; content: Record<string, unknown> }>(
          bob.socket,
          "onnotification",
        );
        await ada.socket.joinChat(bob.session.user_id as string, 2, true, false);
        const note = await bobNotes();
        assert.equal(note.code, -1);
        assert.equal(note.subject, `${ada.session.username} wants to chat`);
        assert.deepEqual(note.content, { username: ada.session.username });
        const listed = await client.listNotifications(bob.session, 10);
        assert.equal(listed.notifications?.[0]?.code, -1);
        ada.socket.disconnect(false);
        bob.socket.disconnect(false);
      });

      test("group chat: server event messages and member messages, and the kick that ends both", async () => {
        const owner = await connectUser(adapter);
        const bob = await connectUser(adapter);
        const ownerMessages = events<{ code: number; sender_id: string; content: Record<string, unknown> }>(
          owner.socket,
          "onchannelmessage",
        );
        const group = await client.createGroup(owner.session, { name: uniqueName("nkgroup"), open: false });
        const channel = await owner.socket.joinChat(group.id as string, 3, true, false);
        assert.equal(channel.id, `3.${group.id}..`);
        await client.addGroupUsers(owner.session, group.id as string, [bob.session.user_id as string]);
        const added = await ownerMessages((m) => m.code === 4);
        assert.equal(added.sender_id, bob.session.user_id);
        assert.deepEqual(added.content, {});
        await bob.socket.joinChat(group.id as string, 3, true, false);
        await bob.socket.writeChatMessage(channel.id, { text: "hi team" });
        assert.deepEqual((await ownerMessages((m) => m.code === 0)).content, { text: "hi team" });
        await client.kickGroupUsers(owner.session, group.id as string, [bob.session.user_id as string]);
        await ownerMessages((m) => m.code === 6);
        const denied = await client.listChannelMessages(bob.session, channel.id, 10).then(
          () => undefined,
          (err: unknown) => err,
        );
        assert.ok(denied !== undefined, "a kicked member cannot read the history");
        const rejoin = await bob.socket.joinChat(group.id as string, 3, true, false).then(
          () => undefined,
          (err: unknown) => err,
        );
        assert.ok(rejoin !== undefined, "a kicked member cannot join the channel");
        owner.socket.disconnect(false);
        bob.socket.disconnect(false);
      });

      test("parity: refusals carry stock's code 3, unoffered envelopes get an error and the socket stays", async () => {
        const owner = await connectUser(adapter);
        const stranger = await connectUser(adapter);
        const group = await client.createGroup(owner.session, { name: uniqueName("nkpar"), open: false });
        const joinError = await stranger.socket.joinChat(group.id as string, 3, true, false).then(
          () => undefined,
          (err: unknown) => err as { code: number; message: string; context?: Record<string, string> },
        );
        assert.equal(joinError?.code, 3);
        assert.equal(joinError?.message, "Group not found: Invalid channel target");
        const historyError = await client.listChannelMessages(stranger.session, `3.${group.id}..`, 10).then(
          () => undefined,
          (err: unknown) => err as Response,
        );
        assert.equal(historyError?.status, 400);
        assert.deepEqual(await historyError?.json(), {
          code: 3,
          message: "Group not found.",
          // Stock mode leaves herald's precise code out, as stock has none.
          ...(mode.name === "herald" ? { herald_code: "permission_denied" } : {}),
        });

        const rpcError = await stranger.socket.rpc("reward", "{}").then(
          () => undefined,
          (err: unknown) => err as { code: number; message: string },
        );
        assert.deepEqual([rpcError?.code, rpcError?.message], [6, "RPC function not found"]);
        const matchError = await stranger.socket.createMatch("m").then(
          () => undefined,
          (err: unknown) => err as { code: number; message: string },
        );
        assert.match(matchError?.message ?? "", /not offered by this server/);
        // The socket is still open and answers.
        const status = await stranger.socket.followUsers([owner.session.user_id as string]);
        assert.deepEqual(status.presences ?? [], []);
        owner.socket.disconnect(false);
        stranger.socket.disconnect(false);
      });

      test("history: pages through every message exactly once in both directions", async () => {
        const ada = await connectUser(adapter);
        const channel = await ada.socket.joinChat(uniqueName("room"), 1, true, false);
        const sent: string[] = [];
        for (let i = 0; i < 12; i++)
          sent.push((await ada.socket.writeChatMessage(channel.id, { i })).message_id);
        for (const forward of [true, false]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 5; pages++) {
            const page = await client.listChannelMessages(ada.session, channel.id, 5, forward, cursor);
            seen.push(...(page.messages ?? []).map((m) => m.message_id as string));
            cursor = page.next_cursor;
            if (!cursor) break;
          }
          assert.deepEqual(seen, forward ? sent : [...sent].reverse());
        }
        ada.socket.disconnect(false);
      });
    });
  }
}
