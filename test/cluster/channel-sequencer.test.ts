// A cluster node's order of a channel's stored messages, on its own: frames offered in any order
// come out in history order; a gap is filled from a history read after the wait or beyond the cap.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelSequencer, type GapFill } from "../../src/server/cluster/channel-sequencer.js";
import { timers, turn } from "../helpers/event-loop.js";
import { waitFor } from "../sdk/helpers.js";

const CH = "2...lobby";

/** A sequencer over an in-memory history of seqs (frames are the seqs as text). */
function sequencer(history: number[], options: { gapFillMs?: number; maxHeld?: number } = {}) {
  const out: string[] = [];
  const fills: GapFill[] = [];
  const reads: number[] = [];
  let newestReads = 0;
  let failing = false;
  const s = new ChannelSequencer<string>({
    deliver: (channelId, frame) => {
      assert.equal(channelId, CH);
      out.push(frame);
    },
    read: async (_channelId, seq, limit) => {
      reads.push(seq);
      if (failing) throw new Error("storage away");
      return history
        .filter((h) => h > seq)
        .slice(0, limit)
        .map((h) => ({ seq: h, frame: `${h} (filled)` }));
    },
    newest: async () => {
      newestReads++;
      return history.at(-1) ?? 0;
    },
    gapFillMs: options.gapFillMs ?? 60_000,
    ...(options.maxHeld !== undefined && { maxHeld: options.maxHeld }),
    onFill: (fill) => fills.push(fill),
  });
  return {
    s,
    out,
    fills,
    reads,
    newestReads: () => newestReads,
    fail(on: boolean) {
      failing = on;
    },
    offer: (seq: number, prevSeq: number) => s.offer(CH, { seq, prevSeq }, String(seq)),
  };
}

describe("channel sequencer", () => {
  test("messages offered out of order go out in history order, and a late duplicate is dropped", () => {
    const { s, out, offer } = sequencer([]);
    s.open(CH);
    s.begin(CH, 10);
    offer(30, 20);
    offer(40, 30);
    assert.deepEqual(out, []);
    offer(20, 10);
    assert.deepEqual(out, ["20", "30", "40"]);
    offer(30, 20);
    offer(5, 0);
    assert.deepEqual(out, ["20", "30", "40"]);
    assert.deepEqual(s.size, { channels: 1, held: 0 });
  });

  test("before its start is known a chain holds everything; what was stored before goes out at once", () => {
    const { s, out, offer } = sequencer([]);
    s.open(CH);
    offer(12, 11);
    offer(9, 8);
    offer(11, 9);
    assert.deepEqual(out, []);
    s.begin(CH, 9);
    assert.deepEqual(out, ["9", "11", "12"]);
    // A later start (another join's mark) changes nothing.
    s.begin(CH, 100);
    offer(13, 12);
    assert.deepEqual(out, ["9", "11", "12", "13"]);
  });

  test("a gap still open after the wait is filled from history, in order, and counted", async () => {
    const { s, out, fills, offer } = sequencer([1, 2, 3, 4], { gapFillMs: 20 });
    s.open(CH);
    s.begin(CH, 1);
    offer(4, 3);
    await waitFor(() => out.length === 3, "the fill");
    assert.deepEqual(out, ["2 (filled)", "3 (filled)", "4 (filled)"]);
    assert.deepEqual(fills, [{ channelId: CH, after: 1, to: 4, delivered: 3, reason: "timeout" }]);
    // The lost message's publish comes after all: a late duplicate.
    offer(2, 1);
    offer(4, 3);
    assert.deepEqual(s.size.held, 0);
    assert.equal(out.length, 3);
  });

  test("beyond the cap of held messages the gap is filled at once", async () => {
    const history = Array.from({ length: 250 }, (_, i) => i + 1);
    const { s, out, fills, offer } = sequencer(history, { maxHeld: 3 });
    s.open(CH);
    s.begin(CH, 0);
    for (const seq of [3, 4, 5]) offer(seq, seq - 1);
    assert.deepEqual(out, []);
    offer(6, 5);
    // Paged reads (100 rows each) bring everything stored, in order.
    await waitFor(() => out.length === 250, "the fill");
    assert.deepEqual(
      out,
      history.map((h) => `${h} (filled)`),
    );
    assert.equal(fills[0]?.reason, "held");
    offer(251, 250);
    assert.equal(out.at(-1), "251");
  });

  test("a fill that cannot read storage is tried again; a chain closed meanwhile delivers nothing", async () => {
    const { s, out, reads, fail, offer } = sequencer([1, 2, 3], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    fail(true);
    offer(3, 2);
    await waitFor(() => reads.length >= 2, "two attempts");
    assert.deepEqual(out, []);
    fail(false);
    await waitFor(() => out.length === 2, "the fill once storage answers");
    assert.deepEqual(out, ["2 (filled)", "3 (filled)"]);
    s.close(CH);
    offer(4, 3);
    assert.deepEqual(out.at(-1), "4", "with no chain a frame goes out as it comes");
    assert.deepEqual(s.size, { channels: 0, held: 0 });
  });

  test("after a lost subscription every started chain reads back what it missed", async () => {
    const { s, out, fills, reads } = sequencer([1, 2, 3]);
    s.open(CH);
    s.open("2...not-started");
    s.begin(CH, 1);
    s.fillAll();
    await waitFor(() => out.length === 2, "the fill");
    assert.deepEqual(out, ["2 (filled)", "3 (filled)"]);
    assert.deepEqual(fills, [{ channelId: CH, after: 1, to: 3, delivered: 2, reason: "resubscribed" }]);
    // Nothing missed: nothing reported, once the read that found nothing has been answered.
    s.fillAll();
    await waitFor(() => reads.length === 2, "the second read");
    await turn();
    assert.equal(fills.length, 1);
  });

  test("a start given while the chain reads its own is the one kept", async () => {
    const { s, out, offer, newestReads } = sequencer([5, 7]);
    s.open(CH);
    s.begin(CH);
    s.begin(CH, 3);
    offer(5, 3);
    offer(7, 5);
    await waitFor(() => newestReads() === 1, "the chain's own read");
    await turn();
    assert.deepEqual(out, ["5", "7"]);
  });

  test("a chain with no start given reads it itself", async () => {
    const { s, out, offer } = sequencer([5, 7]);
    s.open(CH);
    assert.equal(s.needsStart(CH), true);
    offer(9, 7);
    s.begin(CH);
    await waitFor(() => out.length === 1, "the start read");
    assert.deepEqual(out, ["9"]);
  });

  test("an edit of a message held behind a gap goes out right after that message", () => {
    const { s, out, offer } = sequencer([]);
    s.open(CH);
    s.begin(CH, 10);
    offer(30, 20);
    s.offerChange(CH, 30, "edit 30");
    s.offerChange(CH, 20, "remove 20");
    assert.deepEqual(out, []);
    assert.deepEqual(s.size, { channels: 1, held: 3 });
    offer(20, 10);
    assert.deepEqual(out, ["20", "remove 20", "30", "edit 30"]);
    // An edit of a message already delivered goes out at once, whatever waits behind a gap.
    offer(50, 40);
    s.offerChange(CH, 30, "edit 30 again");
    assert.deepEqual(out.at(-1), "edit 30 again");
  });

  test("an edit of a message stored before the chain's start goes out at once", () => {
    const { s, out } = sequencer([]);
    s.open(CH);
    s.begin(CH, 10);
    s.offerChange(CH, 7, "edit 7");
    assert.deepEqual(out, ["edit 7"]);
  });

  test("an edit waiting for a chain's start goes out once the start is known", async () => {
    const { s, out } = sequencer([5, 7]);
    s.open(CH);
    s.offerChange(CH, 7, "edit 7");
    assert.deepEqual(out, []);
    s.begin(CH);
    await waitFor(() => out.length === 1, "the start read");
    assert.deepEqual(out, ["edit 7"]);
  });

  test("an edit whose message's publish was lost fills the gap after the wait, then goes out", async () => {
    const { s, out, fills } = sequencer([1, 2, 3], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    s.offerChange(CH, 3, "edit 3");
    await waitFor(() => out.length === 3, "the fill and the edit");
    assert.deepEqual(out, ["2 (filled)", "3 (filled)", "edit 3"]);
    assert.equal(fills[0]?.reason, "timeout");
  });

  test("a removal of a message gone from storage goes out after the fill that did not find it", async () => {
    const { s, out } = sequencer([1, 2], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    // 3 was stored, then removed: the fill finds 2 only.
    s.offerChange(CH, 3, "remove 3");
    await waitFor(() => out.length === 2, "the fill and the removal");
    assert.deepEqual(out, ["2 (filled)", "remove 3"]);
    assert.deepEqual(s.size, { channels: 1, held: 0 });
  });

  test("a late publish of a message whose removal went out after a fill is dropped", async () => {
    const { s, out, offer } = sequencer([1, 2, 4], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    // 3 was stored, then removed; its removal comes first, and the fill finds 2 and 4 only.
    s.offerChange(CH, 3, "remove 3");
    await waitFor(() => out.length === 3, "the fill and the removal");
    assert.deepEqual(out, ["2 (filled)", "4 (filled)", "remove 3"]);
    // 3's own publish, late: not delivered after its removal.
    offer(3, 2);
    // A removal of a message above everything the fill found leaves the chain past it too.
    s.offerChange(CH, 6, "remove 6");
    await waitFor(() => out.length === 4, "the second fill and its removal");
    offer(6, 5);
    offer(5, 4);
    offer(7, 6);
    assert.deepEqual(out, ["2 (filled)", "4 (filled)", "remove 3", "remove 6", "7"]);
  });

  test("a tip above what was delivered fills the gap after the wait; one at or below it does nothing", async () => {
    const { s, out, fills, reads } = sequencer([1, 2, 3], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    const baseline = timers();
    s.tip(CH, 1);
    assert.equal(timers(), baseline, "nothing missing: no wait for a fill");
    assert.deepEqual(reads, [], "nothing missing: no read");
    s.tip(CH, 3);
    await waitFor(() => out.length === 2, "the fill");
    assert.deepEqual(out, ["2 (filled)", "3 (filled)"]);
    assert.deepEqual(fills, [{ channelId: CH, after: 1, to: 3, delivered: 2, reason: "timeout" }]);
    await turn();
    assert.equal(timers(), baseline, "the tip met: no wait for a second fill");
    assert.equal(reads.length, 1, "the tip met: no second read");
  });

  test("a tip whose messages come in time costs no read", async () => {
    const { s, out, reads, offer } = sequencer([1, 2, 3], { gapFillMs: 20 });
    s.open(CH);
    s.begin(CH, 1);
    const baseline = timers();
    s.tip(CH, 3);
    offer(2, 1);
    offer(3, 2);
    assert.deepEqual(out, ["2", "3"]);
    // The gap's wait ended with the gap: no fill can start later.
    assert.equal(timers(), baseline);
    assert.deepEqual(reads, []);
  });

  test("a tip of a removed message stops after one read", async () => {
    const { s, out, reads } = sequencer([1, 2], { gapFillMs: 10 });
    s.open(CH);
    s.begin(CH, 1);
    const baseline = timers();
    s.tip(CH, 3);
    await waitFor(() => out.length === 1, "the fill");
    await turn();
    // Nothing waits to read again for the tip the fill could not reach.
    assert.equal(timers(), baseline);
    assert.deepEqual(reads, [1]);
  });
});
