import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bundledOnly, modeMatrix } from "../helpers/server-modes.js";
import { cutRoom } from "./cut-room.js";

// Catch-up reads history back to the last message the socket delivered, and when that message was
// removed meanwhile, to the first message older than it. Messages stored in the same millisecond
// as it are not older: those the socket had already delivered came again, marked `catchUp`.

/** Runs `fn` with `Date.now` (the in-process server's clock) stopped at `at`. */
async function stoppedAt<T>(at: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => at;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

const time = (d: Date | undefined) => d?.getTime() ?? Number.NaN;

for (const { mode, codec, label } of modeMatrix) {
  describe(
    `messages stored in the millisecond of the last one delivered, which was removed meanwhile (${label})`,
    bundledOnly(mode, "stops the server's clock"),
    () => {
      test("are not delivered again by a catch-up, nor those before one removed with it", async (t) => {
        const { channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(t, mode, codec);
        const sent = await stoppedAt(Date.now(), async () => [
          await sender.writeChatMessage(channel.id, { text: "one" }),
          await sender.writeChatMessage(channel.id, { text: "two" }),
          await sender.writeChatMessage(channel.id, { text: "three" }),
        ]);
        assert.equal(new Set(sent.map((m) => time(m.createTime))).size, 1, "stored in one millisecond");
        const [, two, three] = sent.map((m) => m.messageId);
        await received("the three live", (m) => m.messageId === three);
        await goAway();
        // The last one and the one before it.
        await sender.removeChatMessage(channel.id, three ?? "");
        await sender.removeChatMessage(channel.id, two ?? "");
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.deepEqual(
          got.map((m) => `${m.content.text}${m.catchUp ? " (caught up)" : ""}`),
          ["one", "two", "three", "after (caught up)"],
        );
        assert.deepEqual(gaps, []);
      });

      test("are not delivered again once every marked message was removed", async (t) => {
        const { channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(t, mode, codec);
        // Eleven in one millisecond: the last ten delivered are the ones catch-up marks.
        const sent = await stoppedAt(Date.now(), async () => {
          const all = [];
          for (let n = 1; n <= 11; n++) all.push(await sender.writeChatMessage(channel.id, { text: `${n}` }));
          return all;
        });
        assert.equal(new Set(sent.map((m) => time(m.createTime))).size, 1, "stored in one millisecond");
        await received("the eleven live", (m) => m.messageId === sent[10]?.messageId);
        await goAway();
        // The sender's rate limit (20 messages at once, then 10 a second) refills first.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        for (const m of sent.slice(1)) await sender.removeChatMessage(channel.id, m.messageId);
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.deepEqual(
          got.map((m) => `${m.content.text}${m.catchUp ? " (caught up)" : ""}`),
          ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "after (caught up)"],
        );
        assert.deepEqual(gaps, []);
      });

      test("missed ones stored in that millisecond after it are delivered by a catch-up", async (t) => {
        const { channel, sender, got, gaps, received, goAway, comeBack } = await cutRoom(t, mode, codec);
        const at = Date.now();
        const two = await stoppedAt(at, async () => {
          await sender.writeChatMessage(channel.id, { text: "one" });
          return sender.writeChatMessage(channel.id, { text: "two" });
        });
        await received("the two live", (m) => m.messageId === two.messageId);
        await goAway();
        await sender.removeChatMessage(channel.id, two.messageId);
        const missed = await stoppedAt(at, () => sender.writeChatMessage(channel.id, { text: "missed" }));
        const after = await sender.writeChatMessage(channel.id, { text: "after" });
        await comeBack();
        await received("the catch-up", (m) => m.messageId === after.messageId);
        assert.equal(time(got[0]?.createTime), time(missed.createTime), "stored in one millisecond");
        assert.deepEqual(
          got.map((m) => `${m.content.text}${m.catchUp ? " (caught up)" : ""}`),
          ["one", "two", "missed (caught up)", "after (caught up)"],
        );
        assert.deepEqual(gaps, []);
      });
    },
  );
}
