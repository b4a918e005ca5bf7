import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError, type SocketChannelMessage } from "../../src/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { waitFor } from "../sdk/helpers.js";

const fast = { reconnect: { minDelayMs: 10, maxDelayMs: 40 }, heartbeat: false } as const;

for (const { mode, codec, label } of modeMatrix) {
  describe(`writes the server cannot take (${label})`, () => {
    test("an oversize write is refused with bad_input before sending, the connection untouched, and the writes behind it go through", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { WebSocket, count } = cuttableWebSocket();
      const socket = client.createSocket({ codec, WebSocket, ...fast });
      t.after(() => socket.disconnect());
      await socket.connect(session);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      const got: SocketChannelMessage[] = [];
      socket.onChannelMessage((m) => got.push(m));
      // Over herald's 4096 content bytes, and a frame over stock's 4096 bytes.
      const big = { text: "x".repeat(5000) };
      const writes = [
        socket.writeChatMessage(room.id, { n: 0 }),
        socket.writeChatMessage(room.id, big),
        socket.writeChatMessage(room.id, { n: 1 }),
      ];
      await assert.rejects(writes[1] as Promise<unknown>, (e) => HeraldError.is(e, "bad_input"));
      await Promise.all([writes[0], writes[2]]);
      // Many characters that take 3 bytes each: within a character count, over the byte limits.
      await assert.rejects(socket.writeChatMessage(room.id, { text: "€".repeat(1500) }), (e) =>
        HeraldError.is(e, "bad_input"),
      );
      await assert.rejects(socket.updateStatus("s".repeat(2049)), (e) => HeraldError.is(e, "bad_input"));
      await socket.writeChatMessage(room.id, { n: 2 });
      await waitFor(() => got.length === 3, "the three small messages");
      assert.deepEqual(
        got.map((m) => m.content.n),
        [0, 1, 2],
      );
      assert.equal(count(), 1, "no reconnection");
      assert.equal(socket.outboxSize, 0);
    });

    test("a write the server closes the connection on, past limits the SDK did not know, fails (at once with the reason herald gives, after a couple of attempts on stock) and does not hold up the rest", async (t) => {
      // The socket is told the server takes larger frames than it does: only the server can refuse.
      const { client, signIn } = await serverWithClient(t, { ...mode.options, maxFrameBytes: 4096 });
      const session = await signIn("ada");
      const { WebSocket, count } = cuttableWebSocket();
      const socket = client.createSocket({ codec, WebSocket, ...fast, maxFrameBytes: 1 << 20 });
      t.after(() => socket.disconnect());
      await socket.connect(session);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      const got: SocketChannelMessage[] = [];
      socket.onChannelMessage((m) => got.push(m));
      // Content within herald's 4096 bytes, in a frame over the 4096 bytes this server takes.
      const poison = socket.writeChatMessage(room.id, { text: "y".repeat(4030) });
      const after = [1, 2, 3].map((n) => socket.writeChatMessage(room.id, { n }));
      // herald's server says why before its close: the write fails at once with that reason. Stock
      // closes without a word, and the socket gives the write up after a couple of attempts.
      const why = mode.name === "herald" ? /Frame too large/ : /given up/;
      await assert.rejects(poison, (e) => HeraldError.is(e, "bad_input") && why.test(e.message));
      await Promise.all(after);
      await waitFor(() => got.filter((m) => m.content.n !== undefined).length >= 3, "the writes behind it");
      assert.ok(count() <= 4, `${count()} connections: the first and at most three more`);
      assert.equal(socket.outboxSize, 0);
      assert.equal(socket.state, "open");
    });
  });
}

describe("extension fields on a stock-faithful server over JSON", () => {
  test("a socket that does not reconnect, given a client message id, keeps its connection: the id is not sent", async (t) => {
    const { client, signIn } = await serverWithClient(t, { compat: "nakama" });
    const session = await signIn("ada");
    const socket = client.createSocket({ reconnect: false });
    t.after(() => socket.disconnect());
    await socket.connect(session);
    const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
    const ack = await socket.writeChatMessage(room.id, { n: 1 }, { clientMsgId: "m-1" });
    assert.ok(ack.messageId);
    await socket.ping();
    assert.equal(socket.state, "open");
  });
});
