import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ChannelType,
  MemoryOutboxStorage,
  type OutboxEntry,
  type OutboxStorage,
  type Session,
  type Socket,
  type SocketChannelMessage,
} from "../../src/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

/** A storage whose first load waits for the test, then answers (or fails) with what it holds then. */
class SlowStorage implements OutboxStorage {
  loads = 0;
  readonly #memory = new MemoryOutboxStorage();
  #release: (() => void) | undefined;
  constructor(private readonly failFirst = false) {}
  add(entry: OutboxEntry): void {
    this.#memory.add(entry);
  }
  remove(clientMsgId: string): void {
    this.#memory.remove(clientMsgId);
  }
  load(): OutboxEntry[] | Promise<OutboxEntry[]> {
    if (++this.loads > 1) return this.#memory.load();
    return new Promise<void>((resolve) => {
      this.#release = resolve;
    }).then(() => {
      if (this.failFirst) throw new Error("storage busy");
      return this.#memory.load();
    });
  }
  async loading(): Promise<void> {
    while (!this.#release) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  release(): void {
    this.#release?.();
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A connect() of `session` given up by disconnect() while `storage` loads its outbox. */
async function connectGivenUpWhileLoading(
  socket: Socket,
  session: Session,
  storage: SlowStorage,
): Promise<void> {
  const connecting = socket.connect(session);
  await storage.loading();
  await socket.disconnect();
  await assert.rejects(connecting, { code: "disconnected" });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`the outbox's load from storage, raced (${label})`, () => {
    const setUp = async (t: import("node:test").TestContext) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const roomName = uniqueName("room");
      const first = client.createSocket({ codec, heartbeat: false });
      await first.connect(ada);
      const room = await first.joinChat(roomName, ChannelType.Room);
      await first.disconnect();
      const history = async (session: Session) =>
        (await client.listChannelMessages(session, room.id, { forward: true, limit: 100 })).messages.map(
          (m) => m.content.n,
        );
      return { client, ada, bob, roomName, room, history };
    };

    test("a write made while the storage loads is not queued twice", async (t) => {
      const { client, ada, roomName, room, history } = await setUp(t);
      const storage = new SlowStorage();
      const socket = client.createSocket({ codec, heartbeat: false, outbox: { storage } });
      t.after(() => socket.disconnect());
      const connecting = socket.connect(ada);
      await storage.loading();
      // Not joined yet: the server refuses it once connected, and it leaves the outbox.
      const during = socket.writeChatMessage(room.id, { n: "during" });
      storage.release();
      await connecting;
      await Promise.allSettled([during]);
      assert.equal(socket.outboxSize, 0, "no copy of it waits for the join");
      await socket.joinChat(roomName, ChannelType.Room);
      await socket.writeChatMessage(room.id, { n: "after" });
      assert.deepEqual(await history(ada), ["after"]);
    });

    test("a connect() given up while the storage loads, whose load then fails, loads at the next", async (t) => {
      const { client, ada, roomName, room } = await setUp(t);
      const storage = new SlowStorage(true);
      storage.add({
        clientMsgId: "left-over",
        channelId: room.id,
        content: { n: "stored" },
        userId: ada.userId,
      });
      const socket = client.createSocket({ codec, heartbeat: false, outbox: { storage } });
      t.after(() => socket.disconnect());
      await connectGivenUpWhileLoading(socket, ada, storage);
      storage.release();
      await tick();
      await socket.connect(ada);
      assert.equal(storage.loads, 2, "read again");
      assert.equal(socket.outboxSize, 1);
      const sent = nextEvent<SocketChannelMessage>(
        socket.onChannelMessage.bind(socket),
        "the stored message",
        (m) => m.content.n === "stored",
      );
      await socket.joinChat(roomName, ChannelType.Room);
      await sent;
    });

    test("a load given up for another user's connect() does not fill that user's outbox", async (t) => {
      const { client, ada, bob, room } = await setUp(t);
      const storage = new SlowStorage();
      storage.add({ clientMsgId: "ada-1", channelId: room.id, content: { n: "ada's" }, userId: ada.userId });
      const socket = client.createSocket({ codec, heartbeat: false, outbox: { storage } });
      t.after(() => socket.disconnect());
      await connectGivenUpWhileLoading(socket, ada, storage);
      await socket.connect(bob);
      storage.release();
      await tick();
      assert.equal(socket.outboxSize, 0, "ada's message is not bob's");
    });
  });
}
