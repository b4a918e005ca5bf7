import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { READER_FIELDS, readChannelMessage } from "../../src/protocol/chat-message-reader.js";
import { decodeJsonEnvelope, messageFromJson } from "../../src/protocol/json-codec.js";
import { messageInfo } from "../../src/protocol/schema.js";

type Obj = Record<string, unknown>;

// The table-driven walk's result for `json`: a key no message has makes the chat reader step
// aside, and `ignoreUnknown` then has the walk skip that key.
const byTable = (json: Obj) =>
  messageFromJson("ChannelMessage", { ...json, not_a_field: 1 }, { ignoreUnknown: true });

const full: Obj = {
  channel_id: "2...lobby",
  message_id: "0b1c7a52-5a3e-4e8b-9f6c-100000000001",
  code: 0,
  sender_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  username: "bob",
  content: '{"text":"hi"}',
  create_time: "2026-11-30T08:00:00.000Z",
  update_time: "2026-11-30T08:00:01.5+01:00",
  persistent: true,
  room_name: "lobby",
  group_id: "g",
  user_id_one: "a",
  user_id_two: "b",
  client_msg_id: "c-1",
};

test("the chat reader knows every field of the generated table", () => {
  for (const [name, fields] of Object.entries(READER_FIELDS)) {
    const table = messageInfo(name as keyof typeof READER_FIELDS).fields.map((field) => field.name);
    assert.deepEqual(fields.split(" ").sort(), [...table].sort(), name);
  }
});

test("the chat reader decodes as the table-driven walk does", () => {
  const cases: Obj[] = [
    full,
    {},
    { channel_id: "2...lobby", content: "" },
    { ...full, code: 2, persistent: false, create_time: "2026-02-28T23:59:59Z" },
    // null reads as absent, for every kind of field.
    { channel_id: null, code: null, create_time: null, persistent: null, content: null },
  ];
  for (const json of cases) {
    const fast = readChannelMessage(json);
    assert.ok(fast, `the chat reader took ${JSON.stringify(json)}`);
    assert.deepStrictEqual(fast, byTable(json));
    // Through the codec too, with fresh Dates for each timestamp.
    assert.deepStrictEqual(messageFromJson("ChannelMessage", json), byTable(json));
  }
  const both = readChannelMessage(full) as { createTime: Date; updateTime: Date };
  assert.equal(both.createTime.toISOString(), "2026-11-30T08:00:00.000Z");
  assert.equal(both.updateTime.toISOString(), "2026-11-30T07:00:01.500Z");
  const same = readChannelMessage({ ...full, update_time: full.create_time }) as typeof both;
  assert.notEqual(same.createTime, same.updateTime, "each timestamp is a Date of its own");
  assert.equal(same.createTime.getTime(), same.updateTime.getTime());
});

test("the chat reader steps aside for what it does not expect, and the codec still decides", () => {
  const aside: [Obj, "same" | RegExp][] = [
    // Accepted by the table-driven walk: camelCase keys, integers as strings, unknown fields
    // (when told to ignore them).
    [{ channelId: "2...lobby", senderId: "u" }, "same"],
    [{ ...full, code: "3" }, "same"],
    // Refused, with the walk's error and path.
    [{ ...full, code: 1.5 }, /ChannelMessage\.code: expected a 32-bit integer/],
    [{ ...full, code: 2 ** 31 }, /ChannelMessage\.code: expected a 32-bit integer/],
    [{ ...full, persistent: "yes" }, /ChannelMessage\.persistent: expected a boolean/],
    [{ ...full, create_time: "yesterday" }, /ChannelMessage\.create_time: expected an RFC 3339/],
    [{ ...full, create_time: 5 }, /ChannelMessage\.create_time: expected an RFC 3339/],
    [{ ...full, sender_id: 7 }, /ChannelMessage\.sender_id: expected a string/],
    [{ ...full, surprise: true }, /unknown field "surprise"/],
  ];
  for (const [json, outcome] of aside) {
    assert.equal(readChannelMessage(json), undefined, JSON.stringify(json));
    if (outcome === "same") {
      const decoded = messageFromJson("ChannelMessage", json);
      assert.deepStrictEqual(decoded, byTable(json));
      assert.notEqual(Object.keys(decoded).length, 0);
    } else {
      assert.throws(
        () => messageFromJson("ChannelMessage", json),
        (error: unknown) => HeraldError.is(error, "bad_input") && outcome.test(error.message),
      );
    }
  }
});

test("a chat push decodes through the envelope with its fast reader, and unknown fields are skipped", () => {
  const frame = JSON.stringify({ channel_message: { ...full, from_a_newer_server: 1 } });
  const envelope = decodeJsonEnvelope(frame, { ignoreUnknown: true });
  assert.equal(envelope.kind, "channelMessage");
  assert.deepStrictEqual(envelope.body, byTable(full));
  const plain = decodeJsonEnvelope(JSON.stringify({ channel_message: full }));
  assert.deepStrictEqual(plain.body, byTable(full));
});
