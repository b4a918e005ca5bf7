import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type Session, type Socket } from "../../src/index.js";
import { uniqueName } from "../helpers/server.js";
import { formats, worldForSuite } from "./harness.js";

const world = worldForSuite();

/** A room with `count` messages {n: 0..count-1} written in order by one user. */
async function roomWith(socket: Socket, count: number): Promise<string> {
  const channel = await socket.joinChat(uniqueName("room"), ChannelType.Room);
  for (let n = 0; n < count; n++) await socket.writeChatMessage(channel.id, { n });
  return channel.id;
}

const ns = (messages: readonly { content: Record<string, unknown> }[]) => messages.map((m) => m.content.n);

async function allPages(session: Session, channelId: string, forward: boolean, limit: number) {
  const pages: unknown[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = await world.client.listChannelMessages(session, channelId, { limit, forward, cursor });
    pages.push(ns(page.messages));
    if (!page.nextCursor) return pages;
    cursor = page.nextCursor;
  }
  throw new Error("history paging did not end");
}

for (const [format, codec] of formats) {
  describe(`history over ${format}`, () => {
    test("forward lists oldest first and backward newest first, page by page without gaps or repeats", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 7);
      assert.deepEqual(await allPages(ada.session, channelId, true, 3), [[0, 1, 2], [3, 4, 5], [6]]);
      assert.deepEqual(await allPages(ada.session, channelId, false, 3), [[6, 5, 4], [3, 2, 1], [0]]);
    });

    test("messages carry sender, timestamps and parsed content in history", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 1);
      const { messages } = await world.client.listChannelMessages(ada.session, channelId, { forward: true });
      const [m] = messages;
      assert.equal(m?.senderId, ada.userId);
      assert.equal(m?.username, ada.username);
      assert.equal(m?.channelId, channelId);
      assert.deepEqual(m?.content, { n: 0 });
      assert.ok(m?.createTime instanceof Date);
      assert.equal(m?.persistent, true);
    });

    test("a previous-page cursor goes back the way it came", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 6);
      const first = await world.client.listChannelMessages(ada.session, channelId, {
        forward: true,
        limit: 2,
      });
      const second = await world.client.listChannelMessages(ada.session, channelId, {
        forward: true,
        limit: 2,
        cursor: first.nextCursor,
      });
      assert.deepEqual(ns(second.messages), [2, 3]);
      assert.ok(second.prevCursor, "a second page has a previous-page cursor");
    });

    test("channelMessages iterates the whole history in either direction", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 5);
      const forward: unknown[] = [];
      for await (const m of world.client.channelMessages(ada.session, channelId, {
        forward: true,
        limit: 2,
      })) {
        forward.push(m.content.n);
      }
      assert.deepEqual(forward, [0, 1, 2, 3, 4]);
      const backward: unknown[] = [];
      for await (const m of world.client.channelMessages(ada.session, channelId, {
        forward: false,
        limit: 2,
      })) {
        backward.push(m.content.n);
      }
      assert.deepEqual(backward, [4, 3, 2, 1, 0]);
    });

    test("a history is readable without joining the channel", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 2);
      const peeker = await world.signIn("peek");
      const page = await world.client.listChannelMessages(peeker, channelId, { forward: true });
      assert.deepEqual(ns(page.messages), [0, 1]);
    });

    test("an edited message is listed with its new content", async () => {
      const ada = await world.peer(codec);
      const channel = await ada.socket.joinChat(uniqueName("room"), ChannelType.Room);
      const ack = await ada.socket.writeChatMessage(channel.id, { text: "first" });
      await ada.socket.updateChatMessage(channel.id, ack.messageId, { text: "edited" });
      const page = await world.client.listChannelMessages(ada.session, channel.id, { forward: true });
      assert.deepEqual(
        page.messages.map((m) => m.content),
        [{ text: "edited" }],
      );
    });

    test("the cacheable cursor lists only messages newer than those already seen", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 3);
      const seen = await world.client.listChannelMessages(ada.session, channelId, {
        forward: true,
        limit: 10,
      });
      assert.deepEqual(ns(seen.messages), [0, 1, 2]);
      assert.ok(seen.cacheableCursor, "a listing has a cacheable cursor");
      const nothingNew = await world.client.listChannelMessages(ada.session, channelId, {
        forward: true,
        limit: 10,
        cursor: seen.cacheableCursor,
      });
      assert.deepEqual(ns(nothingNew.messages), []);
      for (const n of [3, 4]) await ada.socket.writeChatMessage(channelId, { n });
      const newer = await world.client.listChannelMessages(ada.session, channelId, {
        forward: true,
        limit: 10,
        cursor: seen.cacheableCursor,
      });
      assert.deepEqual(ns(newer.messages), [3, 4]);
    });

    test("a limit outside 1 to 100 is refused with bad_input", async () => {
      const ada = await world.peer(codec);
      const channelId = await roomWith(ada.socket, 1);
      await assert.rejects(world.client.listChannelMessages(ada.session, channelId, { limit: 101 }), {
        code: "bad_input",
      });
    });
  });
}
