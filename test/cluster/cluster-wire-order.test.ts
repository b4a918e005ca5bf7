// A stored message's place in history crosses between nodes with its frame; a malformed one is
// not trusted (the frame still crosses, unordered).

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeClusterMessage,
  decodeClusterMessages,
  encodeClusterBatch,
  encodeClusterMessage,
} from "../../src/server/cluster/cluster-wire.js";

const bytes = new Uint8Array([8, 1, 0, 255]);
const text = new Uint8Array(Buffer.from('{"channel_message":{"content":"{}"}}'));

test("a stored message's seq and prevSeq cross with its frame, alone or in a batch", () => {
  const one = { kind: "frame" as const, bytes, text, seq: 42, prevSeq: 17 };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("node-a", one))?.message, one);
  const first = { kind: "frame" as const, bytes, seq: 1, prevSeq: 0 };
  const batch = encodeClusterBatch([
    encodeClusterMessage("node-a", first),
    encodeClusterMessage("node-a", one),
  ]);
  assert.deepEqual(
    decodeClusterMessages(batch).map((m) => m.message),
    [first, one],
  );
});

test("a place in history that is not two whole numbers, prevSeq below seq, is dropped and the frame kept", () => {
  const bad: unknown[] = [
    { seq: 5 },
    { prevSeq: 4 },
    { seq: "5", prevSeq: 4 },
    { seq: 5, prevSeq: 5 },
    { seq: 5, prevSeq: 9 },
    { seq: -1, prevSeq: -2 },
    { seq: 1.5, prevSeq: 0 },
    { seq: 2 ** 60, prevSeq: 0 },
  ];
  for (const order of bad) {
    // Encoded as another node might send it (the header is JSON: anything can arrive).
    const data = encodeClusterMessage("node-b", { kind: "frame", bytes, ...(order as object) });
    assert.deepEqual(decodeClusterMessage(data)?.message, { kind: "frame", bytes }, JSON.stringify(order));
  }
});

test("an edit's or removal's target seq crosses with its frame; one that is not a whole number above 0 is dropped", () => {
  const edit = { kind: "frame" as const, bytes, text, edits: 42 };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("node-a", edit))?.message, edit);
  for (const edits of [0, -3, 1.5, "42", 2 ** 60, null]) {
    const data = encodeClusterMessage("node-b", { kind: "frame", bytes, ...({ edits } as object) });
    assert.deepEqual(decodeClusterMessage(data)?.message, { kind: "frame", bytes }, JSON.stringify(edits));
  }
});

test("a tip crosses as its seq alone; a malformed one is ignored", () => {
  const tip = { kind: "tip" as const, seq: 7 };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("node-a", tip)), {
    origin: "node-a",
    message: tip,
  });
  // Extra fields another node might add are not passed on.
  const extra = encodeClusterMessage("node-a", { ...tip, channelId: "x" } as never);
  assert.deepEqual(decodeClusterMessage(extra)?.message, tip);
  for (const seq of [0, -1, 1.5, "7", undefined, 2 ** 60]) {
    const data = encodeClusterMessage("node-b", { kind: "tip", ...({ seq } as object) } as never);
    assert.equal(decodeClusterMessage(data), undefined, JSON.stringify(seq));
  }
});
