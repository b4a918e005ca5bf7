import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  type TestServer,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";

interface Page {
  messages?: { message_id: string; content: string; code?: number; create_time: string }[];
  next_cursor?: string;
  prev_cursor?: string;
  cacheable_cursor?: string;
}

async function page(srv: TestServer, user: TestUser, channelId: string, query: string): Promise<Page> {
  const res = await rest(srv.url, "GET", `/v2/channel/${encodeURIComponent(channelId)}?${query}`, {
    token: user.token,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Page;
}

const ids = (p: Page) => (p.messages ?? []).map((m) => m.message_id);

describe("history", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("pages cover every message exactly once in both directions, even within one millisecond", async () => {
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        // Sent without waiting, so many share a creation millisecond.
        const acks = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            a.call(
              "channelMessageSend",
              { channelId: ch.id, content: JSON.stringify({ i }) },
              "channelMessageAck",
            ),
          ),
        );
        const sent = acks.map((x) => x.messageId);

        for (const forward of [true, false]) {
          const seen: string[] = [];
          let cursor = "";
          const pages: Page[] = [];
          do {
            const p = await page(
              srv,
              ada,
              ch.id,
              `limit=10&forward=${forward}${cursor ? `&cursor=${cursor}` : ""}`,
            );
            pages.push(p);
            seen.push(...ids(p));
            cursor = p.next_cursor ?? "";
            assert.ok(pages.length <= 3, "paging ends");
          } while (cursor);
          assert.deepEqual(seen, forward ? sent : [...sent].reverse());
          assert.deepEqual(
            pages.map((p) => ids(p).length),
            [10, 10, 5],
          );
          // The prev cursor of the second page leads back to the first page.
          const back = await page(
            srv,
            ada,
            ch.id,
            `limit=10&forward=${forward}&cursor=${pages[1]?.prev_cursor}`,
          );
          assert.deepEqual(ids(back), ids(pages[0] as Page));
        }
        await a.close();
      });

      test("the cacheable cursor, listed forward, returns only messages newer than those seen, whichever way its page was listed", async () => {
        const ada = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const ch = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        for (let i = 0; i < 3; i++)
          await a.call("channelMessageSend", { channelId: ch.id, content: "{}" }, "channelMessageAck");
        for (const forward of [true, false]) {
          const first = await page(srv, ada, ch.id, `limit=100&forward=${forward}`);
          assert.equal(ids(first).length, forward ? 3 : 4);
          const newer = await a.call(
            "channelMessageSend",
            { channelId: ch.id, content: '{"new":1}' },
            "channelMessageAck",
          );
          const again = await page(
            srv,
            ada,
            ch.id,
            `limit=100&forward=true&cursor=${first.cacheable_cursor}`,
          );
          assert.deepEqual(ids(again), [newer.messageId]);
          const nothing = await page(
            srv,
            ada,
            ch.id,
            `limit=100&forward=true&cursor=${again.cacheable_cursor}`,
          );
          assert.deepEqual(ids(nothing), []);
        }
        await a.close();
      });

      test("edits are listed with new content and code 0, removals disappear, non-persistent sends are not stored", async () => {
        const ada = await authenticate(srv.url);
        const bob = await authenticate(srv.url);
        const a = await openSocket(srv.url, ada, codec);
        const b = await openSocket(srv.url, bob, codec);
        const room = uniqueName("room");
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.call("channelJoin", { target: room, type: 1, persistence: false }, "channel");
        const keep = await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"v":1}' },
          "channelMessageAck",
        );
        const drop = await a.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"v":2}' },
          "channelMessageAck",
        );
        const edit = await a.call(
          "channelMessageUpdate",
          { channelId: ch.id, messageId: keep.messageId, content: '{"v":3}' },
          "channelMessageAck",
        );
        assert.equal(edit.code, 1);
        const editPush = await b.next("channelMessage", (m) => m.code === 1);
        assert.deepEqual(JSON.parse(editPush.content), { v: 3 });
        const removed = await a.call(
          "channelMessageRemove",
          { channelId: ch.id, messageId: drop.messageId },
          "channelMessageAck",
        );
        assert.equal(removed.code, 2);
        const removePush = await b.next("channelMessage", (m) => m.code === 2);
        assert.equal(removePush.content, "{}");
        const ephemeral = await b.call(
          "channelMessageSend",
          { channelId: ch.id, content: '{"eph":1}' },
          "channelMessageAck",
        );
        assert.equal(ephemeral.persistent, false);
        const got = await a.next("channelMessage", (m) => m.messageId === ephemeral.messageId);
        assert.equal(got.persistent, false);

        const foreign = await b.request("channelMessageUpdate", {
          channelId: ch.id,
          messageId: keep.messageId,
          content: "{}",
        });
        assert.equal(foreign.kind, "error");
        assert.equal(
          (foreign.body as { message: string }).message,
          "Could not find message to update in channel history",
        );
        const foreignRemove = await b.request("channelMessageRemove", {
          channelId: ch.id,
          messageId: keep.messageId,
        });
        assert.equal(
          (foreignRemove.body as { message: string }).message,
          "Could not find message to remove in channel history",
        );

        const list = await page(srv, ada, ch.id, "limit=100&forward=true");
        assert.equal(list.messages?.length, 1);
        assert.equal(list.messages?.[0]?.message_id, keep.messageId);
        assert.deepEqual(JSON.parse(list.messages?.[0]?.content ?? ""), { v: 3 });
        assert.equal(list.messages?.[0]?.code, 0);
        await a.close();
        await b.close();
      });
    });
  }

  test("a room's history can be read without joining it", async () => {
    const ada = await authenticate(srv.url);
    const bob = await authenticate(srv.url);
    const a = await openSocket(srv.url, ada);
    const ch = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
    await a.call("channelMessageSend", { channelId: ch.id, content: '{"hi":1}' }, "channelMessageAck");
    const peek = await page(srv, bob, ch.id, "limit=10");
    assert.equal(peek.messages?.length, 1);
    await a.close();
  });

  test("a limit outside 1 to 100, a malformed cursor and a malformed channel id are refused with 400", async () => {
    const ada = await authenticate(srv.url);
    for (const q of ["limit=0", "limit=101", "limit=abc", "limit=10&cursor=%%%"]) {
      const res = await rest(srv.url, "GET", `/v2/channel/2...lobby?${q}`, { token: ada.token });
      assert.equal(res.status, 400, q);
      assert.equal(res.body.code, 3);
    }
    const badId = await rest(srv.url, "GET", "/v2/channel/7.x?limit=10", { token: ada.token });
    assert.equal(badId.status, 400);
    const forwardMismatch = await rest(srv.url, "GET", "/v2/channel/2...lobby?limit=10", {
      token: ada.token,
    });
    assert.equal(forwardMismatch.status, 200);
  });
});
