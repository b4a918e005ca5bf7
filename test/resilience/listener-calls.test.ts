import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";
import { cutRoom } from "./cut-room.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`socket methods called from the socket's own events (${label})`, () => {
    test("disconnect() from the listener of the reconnecting state closes for good and leaves no retry timer", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const ada = await signIn("ada");
      // Each retry's delay is drawn as it is scheduled: the draws count the retries scheduled.
      let draws = 0;
      const random = () => {
        draws++;
        return 0.5;
      };
      const { socket, ...net } = await cuttableSocket(t, client, ada, {
        codec,
        reconnect: { minDelayMs: 60_000, maxDelayMs: 60_000, random },
      });
      await socket.joinChat(uniqueName("room"), ChannelType.Room);
      const states: string[] = [];
      socket.onState(({ state }) => {
        states.push(state);
        if (state === "reconnecting") void socket.disconnect();
      });
      const gone = nextEvent(socket.onDisconnect.bind(socket), "disconnect");
      net.cut();
      assert.equal((await gone).requested, true);
      assert.deepEqual(states, ["reconnecting", "closed"]);
      assert.equal(draws, 0, "no retry is scheduled after disconnect()");
    });

    test("connect() again from the disconnect listener, after a disconnect() during a restore, gets a working socket", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const { socket, ...net } = await cuttableSocket(t, client, ada, { codec });
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
      const gaps: unknown[] = [];
      socket.onGap((g) => gaps.push(g));
      // Blackholed once reopened: the restore's join waits, and disconnect() comes in the middle.
      net.blackhole();
      net.cut();
      await nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      const second = nextEvent(socket.onState.bind(socket), "open again", (c) => c.state === "open");
      const off = socket.onDisconnect(() => {
        off();
        net.restore();
        void socket.connect(bob);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(socket.state, "reconnecting", "the restore waits on the blackhole");
      await socket.disconnect();
      await second;
      assert.deepEqual(gaps, [], "a disconnect() is no failure to rejoin");
      await socket.joinChat(room.id.split(".")[3] as string, ChannelType.Room);
      const ack = await socket.writeChatMessage(room.id, { text: "bob here" });
      assert.ok(ack.messageId);
    });
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`a channel message listener that ends what it listens to (${label})`, () => {
    for (const call of ["disconnect", "leaveChat"] as const) {
      test(`${call}() from the listener of the first caught-up message: no message of the channel follows`, async (t) => {
        const room = await cutRoom(t, mode, codec);
        const { socket, sender, channel } = room;
        await room.goAway();
        for (let n = 0; n < 5; n++) await sender.writeChatMessage(channel.id, { n });
        let after: number | undefined;
        socket.onChannelMessage((m) => {
          if (after !== undefined) after++;
          else if (m.catchUp) {
            after = 0;
            if (call === "disconnect") void socket.disconnect();
            else void socket.leaveChat(channel.id);
          }
        });
        await room.comeBack();
        await waitFor(() => after !== undefined, "the first caught-up message");
        // Live ones too, had the channel still been followed.
        await sender.writeChatMessage(channel.id, { n: "live" }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(after, 0, `messages delivered after ${call}()`);
      });
    }
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`disconnect() while messages are arriving (${label})`, () => {
    test("no event follows disconnect(), even for frames that were on their way", async (t) => {
      const room = await cutRoom(t, mode, codec);
      const { socket, sender, channel } = room;
      let after: number | undefined;
      socket.onChannelMessage(() => {
        if (after !== undefined) after++;
        else {
          after = 0;
          void socket.disconnect();
        }
      });
      const gone = nextEvent(socket.onDisconnect.bind(socket), "disconnect");
      await Promise.all(Array.from({ length: 20 }, (_, n) => sender.writeChatMessage(channel.id, { n })));
      await gone;
      assert.equal(after, 0, "messages delivered after disconnect()");
    });
  });
}
