import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { cutRoom } from "./cut-room.js";

// Catch-up reads history back to the last message the socket delivered. The push of an edit or a
// removal names an older message: it is no new message of the history, and reading back to it
// delivered again every message after it that the socket had already delivered.

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `an edit or removal pushed before a loss (${label})`,
    bundledOnly(mode, "cuts the connection"),
    () => {
      test("does not make catch-up deliver again the messages after the one it names", async (t) => {
        const { channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(t, mode, codec);
        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await received("the first message live", (m) => m.messageId === first.messageId);
        const gone = await sender.writeChatMessage(channel.id, { text: "gone" });
        await sender.writeChatMessage(channel.id, { text: "second" });
        await sender.updateChatMessage(channel.id, first.messageId, { text: "first edited" });
        await sender.removeChatMessage(channel.id, gone.messageId);
        await received(
          "the edit and the removal live",
          (m) => m.messageId === gone.messageId && m.code === 2,
        );
        await goAway();
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "gone", "second", "first edited", undefined, "after"],
        );
        assert.deepEqual(gaps, []);
      });
    },
  );
}
