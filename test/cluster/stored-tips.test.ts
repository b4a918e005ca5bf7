// A node's tips: the newest seq it stored per channel written to lately, sent a bounded number of
// rounds after the last write, then forgotten. Driven by flush() rather than the clock.

import assert from "node:assert/strict";
import { test } from "node:test";
import { StoredTips } from "../../src/server/cluster/stored-tips.js";

function tips(rounds?: number) {
  const sent: [string, number][] = [];
  const t = new StoredTips({
    publish: (channelId, seq) => sent.push([channelId, seq]),
    intervalMs: 60_000,
    ...(rounds !== undefined && { rounds }),
  });
  return { t, sent };
}

test("each channel written to goes out with its newest seq, once per round, for two rounds", () => {
  const { t, sent } = tips();
  t.note("a", 3);
  t.note("a", 5);
  t.note("b", 4);
  // A seq lower than one noted (an insert that resolved later) does not move the tip back.
  t.note("a", 2);
  t.flush();
  assert.deepEqual(sent, [
    ["a", 5],
    ["b", 4],
  ]);
  t.note("b", 9);
  t.flush();
  assert.deepEqual(sent.slice(2), [
    ["a", 5],
    ["b", 9],
  ]);
  // "a" had its two rounds; "b" was written in the last one and has one more.
  t.flush();
  assert.deepEqual(sent.slice(4), [["b", 9]]);
  t.flush();
  assert.equal(sent.length, 5, "nothing written: nothing sent");
  assert.equal(t.size, 0);
  t.close();
});

test("the cost follows the writes: a thousand channels written once cost two rounds, then nothing", () => {
  const { t, sent } = tips();
  for (let i = 0; i < 1000; i++) t.note(`c${i}`, i + 1);
  t.flush();
  t.flush();
  t.flush();
  assert.equal(sent.length, 2000);
  t.close();
});

test("close stops it and forgets what was noted", () => {
  const { t, sent } = tips(1);
  t.note("a", 1);
  t.close();
  t.flush();
  assert.deepEqual(sent, []);
});
