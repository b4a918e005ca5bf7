// What the Socket checks in the strings it sends, against real servers in both modes and codecs.
//
// Half of a surrogate pair (a lone surrogate, as `text.slice(0, n)` leaves when it cuts an emoji)
// is no Unicode text. JSON carries it as a `\u` escape that stock's reader refuses, and every
// server closes the socket on it (herald in both modes, as stock); protobuf would carry U+FFFD in
// its place. The SDK refuses it with `bad_input` before sending, and the socket stays open.
//
// A follow by usernames is split into frames the server takes. The parts were measured by each
// name's UTF-8 bytes, but JSON writes a `"` or `\` in two bytes and a control character in six, so a
// follow of names holding them was refused as a frame over the server's limit.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Client, HeraldError, type Session, type Socket } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";

const loneSurrogate = (e: unknown) => HeraldError.is(e, "bad_input") && /lone surrogate/.test(e.message);

for (const { mode, codec, label } of modeMatrix) {
  describe(`strings the socket sends (${label})`, () => {
    const srv = serverForSuite(mode.options);

    async function peer(): Promise<{ client: Client; session: Session; socket: Socket; states: string[] }> {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: uniqueName("u"),
      });
      const socket = client.createSocket({ codec });
      await socket.connect(session);
      const states: string[] = [];
      socket.on("state", (change) => states.push(change.state));
      return { client, session, socket, states };
    }

    test("a lone surrogate is refused before sending, and the socket stays open", async () => {
      const { socket, states } = await peer();
      try {
        await assert.rejects(socket.updateStatus("away \ud83d"), loneSurrogate);
        await assert.rejects(socket.joinChat(`room-${uniqueName()}\udc00`, ChannelType.Room), loneSurrogate);
        await assert.rejects(socket.followUsers([], { usernames: ["\ud800ada"] }), loneSurrogate);
        const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
        await assert.rejects(socket.writeChatMessage(`${room.id}\ud800`, { text: "hi" }), loneSurrogate);
        assert.equal(socket.outboxSize, 0, "nothing left in the outbox");
        // A whole surrogate pair is text like any other.
        await socket.updateStatus("away \ud83d\ude00");
        await socket.writeChatMessage(room.id, { text: "hi \ud83d\ude00" });
        await socket.ping();
        assert.deepEqual(states, [], "the connection was never lost");
        assert.equal(socket.state, "open");
      } finally {
        await socket.disconnect();
      }
    });

    test("a follow by usernames JSON writes longer than their bytes is split, not refused", async () => {
      const ada = await peer();
      const bob = await peer();
      try {
        await ada.socket.updateStatus("here");
        // 400 names of 120 quotes (243 bytes each in JSON, 124 counted before): over the frame
        // limit of either server in one part.
        const names = Array.from({ length: 400 }, (_, i) => `${'"'.repeat(120)}${i}`);
        const { presences } = await bob.socket.followUsers([], {
          usernames: [...names, ada.session.username],
        });
        assert.deepEqual(
          presences.map((p) => [p.userId, p.status]),
          [[ada.session.userId, "here"]],
        );
        assert.deepEqual(bob.states, []);
      } finally {
        await ada.socket.disconnect();
        await bob.socket.disconnect();
      }
    });
  });
}
