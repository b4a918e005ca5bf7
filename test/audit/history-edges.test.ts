// History reads at their edges, as stock Nakama answers them, in both server modes: checks come in
// stock's order (the limit, the channel id, the cursor, then the right to read) with stock's words
// for this route ("Invalid channel ID.", "Cursor is invalid or expired."); channel ids stock reads
// as well formed (an empty group or user part, any UUID form, any room name) are read, not refused;
// `forward` left out lists oldest first; a cacheable cursor is a forward cursor, whichever way its
// page was listed; and a cursor works for any reader of its channel.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  openSocket,
  rest,
  serverForSuite,
  type TestUser,
  uniqueName,
} from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

interface Page {
  messages?: { message_id: string; content: string }[];
  next_cursor?: string;
  prev_cursor?: string;
  cacheable_cursor?: string;
}

for (const mode of serverModes) {
  describe(`history edges (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);
    // Stock 3.26's cursors (reproduced by this mode) repeat messages of the same second.
    const exact = mode.name === "herald";

    function get(user: TestUser, channelId: string, query: string) {
      return rest(srv.url, "GET", `/v2/channel/${encodeURIComponent(channelId)}?${query}`, {
        token: user.token,
      });
    }

    async function page(user: TestUser, channelId: string, query: string): Promise<Page> {
      const res = await get(user, channelId, query);
      assert.equal(res.status, 200, `${channelId}?${query}: ${JSON.stringify(res.body)}`);
      return res.body as Page;
    }

    async function refused(user: TestUser, channelId: string, query: string, message: string) {
      const res = await get(user, channelId, query);
      assert.equal(res.status, 400, `${channelId}?${query}: ${JSON.stringify(res.body)}`);
      assert.deepEqual([res.body.code, res.body.message], [3, message], `${channelId}?${query}`);
    }

    const contents = (p: Page) => (p.messages ?? []).map((m) => m.content);

    /** A room with `n` messages `{"n":0}`... sent by `user`; returns its channel id. */
    async function roomWith(user: TestUser, n: number): Promise<string> {
      const s = await openSocket(srv.url, user);
      try {
        const channel = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        for (let i = 0; i < n; i++) {
          await s.call(
            "channelMessageSend",
            { channelId: channel.id, content: JSON.stringify({ n: i }) },
            "channelMessageAck",
          );
        }
        return channel.id;
      } finally {
        await s.close();
      }
    }

    async function send(user: TestUser, room: string, n: number): Promise<void> {
      const s = await openSocket(srv.url, user);
      try {
        await s.call("channelJoin", { target: room.slice(4), type: 1 }, "channel");
        await s.call(
          "channelMessageSend",
          { channelId: room, content: JSON.stringify({ n }) },
          "channelMessageAck",
        );
      } finally {
        await s.close();
      }
    }

    test("the limit is checked first, then the channel id, then the cursor, then the right to read", async () => {
      const [ada, bea] = [await authenticate(srv.url), await authenticate(srv.url)];
      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g") },
      });
      const groupChannel = `3.${group.body.id as string}..`;
      const limit = "Invalid limit - limit must be between 1 and 100.";
      for (const l of ["0", "101", "-1"]) {
        await refused(bea, groupChannel, `limit=${l}&cursor=garbage`, limit);
        await refused(bea, "9.x", `limit=${l}`, limit);
      }
      await refused(bea, "9.x", "limit=10&cursor=garbage", "Invalid channel ID.");
      // The cursor comes before the right to read.
      await refused(bea, groupChannel, "limit=10&cursor=garbage", "Cursor is invalid or expired.");
      await refused(bea, groupChannel, "limit=10", "Group not found.");
      await refused(bea, `4.${ada.userId}.${ada.userId}.`, "limit=10", "Channel not found.");
    });

    test('a malformed channel id is refused with stock\'s "Invalid channel ID."', async () => {
      const ada = await authenticate(srv.url);
      const uuid = ada.userId;
      for (const id of [
        "2...",
        "2",
        "2..",
        "0...room",
        "5...room",
        "2.x..room",
        "2..x.room",
        `2...${"r".repeat(65)}`,
        "3.not-a-uuid..",
        `3.${uuid}.${uuid}.`,
        `3.${uuid}..label`,
        `4.${uuid}.not-a-uuid.`,
        `4.${uuid}.${uuid}.label`,
        `4.${uuid.slice(1)}.${uuid}.`,
        `3.${uuid}0..`,
      ]) {
        await refused(ada, id, "limit=10", "Invalid channel ID.");
      }
    });

    test("ids stock reads as well formed are read: empty parts, other UUID forms, any room name", async () => {
      const ada = await authenticate(srv.url);
      // An empty group part names no group; an empty user part names nobody.
      await refused(ada, "3...", "limit=10", "Group not found.");
      await refused(ada, "4...", "limit=10", "Channel not found.");
      // Rooms of this test's own (the server may be one that other tests write to); the last is
      // 64 UTF-8 bytes, the longest a room name may be.
      const tag = uniqueName("r").slice(-8).padStart(8, "0");
      for (const id of [
        `4.${ada.userId}..`,
        `4..${ada.userId}.`,
        `2...a\u0001b${tag}`,
        `2...a.b.c${tag}`,
        `2...${"é".repeat(28)}${tag}`,
      ]) {
        assert.deepEqual(await page(ada, id, "limit=10"), {}, id);
      }
      // A room name is measured in UTF-8 bytes, as a join measures it: 33 "é" are 66 bytes.
      await refused(ada, `2...${"é".repeat(33)}`, "limit=10", "Invalid channel ID.");

      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g") },
      });
      const groupId = group.body.id as string;
      const s = await openSocket(srv.url, ada);
      try {
        await s.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await s.call(
          "channelMessageSend",
          { channelId: `3.${groupId}..`, content: '{"g":1}' },
          "channelMessageAck",
        );
      } finally {
        await s.close();
      }
      const hex = groupId.replaceAll("-", "");
      for (const form of [groupId.toUpperCase(), hex, `{${groupId}}`, `{${hex}}`, `urn:uuid:${groupId}`]) {
        const listed = await page(ada, `3.${form}..`, "limit=10");
        assert.deepEqual(contents(listed), ['{"g":1}'], form);
        // As stock: the channel id as asked for, the group id canonical.
        const [message] = (listed.messages ?? []) as { channel_id?: string; group_id?: string }[];
        assert.deepEqual([message?.channel_id, message?.group_id], [`3.${form}..`, groupId], form);
      }
    });

    test("forward left out lists oldest first, as stock", async () => {
      const ada = await authenticate(srv.url);
      const room = await roomWith(ada, 3);
      assert.deepEqual(contents(await page(ada, room, "limit=10")), ['{"n":0}', '{"n":1}', '{"n":2}']);
      assert.deepEqual(contents(await page(ada, room, "limit=1")), ['{"n":0}']);
      assert.deepEqual(contents(await page(ada, room, "limit=10&forward=false")), [
        '{"n":2}',
        '{"n":1}',
        '{"n":0}',
      ]);
    });

    test("a cursor of another channel or the other direction is refused; another reader may use it", async () => {
      const [ada, bea] = [await authenticate(srv.url), await authenticate(srv.url)];
      const room = await roomWith(ada, 3);
      const other = await roomWith(ada, 3);
      for (const forward of [true, false]) {
        const first = await page(ada, room, `limit=1&forward=${forward}`);
        const next = encodeURIComponent(first.next_cursor ?? "");
        assert.ok(next);
        await refused(
          ada,
          other,
          `limit=1&forward=${forward}&cursor=${next}`,
          "Cursor is invalid or expired.",
        );
        await refused(
          ada,
          room,
          `limit=1&forward=${!forward}&cursor=${next}`,
          "Cursor is invalid or expired.",
        );
        const own = await page(ada, room, `limit=1&forward=${forward}&cursor=${next}`);
        // Cursors are not bound to the reader who got them, on stock either.
        assert.deepEqual(await page(bea, room, `limit=1&forward=${forward}&cursor=${next}`), own);
      }
    });

    test("a cacheable cursor is a forward cursor marking the newest message, whichever way its page was listed", async () => {
      const ada = await authenticate(srv.url);
      const room = await roomWith(ada, 2);
      for (const forward of [true, false]) {
        const seen = await page(ada, room, `limit=10&forward=${forward}`);
        const cacheable = encodeURIComponent(seen.cacheable_cursor ?? "");
        assert.ok(cacheable);
        await refused(
          ada,
          room,
          `limit=10&forward=false&cursor=${cacheable}`,
          "Cursor is invalid or expired.",
        );
        const n = forward ? 10 : 11;
        await send(ada, room, n);
        const fresh = contents(await page(ada, room, `limit=10&forward=true&cursor=${cacheable}`));
        if (exact)
          assert.deepEqual(fresh, [`{"n":${n}}`], `after a ${forward ? "forward" : "backward"} listing`);
        else assert.equal(fresh.at(-1), `{"n":${n}}`);
      }
    });

    test("an empty page listed from a cursor keeps that cursor as its cacheable cursor, turned forward", async () => {
      const ada = await authenticate(srv.url);
      const room = await roomWith(ada, 2);
      const start = await page(ada, room, "limit=10&forward=true");
      const end = await page(
        ada,
        room,
        `limit=10&forward=true&cursor=${encodeURIComponent(start.cacheable_cursor ?? "")}`,
      );
      if (exact) assert.equal(end.messages, undefined);
      assert.equal(
        end.cacheable_cursor,
        start.cacheable_cursor,
        "a forward listing keeps its cursor as it is",
      );

      // Backward: a next page whose messages are gone is empty.
      const first = await page(ada, room, "limit=1&forward=false");
      assert.deepEqual(contents(first), ['{"n":1}']);
      const s = await openSocket(srv.url, ada);
      try {
        await s.call("channelJoin", { target: room.slice(4), type: 1 }, "channel");
        const [oldest] = (await page(ada, room, "limit=1&forward=true")).messages ?? [];
        await s.call(
          "channelMessageRemove",
          { channelId: room, messageId: oldest?.message_id },
          "channelMessageAck",
        );
      } finally {
        await s.close();
      }
      const next = first.next_cursor ?? "";
      const empty = await page(ada, room, `limit=1&forward=false&cursor=${encodeURIComponent(next)}`);
      assert.equal(empty.messages, undefined);
      const cacheable = empty.cacheable_cursor ?? "";
      assert.ok(cacheable && cacheable !== next, "the cursor, turned forward");
      const turned = encodeURIComponent(cacheable);
      await refused(ada, room, `limit=10&forward=false&cursor=${turned}`, "Cursor is invalid or expired.");
      assert.equal((await get(ada, room, `limit=10&forward=true&cursor=${turned}`)).status, 200);
    });

    test("a page listed from a cursor always has a cursor back, even with nothing left there", async () => {
      const ada = await authenticate(srv.url);
      const room = await roomWith(ada, 3);
      const all = (await page(ada, room, "limit=10&forward=true")).messages ?? [];
      const first = await page(ada, room, "limit=1&forward=true");
      assert.equal(first.prev_cursor, undefined, "a first page has no way back");
      const s = await openSocket(srv.url, ada);
      try {
        await s.call("channelJoin", { target: room.slice(4), type: 1 }, "channel");
        await s.call(
          "channelMessageRemove",
          { channelId: room, messageId: all[0]?.message_id },
          "channelMessageAck",
        );
      } finally {
        await s.close();
      }
      if (!exact) return; // Stock 3.26's forward paging repeats its first page instead.
      const second = await page(
        ada,
        room,
        `limit=1&forward=true&cursor=${encodeURIComponent(first.next_cursor ?? "")}`,
      );
      assert.deepEqual(contents(second), ['{"n":1}']);
      assert.ok(second.prev_cursor, "a way back, though the message before was removed");
      const back = await page(
        ada,
        room,
        `limit=1&forward=true&cursor=${encodeURIComponent(second.prev_cursor ?? "")}`,
      );
      assert.equal(back.messages, undefined);
      // Listed back from the last page, the page has a way onwards again, and one further back
      // only when there is more.
      const third = await page(
        ada,
        room,
        `limit=1&forward=true&cursor=${encodeURIComponent(second.next_cursor ?? "")}`,
      );
      assert.deepEqual([contents(third), third.next_cursor], [['{"n":2}'], undefined]);
      const again = await page(
        ada,
        room,
        `limit=1&forward=true&cursor=${encodeURIComponent(third.prev_cursor ?? "")}`,
      );
      assert.deepEqual(contents(again), ['{"n":1}']);
      assert.ok(again.next_cursor, "a way onwards");
      assert.equal(again.prev_cursor, undefined, "nothing further back");
    });

    test("a channel never written, a direct chat with yourself, and a group you left", async () => {
      const [ada, bea] = [await authenticate(srv.url), await authenticate(srv.url)];
      assert.deepEqual(await page(ada, `2...${uniqueName("quiet")}`, "limit=10"), {});

      const s = await openSocket(srv.url, ada);
      try {
        const self = await s.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        assert.equal(self.id, `4.${ada.userId}.${ada.userId}.`);
        await s.call("channelMessageSend", { channelId: self.id, content: '{"me":1}' }, "channelMessageAck");
        assert.deepEqual(contents(await page(ada, self.id, "limit=10")), ['{"me":1}']);
        await refused(bea, self.id, "limit=10", "Channel not found.");
      } finally {
        await s.close();
      }

      const group = await rest(srv.url, "POST", "/v2/group", {
        token: ada.token,
        body: { name: uniqueName("g"), open: true },
      });
      const groupId = group.body.id as string;
      assert.equal(
        (await rest(srv.url, "POST", `/v2/group/${groupId}/join`, { token: bea.token })).status,
        200,
      );
      assert.equal((await get(bea, `3.${groupId}..`, "limit=10")).status, 200);
      assert.equal(
        (await rest(srv.url, "POST", `/v2/group/${groupId}/leave`, { token: bea.token })).status,
        200,
      );
      await refused(bea, `3.${groupId}..`, "limit=10", "Group not found.");
    });
  });
}
