import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { cutRoom } from "./cut-room.js";

// A socket is a member of a channel once: joining a channel already joined changes nothing on the
// server, whatever options the second join asks for. After a reconnection the socket joins again
// with the options the membership had, not with those of a later join that changed nothing.

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `a channel joined again with other options (${label})`,
    bundledOnly(mode, "cuts the connection"),
    () => {
      test("is joined with the first join's options after a reconnection", async (t) => {
        const { ada, socket, channel, sender, goAway, comeBack } = await cutRoom(t, mode, codec);
        const arrivals: string[] = [];
        sender.onChannelPresence((e) => {
          for (const p of e.joins) if (p.userId === ada.userId) arrivals.push(p.sessionId);
        });
        await socket.joinChat(channel.roomName ?? "", ChannelType.Room, { hidden: true, persistence: false });
        const before = await socket.writeChatMessage(channel.id, { text: "before" });
        assert.equal(before.persistent, true, "the second join changed nothing");

        await goAway();
        await comeBack();
        await waitFor(() => arrivals.length > 0, { what: "ada seen joining again, visibly" });
        const after = await socket.writeChatMessage(channel.id, { text: "after" });
        assert.equal(after.persistent, true, "still stored");
      });
    },
  );
}
