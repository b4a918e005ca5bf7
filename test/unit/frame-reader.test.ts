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

// Chat pushes in JSON take a path of their own past the codec's general walk. Whatever a frame
// holds, that path must end as the general one does: the same message delivered, or the same
// error reported. The general path is taken by handing readFrame a copy of the JSON codec.

const general: Codec = { ...jsonCodec };

/** What reading `frame` with `codec` hands the app: delivered messages and reported errors. */
function read(frame: string, codec: Codec) {
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

test("a chat push is delivered as the general path delivers it: camelCase, Dates, parsed content", () => {
  const frame = JSON.stringify({ channel_message: chat });
  const fast = read(frame, jsonCodec);
  assert.deepEqual(fast, read(frame, general));
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

test("an unusual chat frame ends as it does on the general path", () => {
  const frames = [
    JSON.stringify({ channel_message: { ...chat, room_name: undefined, code: undefined } }),
    JSON.stringify({ channel_message: { ...chat, newer_field: 1 } }),
    JSON.stringify({ channel_message: { ...chat, messageId: "camel" } }),
    JSON.stringify({ channel_message: { ...chat, code: "7" } }),
    JSON.stringify({ channel_message: { ...chat, code: 1.5 } }),
    JSON.stringify({ channel_message: { ...chat, sender_id: 5 } }),
    JSON.stringify({ channel_message: { ...chat, create_time: "yesterday" } }),
    JSON.stringify({ channel_message: { ...chat, create_time: "2026-11-30T25:00:00.000Z" } }),
    JSON.stringify({ channel_message: { ...chat, content: "[1]" } }),
    JSON.stringify({ channel_message: { ...chat, content: "not json" } }),
    JSON.stringify({ channel_message: { ...chat, content: "" } }),
    JSON.stringify({ channel_message: { ...chat, persistent: null } }),
    JSON.stringify({ channel_message: chat, from_a_newer_server: {} }),
    JSON.stringify({ channel_message: chat, status_presence_event: {} }),
    JSON.stringify({ channel_message: null }),
    JSON.stringify({ channel_message: [chat] }),
    JSON.stringify({ channel_message: "text" }),
    '{"channel_message":{"channel_id":',
    '{"channel_mXssage":{}}',
    JSON.stringify({ cid: "1", channel_message: chat }),
  ];
  for (const frame of frames) assert.deepEqual(read(frame, jsonCodec), read(frame, general), frame);
});
