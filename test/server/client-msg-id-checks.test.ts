// A send's client message id (herald's `client_msg_id` extension) is checked before the send joins
// the batch of sends committed together: on PostgreSQL one holding a NUL failed the whole batch,
// other users' sends included (HERALD_TEST_DB=postgres runs this file there too).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, openSocket, serverForSuite, uniqueName } from "../helpers/server.js";

describe("client message ids", () => {
  const srv = serverForSuite();

  for (const [what, id] of [
    ["a NUL", "a\u0000b"],
    ["a control character", "line\nbreak"],
    ["129 characters", "x".repeat(129)],
  ] as const) {
    test(`one holding ${what} is refused, and a send beside it from another user is stored`, async () => {
      const room = uniqueName("room");
      const [ada, bob] = [await authenticate(srv.url), await authenticate(srv.url)];
      const a = await openSocket(srv.url, ada);
      const b = await openSocket(srv.url, bob);
      const { id: channelId } = await a.call("channelJoin", { target: room, type: 1 }, "channel");
      await b.call("channelJoin", { target: room, type: 1 }, "channel");
      // Sent in the same turn, so that both would share a commit.
      const [bad, good] = await Promise.all([
        a.request("channelMessageSend", { channelId, content: '{"n":1}', clientMsgId: id }),
        b.request("channelMessageSend", { channelId, content: '{"n":2}', clientMsgId: "fine-1" }),
      ]);
      assert.equal(bad.kind, "error");
      assert.match(
        String((bad.body as { message?: string }).message),
        /Client message id must be at most 128/,
      );
      assert.equal(good.kind, "channelMessageAck", JSON.stringify(good));
      await a.close();
      await b.close();
    });
  }

  test("one of 128 characters is taken", async () => {
    const ada = await authenticate(srv.url);
    const a = await openSocket(srv.url, ada);
    const { id: channelId } = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
    const ack = await a.call(
      "channelMessageSend",
      { channelId, content: "{}", clientMsgId: "y".repeat(128) },
      "channelMessageAck",
    );
    assert.equal(ack.clientMsgId, "y".repeat(128));
    await a.close();
  });
});
