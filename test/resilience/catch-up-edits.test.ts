import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ChannelMessage, ChannelType, type GapEvent } from "../../src/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

// Catch-up reads history back to the last message the socket delivered. The push of an edit or a
// removal names an older message: it is no new message of the history, and reading back to it
// delivered again every message after it that the socket had already delivered.

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `an edit or removal pushed before a loss (${label})`,
    bundledOnly(mode, "cuts the connection"),
    () => {
      test("does not make catch-up deliver again the messages after the one it names", async (t) => {
        const { client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
        const room = uniqueName("room");
        const channel = await socket.joinChat(room, ChannelType.Room);
        const got: ChannelMessage[] = [];
        const gaps: GapEvent[] = [];
        socket.onChannelMessage((m) => got.push(m));
        socket.onGap((g) => gaps.push(g));
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        await sender.joinChat(room, ChannelType.Room);

        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await waitFor(() => got.some((m) => m.messageId === first.messageId), {
          what: "the first message live",
        });
        const gone = await sender.writeChatMessage(channel.id, { text: "gone" });
        await sender.writeChatMessage(channel.id, { text: "second" });
        await sender.updateChatMessage(channel.id, first.messageId, { text: "first edited" });
        await sender.removeChatMessage(channel.id, gone.messageId);
        await waitFor(() => got.some((m) => m.messageId === gone.messageId && m.code === 2), {
          what: "the edit and the removal live",
        });
        refuse();
        const away = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        cut();
        await away;
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
        restore();
        await back;
        await waitFor(() => got.some((m) => m.messageId === after.messageId), { what: "the catch-up" });
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "gone", "second", "first edited", undefined, "after"],
        );
        assert.deepEqual(gaps, []);
      });
    },
  );
}
