// channel_join checks its target as stock Nakama does, in stock's order and words (code 3): an
// empty target is refused before the type is read; a room name is measured in UTF-8 bytes (1 to
// 64) and may hold anything but ASCII control characters; a direct-chat or group target that is no
// UUID gets its own words, distinct from a missing user or group; and a UUID is read in every
// spelling stock reads (braces, `urn:uuid:`, 32 hex digits, any case). herald used to answer an
// empty DM/group target and a malformed id as "not found", an unknown type with an empty target as
// "Invalid channel type", a long room name as bare "Invalid channel target", to count a room name
// in UTF-16 units, and to refuse C1 control characters and the other UUID spellings.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  openSocket,
  type RawSocket,
  rest,
  serverForSuite,
  uniqueName,
} from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

const TARGET = "Invalid channel target";

/** The refusal a request gets, as [code, message]; the socket must still answer afterwards. */
async function refusal(sock: RawSocket, kind: "channelJoin", body: object): Promise<[number, string]> {
  const reply = await sock.request(kind, body as never);
  assert.equal(reply.kind, "error", `expected an error reply to ${JSON.stringify(body)}`);
  await sock.call("ping", {}, "pong");
  const { code, message } = reply.body as { code: number; message: string };
  return [code, message];
}

/** A UUID spelled as stock also reads it: 32 hex digits, upper case, in braces or after urn:uuid:. */
function spellings(id: string): string[] {
  const hex = id.replaceAll("-", "");
  return [`{${id}}`, `urn:uuid:${id.toUpperCase()}`, hex, `{${hex.toUpperCase()}}`, `urn:uuid:${hex}`];
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`channel join targets (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("an empty target is refused as an invalid target whatever the type, unknown types included", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        for (const type of [0, 1, 2, 3, 4, 99])
          assert.deepEqual(
            await refusal(a, "channelJoin", { target: "", type }),
            [3, TARGET],
            `type ${type}`,
          );
        for (const type of [4, 99, -1])
          assert.deepEqual(
            await refusal(a, "channelJoin", { target: uniqueName("room"), type }),
            [3, "Invalid channel type"],
            `type ${type}`,
          );
      } finally {
        await a.close();
      }
    });

    test("a room name is 1 to 64 UTF-8 bytes without ASCII control characters, and may hold anything else", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        // 33 two-byte letters: 33 characters, 66 bytes.
        assert.deepEqual(await refusal(a, "channelJoin", { target: "é".repeat(33), type: 1 }), [
          3,
          `Channel name is required and must be 1-64 chars: ${TARGET}`,
        ]);
        assert.deepEqual(await refusal(a, "channelJoin", { target: "x".repeat(65), type: 0 }), [
          3,
          `Channel name is required and must be 1-64 chars: ${TARGET}`,
        ]);
        for (const target of ["a\u0001b", "tab\there", "del\u007f"])
          assert.deepEqual(
            await refusal(a, "channelJoin", { target, type: 1 }),
            [3, `Channel name must not contain control chars: ${TARGET}`],
            JSON.stringify(target),
          );
        const tag = uniqueName("r").slice(-8);
        for (const target of ["é".repeat(32), `a.b c/ü🎉${tag}`, `c1\u0085${tag}`, `${tag}.x.y`]) {
          const channel = await a.call("channelJoin", { target, type: 1 }, "channel");
          assert.equal(channel.id, `2...${target}`);
          assert.equal(channel.roomName, target);
          const ack = await a.call(
            "channelMessageSend",
            { channelId: channel.id, content: "{}" },
            "channelMessageAck",
          );
          assert.equal(ack.roomName, target);
        }
      } finally {
        await a.close();
      }
    });

    test("the reply lists the others on a new join, the joiner too on a repeated one, hidden members never", async () => {
      const [ada, bob, cat] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const a = await openSocket(srv.url, ada, codec);
      const b = await openSocket(srv.url, bob, codec);
      const c = await openSocket(srv.url, cat, codec);
      const sessions = (list: { userId: string; persistence?: boolean }[]) =>
        list.map((p) => `${p.userId}:${p.persistence === true}`).sort();
      try {
        const target = uniqueName("room");
        const first = await a.call("channelJoin", { target, type: 1 }, "channel");
        assert.deepEqual(first.presences, []);
        assert.deepEqual([first.self?.userId, first.self?.persistence], [ada.userId, true]);
        // A visible join is announced to every member, the joiner included.
        await a.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === ada.userId));
        const second = await b.call("channelJoin", { target, type: 1, persistence: false }, "channel");
        assert.deepEqual(sessions(second.presences), [`${ada.userId}:true`]);
        assert.equal(second.self?.persistence, false);
        const joined = await a.next("channelPresenceEvent", (e) =>
          e.joins.some((p) => p.userId === bob.userId),
        );
        assert.equal(joined.joins[0]?.persistence, false);
        const hidden = await c.call("channelJoin", { target, type: 1, hidden: true }, "channel");
        assert.deepEqual(sessions(hidden.presences), [`${ada.userId}:true`, `${bob.userId}:false`].sort());
        const again = await a.call("channelJoin", { target, type: 1 }, "channel");
        assert.deepEqual(sessions(again.presences), [`${ada.userId}:true`, `${bob.userId}:false`].sort());
        assert.equal(again.self?.sessionId, first.self?.sessionId);
        // Neither the hidden join nor the repeated one is announced.
        await a.assertNoPush("channelPresenceEvent");
        await b.assertNoPush("channelPresenceEvent", (e: { joins: { userId: string }[] }) =>
          e.joins.some((p) => p.userId !== bob.userId),
        );
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });

    test("a direct chat target that is no user id is told apart from a missing user", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        for (const target of ["not-a-uuid", "00000000-0000-0000-0000-000000000000", `${ada.userId}x`, " "])
          assert.deepEqual(
            await refusal(a, "channelJoin", { target, type: 2 }),
            [3, `Invalid user ID in direct message join: ${TARGET}`],
            target,
          );
        assert.deepEqual(
          await refusal(a, "channelJoin", { target: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", type: 2 }),
          [3, `User ID not found: ${TARGET}`],
        );
      } finally {
        await a.close();
      }
    });

    test("a direct chat target is read in every UUID spelling stock reads, and names the same channel", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const [one, two] = [ada.userId, bob.userId].sort();
        for (const target of spellings(bob.userId)) {
          const channel = await a.call("channelJoin", { target, type: 2 }, "channel");
          assert.equal(channel.id, `4.${one}.${two}.`, target);
          assert.deepEqual([channel.userIdOne, channel.userIdTwo], [one, two]);
        }
        const self = await a.call("channelJoin", { target: ada.userId.toUpperCase(), type: 2 }, "channel");
        assert.equal(self.id, `4.${ada.userId}.${ada.userId}.`);
      } finally {
        await a.close();
      }
    });

    test("a group target that is no group id is told apart from a group the caller is not in", async () => {
      const owner = await authenticate(srv.url);
      const stranger = await authenticate(srv.url);
      const created = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("g"), open: true },
      });
      const groupId = created.body.id as string;
      const o = await openSocket(srv.url, owner, codec);
      const s = await openSocket(srv.url, stranger, codec);
      try {
        for (const target of ["not-a-uuid", `${groupId}0`, "3..."])
          assert.deepEqual(
            await refusal(s, "channelJoin", { target, type: 3 }),
            [3, `Invalid group ID in group channel join: ${TARGET}`],
            target,
          );
        for (const target of [
          groupId,
          "00000000-0000-0000-0000-000000000000",
          "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        ])
          assert.deepEqual(
            await refusal(s, "channelJoin", { target, type: 3 }),
            [3, `Group not found: ${TARGET}`],
            target,
          );
        for (const target of spellings(groupId)) {
          const channel = await o.call("channelJoin", { target, type: 3 }, "channel");
          assert.equal(channel.id, `3.${groupId}..`, target);
          assert.equal(channel.groupId, groupId);
        }
      } finally {
        await o.close();
        await s.close();
      }
    });
  });
}
