// channel_leave reads its channel id as stock Nakama does: any spelling of a valid id (group and
// user UUIDs in upper case) leaves that channel, and a malformed id is refused with code 3
// "Invalid channel identifier". herald used to answer every leave with success without reading
// the id, so an upper-case id left nothing (the member kept receiving the channel's messages) and
// a malformed one was never reported.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, openSocket, rest, serverForSuite, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`channel leave ids (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("a group channel left by its id in upper case is left: the others see the leave, sends are refused", async () => {
      const owner = await authenticate(srv.url);
      const member = await authenticate(srv.url);
      const created = await rest(srv.url, "POST", "/v2/group", {
        token: owner.token,
        body: { name: uniqueName("g"), open: true },
      });
      const groupId = created.body.id as string;
      assert.equal(
        (await rest(srv.url, "POST", `/v2/group/${groupId}/join`, { token: member.token })).status,
        200,
      );
      const o = await openSocket(srv.url, owner, codec);
      const m = await openSocket(srv.url, member, codec);
      try {
        const channel = await o.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await m.call("channelJoin", { target: groupId, type: 3 }, "channel");
        await o.next("channelPresenceEvent", (e) => e.joins.some((p) => p.userId === member.userId));

        await m.callEmpty("channelLeave", { channelId: `3.${groupId.toUpperCase()}..` });
        const left = await o.next("channelPresenceEvent", (e) =>
          e.leaves.some((p) => p.userId === member.userId),
        );
        assert.equal(left.channelId, channel.id);
        const send = await m.request("channelMessageSend", { channelId: channel.id, content: "{}" });
        assert.equal(send.kind, "error");
        assert.equal((send.body as { message: string }).message, "Must join channel before sending messages");
      } finally {
        await o.close();
        await m.close();
      }
    });

    test("a direct chat left by its ids in upper case is left", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        const channel = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        await a.callEmpty("channelLeave", { channelId: channel.id.toUpperCase() });
        const send = await a.request("channelMessageSend", { channelId: channel.id, content: "{}" });
        assert.equal(send.kind, "error");
      } finally {
        await a.close();
      }
    });

    test("a malformed channel id is refused with stock's words, and the socket stays open", async () => {
      const ada = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, codec);
      try {
        for (const channelId of ["zz", "2...", "3.not-a-uuid..", "9.a.b.c", "4.x.y."]) {
          const reply = await a.request("channelLeave", { channelId });
          assert.equal(reply.kind, "error", channelId);
          const body = reply.body as { code: number; message: string };
          assert.deepEqual([body.code, body.message], [3, "Invalid channel identifier"], channelId);
        }
        // A well-formed id of a channel never joined still succeeds.
        await a.callEmpty("channelLeave", { channelId: `2...${uniqueName("room")}` });
      } finally {
        await a.close();
      }
    });
  });
}
