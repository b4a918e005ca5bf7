import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { MessageName } from "../../src/gen/schema.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { isMessageView, lazyJsonCodec } from "../../src/protocol/message-view.js";
import { toModel } from "../../src/protocol/model.js";
import { K, messageInfo } from "../../src/protocol/schema.js";
import { sampleEnvelopes } from "../fixtures/envelopes.js";

// Clients decode pushes as views (`view: true`): the app model, converted field by field when
// read. A view must read exactly as the eagerly decoded model does.

const asView = { ignoreUnknown: true, allowEmptyReply: true } as const;
type Obj = Record<string, unknown>;

/** Every field of a view or model, read through its getters, nested ones as plain objects. */
function read(name: MessageName, value: Obj): Obj {
  const out: Obj = {};
  for (const field of messageInfo(name).fields) {
    const v = value[field.camel];
    if (v === undefined) continue;
    const nested = field.k === K.m ? field.type : undefined;
    out[field.camel] = nested
      ? field.repeated
        ? (v as Obj[]).map((item) => read(nested, item))
        : read(nested, v as Obj)
      : v;
  }
  return out;
}

describe("message views", () => {
  for (const env of Object.values(sampleEnvelopes)) {
    test(`${env.kind}: a view reads as the eagerly decoded model, and toJSON gives the same plain object`, () => {
      const frame = jsonCodec.encodeEnvelope(env);
      const eager = jsonCodec.decodeEnvelope(frame, { ignoreUnknown: true });
      const view = lazyJsonCodec.decodeEnvelope(frame, asView);
      assert.equal(view.kind, eager.kind);
      assert.ok(isMessageView(view.body));
      const name = messageInfo("Envelope").lookup[env.kind]?.type as MessageName;
      const model = toModel(name as never, eager.body as never) as Obj;
      assert.deepEqual(read(name, view.body as Obj), read(name, model));
      assert.deepEqual(JSON.parse(JSON.stringify(view.body)), JSON.parse(JSON.stringify(model)));
      // A view already is the app model: toModel hands it back as it is.
      assert.equal(toModel(name as never, view.body as never), view.body);
    });
  }

  test("absent fields read as the eager decoder's zero values, and reads are stable", () => {
    const { body } = lazyJsonCodec.decodeEnvelope('{"channel_message":{"message_id":"m1"}}', asView);
    const m = body as Obj;
    assert.equal(m.channelId, "");
    assert.equal(m.persistent, undefined);
    assert.equal(m.createTime, undefined);
    assert.deepEqual(m.content, {});
    const presence = lazyJsonCodec.decodeEnvelope(
      '{"status_presence_event":{"joins":[{"user_id":"u"}]}}',
      asView,
    ).body as Obj;
    assert.deepEqual(presence.leaves, []);
    assert.equal(presence.joins, presence.joins, "a list is converted once and kept");
    const joins = presence.joins as Obj[];
    assert.equal(joins[0]?.userId, "u");
    assert.equal(joins[0]?.status, undefined);
  });

  test("timestamps become Dates when read, once", () => {
    const frame = '{"channel_message":{"create_time":"2026-11-30T08:00:00.123Z"}}';
    const m = lazyJsonCodec.decodeEnvelope(frame, asView).body as Obj;
    const first = m.createTime;
    assert.ok(first instanceof Date);
    assert.equal(first.toISOString(), "2026-11-30T08:00:00.123Z");
    assert.equal(m.createTime, first);
  });

  test("fields can be assigned, and the assigned value is what reads return", () => {
    const m = lazyJsonCodec.decodeEnvelope(
      '{"channel_message":{"message_id":"m1","content":"{\\"text\\":\\"hi\\"}"}}',
      asView,
    ).body as Obj;
    m.messageId = "m2";
    m.content = { text: "edited" };
    m.createTime = undefined;
    assert.equal(m.messageId, "m2");
    assert.deepEqual(m.content, { text: "edited" });
    assert.equal(m.createTime, undefined);
  });

  test("content that is no JSON object is refused while decoding, before anyone reads the message", () => {
    for (const content of ['"not json', "[1,2]", "42"]) {
      const frame = JSON.stringify({ channel_message: { message_id: "m", content } });
      assert.throws(
        () => lazyJsonCodec.decodeEnvelope(frame, asView),
        (e: unknown) => HeraldError.is(e, "server_error") && /content/.test(e.message),
      );
    }
    assert.throws(
      () => lazyJsonCodec.decodeEnvelope('{"channel_message":[1]}', asView),
      (e: unknown) => HeraldError.is(e, "bad_input"),
    );
  });

  test("a field of the wrong type throws a typed error naming it when read, and only then", () => {
    const m = lazyJsonCodec.decodeEnvelope(
      '{"channel_message":{"message_id":7,"create_time":"yesterday","persistent":"yes","sender_id":"u"}}',
      asView,
    ).body as Obj;
    assert.equal(m.senderId, "u");
    for (const [key, pattern] of [
      ["messageId", /message_id: expected a string, got number/],
      ["createTime", /create_time: expected an RFC 3339 timestamp/],
      ["persistent", /persistent: expected a boolean/],
    ] as const) {
      assert.throws(
        () => m[key],
        (e: unknown) => HeraldError.is(e, "server_error") && pattern.test(e.message),
        key,
      );
    }
  });
});
