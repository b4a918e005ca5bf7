import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type SocketChannelMessage } from "../../src/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { waitFor } from "../sdk/helpers.js";

const TRIALS = 20;
const MESSAGES = 100;

for (const { mode, codec, label } of modeMatrix) {
  describe(`delivery order without faults (${label})`, () => {
    test(`a socket that joined an empty persistent room gets a burst of messages in order, each once (${TRIALS} trials)`, async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [adaSession, bobSession] = await Promise.all([signIn("ada"), signIn("bob")]);
      const ada = client.createSocket({ codec, heartbeat: false });
      const bob = client.createSocket({ codec, heartbeat: false });
      t.after(() => Promise.all([ada.disconnect(), bob.disconnect()]));
      await Promise.all([ada.connect(adaSession), bob.connect(bobSession)]);
      let outOfOrder = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const roomName = uniqueName("room");
        const got: SocketChannelMessage[] = [];
        const off = bob.onChannelMessage((m) => got.push(m));
        const room = await ada.joinChat(roomName, ChannelType.Room);
        // Writes start while bob's join (and the history read it makes) is under way.
        const writes = Array.from({ length: MESSAGES }, (_, n) => ada.writeChatMessage(room.id, { n }));
        await bob.joinChat(roomName, ChannelType.Room);
        await Promise.all(writes);
        await ada.writeChatMessage(room.id, { n: MESSAGES });
        await waitFor(() => got.at(-1)?.content.n === MESSAGES, "the last message");
        off();
        const ns = got.map((m) => m.content.n as number);
        if (ns.some((n, i) => i > 0 && n <= (ns[i - 1] as number))) outOfOrder++;
        assert.equal(new Set(got.map((m) => m.messageId)).size, got.length, "no message twice");
        await Promise.all([ada.leaveChat(room.id), bob.leaveChat(room.id)]);
      }
      assert.equal(outOfOrder, 0, `${outOfOrder} of ${TRIALS} trials out of order`);
    });
  });
}
