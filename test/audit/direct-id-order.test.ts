// A direct chat's id names its two users in order (`4.A.B.`). Stock Nakama reads an id with them
// the other way round (`4.B.A.`) as well formed too: a stream that no join makes, so a send to it
// is refused for not being joined, and its history is an empty list. herald refused such an id as
// malformed ("Invalid channel identifier").

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authenticate, openSocket, rest, serverForSuite } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`direct chat ids with the users out of order (${label})`, () => {
    const srv = serverForSuite(mode.options);

    test("a send is refused as not joined, the history is empty, and the chat in order is untouched", async () => {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const [first, second] = [ada.userId, bob.userId].sort();
      const a = await openSocket(srv.url, ada, codec);
      try {
        const channel = await a.call("channelJoin", { target: bob.userId, type: 2 }, "channel");
        assert.equal(channel.id, `4.${first}.${second}.`);
        await a.call(
          "channelMessageSend",
          { channelId: channel.id, content: '{"n":1}' },
          "channelMessageAck",
        );
        const reversed = `4.${second}.${first}.`;

        const send = await a.request("channelMessageSend", { channelId: reversed, content: '{"n":2}' });
        assert.equal(send.kind, "error");
        assert.equal((send.body as { message: string }).message, "Must join channel before sending messages");

        const history = await rest(srv.url, "GET", `/v2/channel/${reversed}?limit=10`, { token: ada.token });
        assert.equal(history.status, 200, JSON.stringify(history.body));
        assert.deepEqual(history.body.messages ?? [], []);

        const kept = await rest(srv.url, "GET", `/v2/channel/${channel.id}?limit=10`, { token: ada.token });
        assert.deepEqual(
          (kept.body.messages as { content: string }[]).map((m) => m.content),
          ['{"n":1}'],
        );
        // Leaving the reversed id leaves nothing: the chat in order still takes sends.
        await a.callEmpty("channelLeave", { channelId: reversed });
        await a.call(
          "channelMessageSend",
          { channelId: channel.id, content: '{"n":3}' },
          "channelMessageAck",
        );
      } finally {
        await a.close();
      }
    });
  });
}
