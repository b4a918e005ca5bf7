import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openDatabase } from "../../src/server/storage/database.js";
import { BY_CLIENT_ID_SQL } from "../../src/server/storage/messages.js";
import { authenticate, codecs, openSocket, rest, serverForSuite, uniqueName } from "../helpers/server.js";

describe("client message ids", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    test(`in ${codec.format}, the same id in a second channel is a second message; in the same channel, a repeat`, async () => {
      const ada = await authenticate(srv.url);
      const s = await openSocket(srv.url, ada, codec);
      const one = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const two = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
      const send = (channelId: string, n: number) =>
        s.call(
          "channelMessageSend",
          { channelId, content: `{"n":${n}}`, clientMsgId: "same-id" },
          "channelMessageAck",
        );
      const first = await send(one.id, 1);
      const second = await send(two.id, 2);
      const repeat = await send(one.id, 3);
      assert.equal(second.channelId, two.id);
      assert.notEqual(second.messageId, first.messageId);
      assert.equal(repeat.messageId, first.messageId, "a repeat in the same channel gets the original ack");
      const history = await rest(srv.url, "GET", `/v2/channel/${encodeURIComponent(two.id)}?limit=10`, {
        token: ada.token,
      });
      const stored = history.body.messages as { message_id: string; content: string }[];
      assert.deepEqual(
        stored.map((m) => [m.message_id, JSON.parse(m.content)]),
        [[second.messageId, { n: 2 }]],
      );
      await s.close();
    });
  }

  test("finding a message by client id uses the index, not a scan of every message", async () => {
    const db = await openDatabase(":memory:");
    try {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${BY_CLIENT_ID_SQL}`).all("sender", "2...room", "id") as {
        detail: string;
      }[];
      const details = plan.map((row) => row.detail).join("; ");
      assert.match(details, /USING INDEX messages_client_id/);
      assert.doesNotMatch(details, /SCAN messages/);
    } finally {
      db.close();
    }
  });
});
