// Editing and removing a message read its message id as stock Nakama does: a UUID in any case
// names the message (herald compared the text and answered "Could not find message ..." for an
// upper-case id), and an id that is no UUID is refused first, with stock's "Invalid message
// identifier" (herald answered "Must join channel ..." or "Could not find message ...").

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  authenticate,
  openSocket,
  serverForSuite,
  twoInARoomWithMessage,
  uniqueName,
} from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`message edit ids (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("a message id in upper case names the message to update and to remove", async () => {
      const { a, b, channel, sent, close } = await twoInARoomWithMessage(srv.url, codec);
      try {
        const upper = sent.messageId.toUpperCase();

        const updated = await a.call(
          "channelMessageUpdate",
          { channelId: channel.id, messageId: upper, content: '{"v":2}' },
          "channelMessageAck",
        );
        assert.equal(updated.messageId, sent.messageId);
        const edit = await b.next("channelMessage", (m) => m.messageId === sent.messageId && m.code === 1);
        assert.equal(edit.content, '{"v":2}');

        const removed = await a.call(
          "channelMessageRemove",
          { channelId: channel.id, messageId: upper },
          "channelMessageAck",
        );
        assert.equal(removed.messageId, sent.messageId);
        await b.next("channelMessage", (m) => m.messageId === sent.messageId && m.code === 2);
      } finally {
        await close();
      }
    });

    test("a message id that is no UUID is refused first, with stock's words", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const joined = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        const cases: [string, "channelMessageUpdate" | "channelMessageRemove", object][] = [
          ["joined", "channelMessageUpdate", { channelId: joined.id, messageId: "m-1", content: "{}" }],
          ["joined", "channelMessageRemove", { channelId: joined.id, messageId: "m-1" }],
          [
            "not joined",
            "channelMessageUpdate",
            { channelId: "2...elsewhere", messageId: "m-1", content: "{}" },
          ],
          ["not joined", "channelMessageRemove", { channelId: "2...elsewhere", messageId: "m-1" }],
          ["malformed channel", "channelMessageRemove", { channelId: "nonsense", messageId: "m-1" }],
        ];
        for (const [what, kind, body] of cases) {
          const reply = await a.request(kind, body as never);
          assert.equal(reply.kind, "error", `${kind} ${what}`);
          const error = reply.body as { code: number; message: string };
          assert.deepEqual([error.code, error.message], [3, "Invalid message identifier"], `${kind} ${what}`);
        }
        // Then, as on stock, the channel id, the content, and only then the membership.
        const notJoined = await a.request("channelMessageUpdate", {
          channelId: "2...elsewhere",
          messageId: "0b7e6a4e-1d1f-4d3a-9d2c-3b1c7d9e8f00",
          content: "[1]",
        });
        assert.equal(
          (notJoined.body as { message: string }).message,
          "Message content must be a valid JSON object",
        );
      } finally {
        await a.close();
      }
    });
  });
}
