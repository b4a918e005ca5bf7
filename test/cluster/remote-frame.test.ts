// A broadcast crossing nodes as protobuf reaches each socket in its own format, encoded once per node.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { EnvelopeInit } from "../../src/gen/wire.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { decodeClusterMessage, encodeClusterMessage } from "../../src/server/cluster/cluster-wire.js";
import { encodeFrame, frameOf, RemoteFrame } from "../../src/server/cluster/remote-frame.js";
import { Outgoing } from "../../src/server/services/outgoing.js";

const message: EnvelopeInit = {
  kind: "channelMessage",
  body: {
    channelId: "2...lobby",
    messageId: "0b7e6a4e-1d1f-4d3a-9d2c-3b1c7d9e8f00",
    code: 0,
    senderId: "5a1c0a54-9b9e-4b55-8a3e-0c6f1f2e3d4a",
    username: "ana",
    content: '{"text":"héllo"}',
    createTime: new Date("2026-11-30T08:00:00.123Z"),
    updateTime: new Date("2026-11-30T08:00:00.123Z"),
    persistent: true,
    roomName: "lobby",
  },
};

test("a frame from another node gives each format the bytes a local broadcast would", () => {
  const sent = encodeClusterMessage("node-a", { kind: "frame", bytes: encodeFrame(message) });
  const received = decodeClusterMessage(sent);
  assert.equal(received?.message.kind, "frame");
  if (received?.message.kind !== "frame") return;
  const frame = new RemoteFrame(received.message);
  const json = frame.bytes(jsonCodec);
  assert.equal(json.toString("utf8"), jsonCodec.encodeEnvelope(message));
  assert.ok(frame.bytes(protobufCodec).equals(Buffer.from(protobufCodec.encodeEnvelope(message))));
  // Once per format: the same buffer for every socket of that format.
  assert.equal(frame.bytes(jsonCodec), json);
  assert.equal(frame.bytes(protobufCodec), frame.bytes(protobufCodec));
  assert.equal(frame.decode().kind, "channelMessage");
});

test("a frame that crossed in JSON gives binary sockets the protobuf bytes a local broadcast would", () => {
  const local = new Outgoing(message);
  local.bytes(jsonCodec);
  // Only JSON sockets on the sending node: the JSON bytes cross, nothing is encoded for the others.
  const sent = frameOf(local);
  assert.deepEqual(Object.keys(sent).sort(), ["kind", "text"]);
  const received = decodeClusterMessage(encodeClusterMessage("node-a", sent));
  assert.equal(received?.message.kind, "frame");
  if (received?.message.kind !== "frame") return;
  const frame = new RemoteFrame(received.message);
  assert.equal(frame.bytes(jsonCodec).toString("utf8"), jsonCodec.encodeEnvelope(message));
  assert.ok(frame.bytes(protobufCodec).equals(Buffer.from(protobufCodec.encodeEnvelope(message))));
  assert.equal(frame.decode().kind, "channelMessage");
});

test("a broadcast carries the encodings its node made, or protobuf when it made none", () => {
  const none = new Outgoing(message);
  assert.deepEqual(Object.keys(frameOf(none)), ["kind", "bytes"]);
  const both = new Outgoing(message);
  const json = both.bytes(jsonCodec);
  const binary = both.bytes(protobufCodec);
  const frame = frameOf(both);
  assert.equal(frame.text, json);
  assert.equal(frame.bytes, binary);
  // Both crossed: each format's sockets get the received bytes, with nothing decoded.
  const remote = new RemoteFrame(frame);
  assert.ok(remote.bytes(jsonCodec).equals(json));
  assert.ok(remote.bytes(protobufCodec).equals(binary));
});

test("corrupt frame bytes are refused as bad_input, not thrown as anything else", () => {
  const frame = new RemoteFrame(new Uint8Array([0xff, 0xff, 0xff, 0x01]));
  assert.throws(
    () => frame.bytes(jsonCodec),
    (err) => HeraldError.is(err, "bad_input"),
  );
});
