// Messages between nodes: encoded once, decoded exactly, and anything malformed ignored.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeClusterMessage,
  decodeClusterMessages,
  encodeClusterBatch,
  encodeClusterMessage,
} from "../../src/server/cluster/cluster-wire.js";

test("a frame crosses with its bytes and audience intact", () => {
  const bytes = new Uint8Array([0, 1, 2, 255, 10, 13]);
  const data = encodeClusterMessage("node-a", { kind: "frame", bytes, onlyUser: "u1" });
  const decoded = decodeClusterMessage(data);
  assert.equal(decoded?.origin, "node-a");
  assert.deepEqual(decoded?.message, { kind: "frame", bytes, onlyUser: "u1" });
});

test("a frame crosses with its JSON encoding, its protobuf one, or both", () => {
  const text = new Uint8Array(Buffer.from('{"channel_message":{"content":"é"}}'));
  const bytes = new Uint8Array([8, 1, 0, 255]);
  for (const frame of [{ text }, { text, bytes }, { bytes }]) {
    const message = { kind: "frame" as const, ...frame, exceptUser: "u2" };
    const data = encodeClusterMessage("node-b", message);
    // Protobuf alone keeps the first version of the format, which older releases read.
    assert.equal(data.readUInt8(0), frame.text === undefined ? 1 : 2);
    assert.deepEqual(decodeClusterMessage(data)?.message, message);
  }
  // A text length past the end, or a frame with no encoding at all, is ignored.
  const data = encodeClusterMessage("node-b", { kind: "frame", text });
  assert.equal(decodeClusterMessage(data.subarray(0, data.length - 1)), undefined);
  assert.equal(decodeClusterMessage(encodeClusterMessage("node-b", { kind: "frame" })), undefined);
});

test("presence and invisible messages cross as data", () => {
  const presence = {
    sessionId: "s",
    userId: "u",
    username: "ü name",
    hidden: false,
    changedAt: 5,
    node: "n",
    status: "hi",
  };
  const message = {
    kind: "presence" as const,
    stream: "status:u" as const,
    joins: [presence],
    leaves: [],
    exceptUser: "x",
  };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("n", message))?.message, message);
  const invisible = { kind: "invisible" as const, userId: "u", invisible: true };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("n", invisible))?.message, invisible);
  const evict = { kind: "evict" as const, channelId: "2...g", userId: "u" };
  assert.deepEqual(decodeClusterMessage(encodeClusterMessage("n", evict))?.message, evict);
});

test("malformed or foreign data is ignored, never thrown", () => {
  const good = encodeClusterMessage("n", { kind: "invisible", userId: "u", invisible: false });
  const cases = [
    Buffer.alloc(0),
    Buffer.from("hello"),
    // A version this release does not know.
    Buffer.concat([Buffer.from([9]), good.subarray(1)]),
    // A batch is not one message.
    encodeClusterBatch([good]),
    good.subarray(0, good.length - 3),
    Buffer.concat([good.subarray(0, 5), Buffer.from("{not json".padEnd(good.length - 5))]),
    encodeClusterMessage("n", { kind: "other" } as never),
  ];
  for (const data of cases) assert.equal(decodeClusterMessage(data), undefined);
  const noOrigin = Buffer.from(JSON.stringify({ kind: "invisible" }));
  const framed = Buffer.alloc(5 + noOrigin.length);
  framed.writeUInt8(1, 0);
  framed.writeUInt32BE(noOrigin.length, 1);
  noOrigin.copy(framed, 5);
  assert.equal(decodeClusterMessage(framed), undefined);
});

test("a batch carries its messages in order; one cut short keeps those before the cut", () => {
  const frame = { kind: "frame" as const, bytes: new Uint8Array([1, 2, 3]), exceptUser: "u" };
  const text = { kind: "frame" as const, text: new Uint8Array(Buffer.from('{"a":"é"}')) };
  const invisible = { kind: "invisible" as const, userId: "u", invisible: true };
  const batch = encodeClusterBatch([
    encodeClusterMessage("n1", frame),
    encodeClusterMessage("n1", text),
    encodeClusterMessage("n2", invisible),
  ]);
  assert.deepEqual(decodeClusterMessages(batch), [
    { origin: "n1", message: frame },
    { origin: "n1", message: text },
    { origin: "n2", message: invisible },
  ]);
  // One message alone decodes as before.
  assert.deepEqual(decodeClusterMessages(encodeClusterMessage("n1", invisible)), [
    { origin: "n1", message: invisible },
  ]);
  // Cut inside the last message: the first two stay.
  assert.deepEqual(
    decodeClusterMessages(batch.subarray(0, batch.length - 2)).map((m) => m.message),
    [frame, text],
  );
  // A malformed entry is left out, its neighbours kept.
  const junk = encodeClusterBatch([
    encodeClusterMessage("n1", frame),
    Buffer.from("junk"),
    encodeClusterMessage("n2", invisible),
  ]);
  assert.deepEqual(
    decodeClusterMessages(junk).map((m) => m.message),
    [frame, invisible],
  );
  for (const data of [Buffer.alloc(0), Buffer.from([3]), Buffer.from([3, 0, 0, 0, 9, 1])])
    assert.deepEqual(decodeClusterMessages(data), []);
});
