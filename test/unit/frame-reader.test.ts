import assert from "node:assert/strict";
import { test } from "node:test";
import type { HeraldError } from "../../src/errors.js";
import { Emitter } from "../../src/events.js";
import type { ChannelMessage } from "../../src/gen/model.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { PendingRequests } from "../../src/protocol/pending-requests.js";
import { readFrame } from "../../src/socket/frame-reader.js";
import type { SocketEvents } from "../../src/socket/socket-types.js";

type Obj = Record<string, unknown>;

// A chat push reaches the app as the typed model, in one piece that apps can copy, clone and
// serialise; a malformed one is an error event, never a crash and never a half-read message.

/** What reading `frame` with `codec` hands the app: delivered messages and reported errors. */
function read(frame: string, codec: Codec = jsonCodec) {
  const events = new Emitter<SocketEvents>();
  const delivered: ChannelMessage[] = [];
  const errors: HeraldError[] = [];
  events.on("channelMessage", () => {});
  events.on("error", (e) => errors.push(e));
  readFrame(frame, {
    codec,
    pending: new PendingRequests(),
    events,
    deliver: (m) => delivered.push(m),
    catchUp: undefined,
  });
  return { delivered, errors: errors.map((e) => [e.code, e.message]) };
}

const chat: Obj = {
  channel_id: "2...lobby",
  message_id: "0b1c7a52-5a3e-4e8b-9f6c-100000000001",
  code: 0,
  sender_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  username: "bob",
  content: '{"text":"hi","n":1}',
  create_time: "2026-11-30T08:00:00.000Z",
  update_time: "2026-11-30T08:00:00.000Z",
  persistent: true,
  room_name: "lobby",
};

test("a chat push is delivered as the model: camelCase, Dates, parsed content", () => {
  const frame = JSON.stringify({ channel_message: chat });
  const fast = read(frame);
  assert.deepEqual(fast.errors, []);
  const [message] = fast.delivered;
  assert.ok(message);
  assert.equal(message.messageId, chat.message_id);
  assert.deepEqual(message.content, { text: "hi", n: 1 });
  assert.ok(message.createTime instanceof Date);
  assert.equal(message.createTime.toISOString(), chat.create_time);
  // Two fields holding the same text are still two Dates: changing one leaves the other.
  assert.notEqual(message.createTime, message.updateTime);
  // What apps do with messages gives every field.
  const spread = { ...message };
  assert.deepEqual(Object.keys(spread).sort(), Object.keys(message).sort());
  assert.ok(spread.createTime instanceof Date && spread.updateTime instanceof Date);
  assert.deepEqual(structuredClone(message), message);
  assert.deepEqual(JSON.parse(JSON.stringify(message)), {
    ...message,
    createTime: chat.create_time,
    updateTime: chat.update_time,
  });
});

test("an unusual chat frame is delivered if it can be read, else reported", () => {
  const delivered = [
    JSON.stringify({ channel_message: { ...chat, room_name: undefined, code: undefined } }),
    JSON.stringify({ channel_message: { ...chat, newer_field: 1 } }),
    JSON.stringify({ channel_message: { ...chat, code: "7" } }),
    JSON.stringify({ channel_message: { ...chat, content: "" } }),
    JSON.stringify({ channel_message: { ...chat, persistent: null } }),
    JSON.stringify({ channel_message: chat, from_a_newer_server: {} }),
  ];
  for (const frame of delivered) {
    const { delivered: messages, errors } = read(frame);
    assert.deepEqual(errors, [], frame);
    assert.equal(messages.length, 1, frame);
    assert.equal(typeof messages[0]?.content, "object", frame);
  }
  const refused = [
    JSON.stringify({ channel_message: { ...chat, code: 1.5 } }),
    JSON.stringify({ channel_message: { ...chat, sender_id: 5 } }),
    JSON.stringify({ channel_message: { ...chat, create_time: "yesterday" } }),
    JSON.stringify({ channel_message: { ...chat, create_time: "2026-11-30T25:00:00.000Z" } }),
    JSON.stringify({ channel_message: { ...chat, content: "[1]" } }),
    JSON.stringify({ channel_message: { ...chat, content: "not json" } }),
    JSON.stringify({ channel_message: chat, status_presence_event: {} }),
    JSON.stringify({ channel_message: [chat] }),
    JSON.stringify({ channel_message: "text" }),
    '{"channel_message":{"channel_id":',
  ];
  for (const frame of refused) {
    const { delivered: messages, errors } = read(frame);
    assert.equal(messages.length, 0, frame);
    assert.equal(errors.length, 1, frame);
    assert.equal(errors[0]?.[0], "server_error", frame);
  }
});
