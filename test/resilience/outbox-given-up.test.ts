import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import { cutAway, cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

// A write whose caller gives up (its time limit, its signal) leaves the outbox: it is never sent
// again, whether or not it was on the wire already. One that was says it may have been stored.

for (const { mode, codec, label } of modeMatrix) {
  describe(`an outbox write its caller gave up on (${label})`, () => {
    test("is not sent after the next reconnection, sent before or not", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { socket, ...net } = await cuttableSocket(t, client, session, { codec });
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      await socket.writeChatMessage(room.id, { n: "first" });

      // On the wire, never answered: the server does not get them either.
      net.blackhole();
      const stopper = new AbortController();
      const timed = socket.writeChatMessage(room.id, { n: "timed" }, { timeoutMs: 50 });
      const aborted = socket.writeChatMessage(room.id, { n: "aborted" }, { signal: stopper.signal });
      const mayBeStored = (code: string) => (e: unknown) =>
        HeraldError.is(e, code as never) && /may have been stored/.test(e.message);
      await assert.rejects(timed, mayBeStored("timeout"));
      stopper.abort();
      await assert.rejects(aborted, mayBeStored("aborted"));
      assert.equal(socket.outboxSize, 0, "given up, they left the outbox");

      // Written while away: never on the wire.
      await cutAway(socket, net);
      const unsent = socket.writeChatMessage(room.id, { n: "unsent" }, { timeoutMs: 50 });
      await assert.rejects(unsent, (e) => HeraldError.is(e, "timeout") && !/stored/.test(e.message));
      assert.equal(socket.outboxSize, 0);

      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      net.restore();
      await back;
      await socket.writeChatMessage(room.id, { n: "last" });
      const history = await client.listChannelMessages(session, room.id, { forward: true, limit: 100 });
      assert.deepEqual(
        history.messages.map((m) => m.content.n),
        ["first", "last"],
      );
    });
  });
}
