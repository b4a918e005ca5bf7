import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { cutRoom, withClockShifted } from "./cut-room.js";

// Catch-up reads history back to the last message the socket delivered and stops at the first
// message older than it. A message stamped by a clock behind (another node's, or one stepped back)
// but stored after it used to stop that read early: it and everything between were skipped, with no
// gap reported. The server stores a message no older than the one before it in its channel.

const time = (d: Date | undefined) => d?.getTime() ?? Number.NaN;
const MINUTE = 60_000;

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `a message stamped by a clock behind (${label})`,
    bundledOnly(mode, "sets the server's clock"),
    () => {
      test("is stored no older than the message before it, and a catch-up delivers it", async (t) => {
        const { client, ada, channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(
          t,
          mode,
          codec,
        );
        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await received("the first message live", (m) => m.messageId === first.messageId);
        await goAway();
        const behind = await withClockShifted(-MINUTE, () =>
          sender.writeChatMessage(channel.id, { text: "behind" }),
        );
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        assert.ok(
          time(behind.createTime) >= time(first.createTime),
          "stored no older than the message before it",
        );
        assert.deepEqual(behind.updateTime, behind.createTime);

        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "behind", "after"],
        );
        assert.deepEqual(got[1]?.createTime, behind.createTime, "delivered with the time stored");
        assert.deepEqual(gaps, []);
        const history = await client.listChannelMessages(ada, channel.id, { forward: true, limit: 10 });
        const times = history.messages.map((m) => time(m.createTime));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          "history's times never decrease",
        );
      });

      test("a message stored after the one a reconnecting socket had, removed meanwhile, is no older than it", async (t) => {
        // Catch-up cannot find a removed mark in history: it stops at the first message older than it.
        const { channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(t, mode, codec);
        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        await received("the first message live", (m) => m.messageId === first.messageId);
        await goAway();
        await sender.removeChatMessage(channel.id, first.messageId);
        const behind = await withClockShifted(-MINUTE, () =>
          sender.writeChatMessage(channel.id, { text: "behind" }),
        );
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        assert.ok(
          time(behind.createTime) >= time(first.createTime),
          "stored no older than the message removed before it",
        );

        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "behind", "after"],
        );
        assert.deepEqual(gaps, []);
      });

      test("a message sent without persistence by a clock ahead does not stop a catch-up at the stored ones after it", async (t) => {
        // Such a message is never in history: catch-up cannot read back to it, only to its time,
        // which a later stored message (stamped by a clock behind it) may not reach.
        const { client, signIn, channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(
          t,
          mode,
          codec,
        );
        const passing = client.createSocket({ codec, reconnect: false });
        t.after(() => passing.disconnect());
        await passing.connect(await signIn("cyd"));
        await passing.joinChat(channel.roomName ?? "", ChannelType.Room, { persistence: false });

        const first = await sender.writeChatMessage(channel.id, { text: "first" });
        const ahead = await withClockShifted(MINUTE, () =>
          passing.writeChatMessage(channel.id, { text: "not stored" }),
        );
        await received("the message not stored, live", (m) => m.messageId === ahead.messageId);
        await goAway();
        const missed = await sender.writeChatMessage(channel.id, { text: "missed" });
        await comeBack();
        await received("the catch-up", (m) => m.messageId === missed.messageId || gaps.length > 0);
        assert.deepEqual(
          got.map((m) => m.content.text),
          ["first", "not stored", "missed"],
        );
        assert.ok(first.persistent && !ahead.persistent);
        assert.deepEqual(gaps, []);
      });

      test("an edit of a message raised to the one before it is no older than the version it replaces", async (t) => {
        // React (and any app) keeps the later of two versions of a message by update time: an edit
        // stamped before the stored version would lose to it.
        const { client, ada, channel, sender } = await cutRoom(t, mode, codec);
        await sender.writeChatMessage(channel.id, { text: "first" });
        const { behind, edited } = await withClockShifted(-MINUTE, async () => {
          const written = await sender.writeChatMessage(channel.id, { text: "behind" });
          const update = await sender.updateChatMessage(channel.id, written.messageId, { text: "edited" });
          return { behind: written, edited: update };
        });
        assert.ok(
          time(edited.updateTime) >= time(behind.updateTime),
          `the edit (${edited.updateTime?.toISOString()}) is no older than the version before it (${behind.updateTime?.toISOString()})`,
        );
        const history = await client.listChannelMessages(ada, channel.id, { forward: true, limit: 10 });
        const stored = history.messages.find((m) => m.messageId === behind.messageId);
        assert.equal(stored?.content.text, "edited");
        assert.ok(
          time(stored?.updateTime) >= time(stored?.createTime),
          "stored updated no earlier than created",
        );
      });
    },
  );
}
