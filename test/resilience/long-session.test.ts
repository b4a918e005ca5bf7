import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import { createResilientSocket, type ResilientChannelMessage } from "../../src/resilience/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`a long-lived connection (${label})`, () => {
    test("after more live messages than the socket remembers, a reconnection still delivers only the missed ones, once each", async (t) => {
      const { client, signIn: sign } = await serverWithClient(t, mode.options);
      const [adaSession, bobSession] = await Promise.all([sign("ada"), sign("bob")]);
      const ada = client.createSocket({ codec, reconnect: false });
      t.after(() => ada.disconnect());
      await ada.connect(adaSession);
      const { WebSocket, cut } = cuttableWebSocket();
      const bob = createResilientSocket(client, { codec, WebSocket, heartbeat: false });
      t.after(() => bob.disconnect());
      await bob.connect(bobSession);
      const roomName = uniqueName("room");
      const room = await ada.joinChat(roomName, ChannelType.Room);
      await bob.joinChat(roomName, ChannelType.Room);
      const got: ResilientChannelMessage[] = [];
      bob.onChannelMessage((m) => got.push(m));

      const written: string[] = [];
      const write = async (from: number, to: number) => {
        const acks = await Promise.all(
          Array.from({ length: to - from }, (_, i) => ada.writeChatMessage(room.id, { n: from + i })),
        );
        written.push(...acks.map((a) => a.messageId));
      };
      await write(0, 1200);
      await waitFor(() => got.length >= 1200, "1,200 live messages");
      const back = nextEvent(bob.onReconnected.bind(bob), "reconnected");
      const away = nextEvent(bob.onState.bind(bob), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
      await write(1200, 1230);
      await back;
      await write(1230, 1240);
      await waitFor(() => got.length >= 1240, "every message");
      // Let any stray duplicate arrive before comparing.
      await ada.ping();
      await bob.ping();
      assert.deepEqual(
        got.map((m) => m.messageId),
        written,
      );
      assert.ok(got.slice(0, 1200).every((m) => !m.catchUp));
    });
  });
}
