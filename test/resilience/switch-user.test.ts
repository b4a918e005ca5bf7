import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError, MemoryOutboxStorage, type SocketChannelMessage } from "../../src/index.js";
import { cutAway, cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { silentCapabilities } from "../helpers/silent-capabilities.js";
import { nextEvent } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`a socket connected again with another user's session (${label})`, () => {
    for (const stored of [false, true]) {
      test(`does not send the first user's unsent messages as the second user (${stored ? "stored outbox" : "memory outbox"})`, async (t) => {
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const storage = new MemoryOutboxStorage();
        const net = cuttableWebSocket();
        const socket = client.createSocket({
          codec,
          WebSocket: net.WebSocket,
          heartbeat: false,
          reconnect: { minDelayMs: 5, maxDelayMs: 20 },
          ...(stored ? { outbox: { storage } } : {}),
        });
        t.after(() => socket.disconnect());
        await socket.connect(ada);
        const roomName = uniqueName("room");
        const room = await socket.joinChat(roomName, ChannelType.Room);
        await socket.followUsers([bob.userId]);

        // Written while away: never on the wire before disconnect().
        await cutAway(socket, net);
        const written = socket.writeChatMessage(room.id, { text: "ada's, unsent" });
        await socket.disconnect();
        await assert.rejects(written, (e) => HeraldError.is(e, "disconnected"));
        net.restore();

        await socket.connect(bob);
        assert.equal(socket.outboxSize, 0, "ada's message is not bob's to send");
        await socket.joinChat(roomName, ChannelType.Room);
        await socket.writeChatMessage(room.id, { text: "bob's own" });
        const history = await client.listChannelMessages(bob, room.id, { forward: true, limit: 100 });
        assert.deepEqual(
          history.messages.map((m) => [m.username, m.content.text]),
          [[bob.username, "bob's own"]],
        );

        if (stored) {
          // Kept for ada: her next connection sends it, as hers.
          assert.equal(storage.load().length, 1);
          await socket.disconnect();
          await socket.connect(ada);
          const mine = nextEvent<SocketChannelMessage>(
            socket.onChannelMessage.bind(socket),
            "ada's message",
            (m) => m.content.text === "ada's, unsent",
          );
          await socket.joinChat(roomName, ChannelType.Room);
          assert.equal((await mine).senderId, ada.userId);
        }
      });
    }
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`a write made while a connect() fails (${label})`, () => {
    test("rejects with disconnected as the connect() fails, and settles though another user connects next", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const net = cuttableWebSocket();
      const socket = client.createSocket({ codec, WebSocket: net.WebSocket, heartbeat: false });
      t.after(() => socket.disconnect());
      const roomName = uniqueName("room");

      net.refuse();
      const connecting = socket.connect(ada);
      // A room's id is its name's: the write waits in the outbox for a join that never comes.
      const written = socket.writeChatMessage(`2...${roomName}`, { text: "ada's, unsent" });
      const outcome = written.then(
        () => "sent",
        (error: unknown) => (HeraldError.is(error) ? error.code : String(error)),
      );
      await assert.rejects(connecting, (e: unknown) => HeraldError.is(e, "disconnected"));
      assert.equal(socket.state, "closed");
      // Settled with the failed connect(), as a disconnect() settles the writes it leaves.
      const settled = await Promise.race([outcome, new Promise((r) => setTimeout(() => r("pending"), 1000))]);
      assert.equal(settled, "disconnected");

      net.restore();
      await socket.connect(bob);
      const room = await socket.joinChat(roomName, ChannelType.Room);
      const history = await client.listChannelMessages(bob, room.id, { limit: 10 });
      assert.deepEqual(history.messages, [], "ada's message did not go out as bob's");
    });
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`a write made by a listener of the connecting state (${label})`, () => {
    for (const stored of [false, true]) {
      test(`is the connecting user's, and settles (${stored ? "stored outbox" : "memory outbox"})`, async (t) => {
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const storage = new MemoryOutboxStorage();
        const socket = client.createSocket({
          codec,
          heartbeat: false,
          ...(stored ? { outbox: { storage } } : {}),
        });
        t.after(() => socket.disconnect());
        const roomName = uniqueName("room");
        await socket.connect(ada);
        await socket.disconnect();

        let written: Promise<unknown> | undefined;
        let labels: (string | undefined)[] = [];
        const off = socket.onState(({ state }) => {
          if (state !== "connecting" || written) return;
          // Not joined: the server refuses it once connected, and it leaves the outbox.
          written = socket.writeChatMessage(`2...${roomName}`, { text: "bob's" });
          labels = storage.load().map((entry) => entry.userId);
        });
        await socket.connect(bob);
        off();
        if (stored) assert.deepEqual(labels, [bob.userId], "stored as bob's");
        const outcome = written?.then(
          () => "sent",
          (error: unknown) => (HeraldError.is(error) ? error.code : String(error)),
        );
        const settled = await Promise.race([
          outcome,
          new Promise((r) => setTimeout(() => r("pending"), 2000)),
        ]);
        assert.notEqual(settled, "pending");
        assert.equal(socket.outboxSize, 0);

        // Nothing of it is left to go out as ada's.
        await socket.disconnect();
        await socket.connect(ada);
        assert.equal(socket.outboxSize, 0, "nothing of bob's waits in ada's outbox");
        assert.deepEqual(storage.load(), []);
      });
    }
  });
}

test("a disconnect() made by a listener of the connecting state ends the connect() at once", async (t) => {
  // A capabilities route that never answers: the connect() would wait out its 3 s.
  const { session, socket } = await silentCapabilities(t);
  let disconnected: Promise<void> | undefined;
  socket.onState(({ state }) => {
    if (state === "connecting") disconnected = socket.disconnect();
  });
  const started = Date.now();
  await assert.rejects(socket.connect(session), (e: unknown) => HeraldError.is(e, "disconnected"));
  await disconnected;
  assert.ok(Date.now() - started < 1000, `ended after ${Date.now() - started} ms`);
  assert.equal(socket.state, "closed");
});

test("a connect() made by a listener of the closed state of a failed connect() keeps the writes made for it", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const ada = await signIn("ada");
  const socket = client.createSocket({ heartbeat: false });
  t.after(() => socket.disconnect());
  const roomName = uniqueName("room");
  // The first connect() is ended by a disconnect() from its connecting state; the listener of its
  // closed state connects again, and a listener of that connect()'s connecting state writes.
  let phase = 0;
  let again: Promise<void> | undefined;
  let written: Promise<unknown> | undefined;
  const off = socket.onState(({ state }) => {
    if (state === "connecting" && phase === 0) {
      phase = 1;
      void socket.disconnect();
    } else if (state === "closed" && phase === 1) {
      phase = 2;
      again = socket.connect(ada);
    } else if (state === "connecting" && phase === 2) {
      phase = 3;
      // Not joined: it goes out once connected, and the server refuses it.
      written = socket.writeChatMessage(`2...${roomName}`, { text: "kept" }).then(
        () => "sent",
        (error: unknown) => (HeraldError.is(error) ? `${error.code}: ${error.message}` : String(error)),
      );
    }
  });
  await assert.rejects(socket.connect(ada), (e: unknown) => HeraldError.is(e, "disconnected"));
  off();
  assert.equal(phase, 3);
  await again;
  const settled = await Promise.race([written, new Promise((r) => setTimeout(() => r("pending"), 2000))]);
  // Sent over the new connection, not rejected by the failed connect() as it closed.
  assert.match(String(settled), /^bad_input: Must join/);
});
