// Chat requests on a channel id, checked as stock Nakama checks them (code 3, the socket stays
// open): a send reads the content before the membership, so content that is no JSON object is
// refused as such even in a channel not joined (herald answered "Must join channel ..."); a channel
// id is read as stock reads it, a room name of 1 to 64 UTF-8 bytes with any characters, a group or
// user part that is empty (stock's nil UUID) or a UUID in any spelling (herald refused these as
// malformed, and counted a room name in UTF-16 units); a message id is read in every UUID spelling.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  openSocket,
  type RawSocket,
  serverForSuite,
  twoInARoomWithMessage,
  uniqueName,
} from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

type Kind = "channelLeave" | "channelMessageSend" | "channelMessageUpdate" | "channelMessageRemove";

/** The refusal a request gets, as [code, message]; the socket must still answer afterwards. */
async function refusal(sock: RawSocket, kind: Kind, body: object): Promise<[number, string]> {
  const reply = await sock.request(kind, body as never);
  assert.equal(reply.kind, "error", `expected an error reply to ${kind} ${JSON.stringify(body)}`);
  await sock.call("ping", {}, "pong");
  const { code, message } = reply.body as { code: number; message: string };
  return [code, message];
}

const NOT_OBJECT = "Message content must be a valid JSON object";
const INVALID_ID = "Invalid channel identifier";
const MUST_JOIN = "Must join channel before sending messages";

for (const { mode, codec, label } of modeMatrix) {
  describe(`chat requests by channel id (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("a send reads the content before the membership: bad content to a channel not joined is refused as content", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const channelId = `2...${uniqueName("room")}`;
        for (const content of ["", "[]", "1", '"text"', "{", "null", " "])
          assert.deepEqual(
            await refusal(a, "channelMessageSend", { channelId, content }),
            [3, NOT_OBJECT],
            JSON.stringify(content),
          );
        assert.deepEqual(await refusal(a, "channelMessageSend", { channelId, content: "{}" }), [
          3,
          MUST_JOIN,
        ]);
        // The channel id still comes first.
        assert.deepEqual(await refusal(a, "channelMessageSend", { channelId: "x", content: "[]" }), [
          3,
          INVALID_ID,
        ]);
      } finally {
        await a.close();
      }
    });

    test("channel ids stock reads as well formed are not refused as malformed", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const id = ada.userId;
        const hex = id.replaceAll("-", "");
        const wellFormed = [
          "3...",
          "4...",
          `4..${id}.`,
          `4.${id}..`,
          `3.{${id}}..`,
          `3.urn:uuid:${hex}..`,
          `4.${hex}.${id.toUpperCase()}.`,
          "2...a\u0001b",
          `2...${"é".repeat(32)}`,
        ];
        for (const channelId of wellFormed) {
          await a.callEmpty("channelLeave", { channelId });
          assert.deepEqual(
            await refusal(a, "channelMessageSend", { channelId, content: "{}" }),
            [3, MUST_JOIN],
            channelId,
          );
        }
        for (const channelId of [
          "",
          "2..",
          `2...${"é".repeat(33)}`,
          "3.x..",
          "3...x",
          `4.${id}.x.`,
          "5...",
          `4.${hex}0..`,
        ])
          assert.deepEqual(await refusal(a, "channelLeave", { channelId }), [3, INVALID_ID], channelId);
      } finally {
        await a.close();
      }
    });

    test("a joined direct chat is written to, and left, by its id in other UUID spellings", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      const b = await openSocket(srv.url, bob, codec);
      try {
        const channel = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        await b.call("channelJoin", { target: ada.userId, type: 2 }, "channel");
        const braced = `4.{${channel.userIdOne}}.urn:uuid:${channel.userIdTwo.toUpperCase()}.`;
        const ack = await a.call(
          "channelMessageSend",
          { channelId: braced, content: '{"v":1}' },
          "channelMessageAck",
        );
        const got = await b.next("channelMessage", (m) => m.messageId === ack.messageId);
        assert.equal(got.content, '{"v":1}');
        await a.callEmpty("channelLeave", { channelId: braced });
        assert.deepEqual(await refusal(a, "channelMessageSend", { channelId: channel.id, content: "{}" }), [
          3,
          MUST_JOIN,
        ]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("update and remove check the message id, the channel id, the content, then the membership", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const channelId = `2...${uniqueName("room")}`;
        const messageId = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        const update = (body: object) => refusal(a, "channelMessageUpdate", body);
        assert.deepEqual(await update({ channelId: "x", messageId: "y", content: "[]" }), [
          3,
          "Invalid message identifier",
        ]);
        assert.deepEqual(await update({ channelId: "x", messageId, content: "[]" }), [3, INVALID_ID]);
        for (const content of ["", "[]", "{"])
          assert.deepEqual(await update({ channelId, messageId, content }), [3, NOT_OBJECT], content);
        assert.deepEqual(await update({ channelId, messageId, content: "{}" }), [
          3,
          "Must join channel before updating messages",
        ]);
        assert.deepEqual(await refusal(a, "channelMessageRemove", { channelId: "x", messageId: "" }), [
          3,
          "Invalid message identifier",
        ]);
        assert.deepEqual(await refusal(a, "channelMessageRemove", { channelId, messageId }), [
          3,
          "Must join channel before removing messages",
        ]);
      } finally {
        await a.close();
      }
    });

    test("in a channel joined without persistence the sender edits and removes their own messages, and only theirs", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      const b = await openSocket(srv.url, bob, codec);
      try {
        const target = uniqueName("room");
        const channel = await a.call("channelJoin", { target, type: 1, persistence: false }, "channel");
        await b.call("channelJoin", { target, type: 1, persistence: false }, "channel");
        const sent = await a.call(
          "channelMessageSend",
          { channelId: channel.id, content: '{"v":1}' },
          "channelMessageAck",
        );
        assert.equal(sent.persistent, false);
        const { messageId } = sent;
        const updated = await a.call(
          "channelMessageUpdate",
          { channelId: channel.id, messageId, content: '{"v":2}' },
          "channelMessageAck",
        );
        assert.deepEqual([updated.messageId, updated.code, updated.persistent], [messageId, 1, false]);
        const edit = await b.next("channelMessage", (m) => m.messageId === messageId && m.code === 1);
        assert.deepEqual([edit.content, edit.senderId, edit.persistent], ['{"v":2}', ada.userId, false]);
        assert.deepEqual(
          await refusal(b, "channelMessageUpdate", { channelId: channel.id, messageId, content: "{}" }),
          [3, "Could not find message to update in channel history"],
        );
        assert.deepEqual(
          await refusal(a, "channelMessageUpdate", {
            channelId: channel.id,
            messageId: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            content: "{}",
          }),
          [3, "Could not find message to update in channel history"],
        );
        const removed = await a.call(
          "channelMessageRemove",
          { channelId: channel.id, messageId },
          "channelMessageAck",
        );
        assert.deepEqual([removed.code, removed.persistent], [2, false]);
        const gone = await b.next("channelMessage", (m) => m.messageId === messageId && m.code === 2);
        assert.deepEqual([gone.content, gone.persistent], ["{}", false]);
        assert.deepEqual(await refusal(a, "channelMessageRemove", { channelId: channel.id, messageId }), [
          3,
          "Could not find message to remove in channel history",
        ]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("update and remove read the message id in every UUID spelling; a removed or foreign message is not found", async () => {
      const { a, b, channel, sent, close } = await twoInARoomWithMessage(srv.url, codec);
      try {
        const hex = sent.messageId.replaceAll("-", "");
        const updated = await a.call(
          "channelMessageUpdate",
          { channelId: channel.id, messageId: `{${hex.toUpperCase()}}`, content: '{"v":2}' },
          "channelMessageAck",
        );
        assert.equal(updated.messageId, sent.messageId);
        assert.deepEqual(
          await refusal(b, "channelMessageUpdate", {
            channelId: channel.id,
            messageId: sent.messageId,
            content: '{"v":3}',
          }),
          [3, "Could not find message to update in channel history"],
        );
        for (const messageId of ["", "nope", `${hex}0`])
          assert.deepEqual(
            await refusal(a, "channelMessageRemove", { channelId: channel.id, messageId }),
            [3, "Invalid message identifier"],
            messageId,
          );
        const removed = await a.call(
          "channelMessageRemove",
          { channelId: channel.id, messageId: `urn:uuid:${sent.messageId}` },
          "channelMessageAck",
        );
        assert.equal(removed.messageId, sent.messageId);
        assert.deepEqual(
          await refusal(a, "channelMessageUpdate", {
            channelId: channel.id,
            messageId: sent.messageId,
            content: '{"v":4}',
          }),
          [3, "Could not find message to update in channel history"],
        );
        assert.deepEqual(
          await refusal(a, "channelMessageRemove", { channelId: channel.id, messageId: sent.messageId }),
          [3, "Could not find message to remove in channel history"],
        );
      } finally {
        await close();
      }
    });
  });
}
