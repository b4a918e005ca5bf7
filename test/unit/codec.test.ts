import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WebSocketAdapterPb } from "@heroiclabs/nakama-js-protobuf";
import { HeraldError } from "../../src/errors.js";
import { envelopeKinds, type MessageName } from "../../src/gen/schema.js";
import type { Envelope, EnvelopeInit } from "../../src/gen/wire.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec, messageFromJson } from "../../src/protocol/json-codec.js";
import { camelCase, messageInfo } from "../../src/protocol/schema.js";
import { sampleEnvelopes, sampleUserIds } from "../fixtures/envelopes.js";

const codecs: Record<string, Codec> = { json: jsonCodec, protobuf: protobufCodec };
const samples = Object.values(sampleEnvelopes) as EnvelopeInit[];
const hex = (bytes: string | Uint8Array) => Buffer.from(bytes as Uint8Array).toString("hex");
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** Asserts `fn` throws a HeraldError with code bad_input (and the given serverCode, if any). */
function assertBadInput(fn: () => unknown, serverCode?: number, message?: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, "expected a HeraldError, but nothing was thrown");
  assert.ok(HeraldError.is(thrown, "bad_input"), `expected HeraldError bad_input, got ${String(thrown)}`);
  if (serverCode !== undefined) assert.equal(thrown.serverCode, serverCode);
  if (message) assert.match(thrown.message, message);
}

/** Every field of every (nested) message in `value` is set, so a round trip covers all fields. */
function assertEveryFieldSet(type: MessageName, value: Record<string, unknown>, path: string) {
  for (const field of messageInfo(type).fields) {
    const v = value[field.camel];
    assert.ok(v !== undefined, `${path}.${field.camel} is not set in the fixture`);
    if (field.kind === "m" && field.type) {
      const items = field.repeated ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>];
      assert.ok(items.length > 0, `${path}.${field.camel} is an empty list in the fixture`);
      for (const item of items) assertEveryFieldSet(field.type, item, `${path}.${field.camel}`);
    }
  }
}

describe("envelope fixtures", () => {
  test("there is one sample for every kind of the envelope's message oneof", () => {
    assert.deepEqual(Object.keys(sampleEnvelopes).sort(), envelopeKinds.map(camelCase).sort());
  });

  test("every sample sets every field, nested ones included", () => {
    for (const env of samples) {
      const field = messageInfo("Envelope").lookup[env.kind];
      assert.ok(field?.type);
      assertEveryFieldSet(field.type, env.body as Record<string, unknown>, env.kind);
    }
  });
});

for (const [name, codec] of Object.entries(codecs)) {
  describe(`${name} codec`, () => {
    for (const env of samples) {
      test(`${env.kind} round-trips unchanged`, () => {
        const decoded = codec.decodeEnvelope(codec.encodeEnvelope(env));
        assert.deepStrictEqual(decoded, env);
      });
    }

    test("a message with only zero values decodes with lists empty, scalars zero and wrappers absent", () => {
      const decoded = codec.decodeEnvelope(codec.encodeEnvelope({ kind: "channelMessage", body: {} }));
      assert.equal(decoded.kind, "channelMessage");
      assert.equal(decoded.cid, undefined);
      const body = (decoded as Envelope & { kind: "channelMessage" }).body;
      assert.equal(body.channelId, "");
      assert.equal(body.content, "");
      assert.equal(body.code, undefined);
      assert.equal(body.persistent, undefined);
      assert.equal(body.createTime, undefined);
      const presence = codec.decodeEnvelope(codec.encodeEnvelope({ kind: "channelPresenceEvent", body: {} }));
      assert.deepEqual((presence.body as { joins: unknown[]; leaves: unknown[] }).joins, []);
      assert.deepEqual((presence.body as { joins: unknown[]; leaves: unknown[] }).leaves, []);
    });

    test("wrapper values survive when they hold their zero value", () => {
      const env: EnvelopeInit = {
        cid: "1",
        kind: "channelJoin",
        body: { target: "x", persistence: false, hidden: false },
      };
      const body = codec.decodeEnvelope(codec.encodeEnvelope(env)).body as {
        persistence?: boolean;
        hidden?: boolean;
      };
      assert.equal(body.persistence, false);
      assert.equal(body.hidden, false);
      const status = codec.decodeEnvelope(
        codec.encodeEnvelope({ kind: "statusUpdate", body: { status: "" } }),
      );
      assert.deepEqual(status.body, { status: "" });
      const offline = codec.decodeEnvelope(codec.encodeEnvelope({ kind: "statusUpdate", body: {} }));
      assert.deepEqual(offline.body, {});
    });

    test("an unknown envelope kind cannot be encoded", () => {
      assertBadInput(() => codec.encodeEnvelope({ kind: "matchJoin", body: {} } as unknown as EnvelopeInit));
    });
  });
}

describe("JSON wire conventions", () => {
  const wire = (env: EnvelopeInit) => JSON.parse(jsonCodec.encodeEnvelope(env) as string);

  test("field names are snake_case on the wire", () => {
    const json = wire(sampleEnvelopes.channelMessageAck);
    assert.deepEqual(Object.keys(json), ["cid", "channel_message_ack"]);
    assert.deepEqual(Object.keys(json.channel_message_ack).sort(), [
      "channel_id",
      "client_msg_id",
      "code",
      "create_time",
      "group_id",
      "message_id",
      "persistent",
      "room_name",
      "update_time",
      "user_id_one",
      "user_id_two",
      "username",
    ]);
  });

  test("zero values are omitted: false, 0, empty strings and empty lists", () => {
    const json = wire({
      kind: "channelPresenceEvent",
      body: {
        channelId: "2...lobby",
        joins: [{ userId: "u", sessionId: "s", username: "", persistence: false }],
        leaves: [],
        roomName: "",
      },
    });
    assert.deepEqual(json, {
      channel_presence_event: { channel_id: "2...lobby", joins: [{ user_id: "u", session_id: "s" }] },
    });
  });

  test("wrapper types are bare values even when zero", () => {
    const json = wire({ kind: "channelMessage", body: { code: 0, persistent: false } });
    assert.deepEqual(json, { channel_message: { code: 0, persistent: false } });
    assert.deepEqual(wire({ kind: "statusUpdate", body: { status: "" } }), { status_update: { status: "" } });
  });

  test("timestamps are RFC 3339 UTC strings and enums are numbers", () => {
    const json = wire(sampleEnvelopes.channelMessage);
    assert.equal(json.channel_message.create_time, "2026-03-04T05:06:07.089Z");
    assert.match(json.channel_message.update_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(wire(sampleEnvelopes.channelJoin).channel_join.type, 1);
  });

  test("chat content stays a string holding the JSON object", () => {
    const json = wire(sampleEnvelopes.channelMessageSend);
    assert.equal(json.channel_message_send.content, '{"text":"hello"}');
  });

  test("input also accepts camelCase names", () => {
    const env = jsonCodec.decodeEnvelope(
      '{"cid":"4","channelMessageSend":{"channelId":"2...a","content":"{}"}}',
    );
    assert.deepEqual(env, {
      cid: "4",
      kind: "channelMessageSend",
      body: { channelId: "2...a", content: "{}", clientMsgId: "" },
    });
  });

  test("timestamps with nanoseconds or an offset are read", () => {
    const env = jsonCodec.decodeEnvelope(
      '{"channel_message":{"create_time":"2026-03-04T05:06:07.123456789Z","update_time":"2026-03-04T07:06:07+02:00"}}',
    );
    const body = env.body as { createTime: Date; updateTime: Date };
    assert.equal(body.createTime.toISOString(), "2026-03-04T05:06:07.123Z");
    assert.equal(body.updateTime.toISOString(), "2026-03-04T05:06:07.000Z");
  });

  test("integers may arrive as numeric strings, as the protobuf JSON mapping allows", () => {
    const env = jsonCodec.decodeEnvelope('{"cid":"1","channel_join":{"target":"x","type":"2"}}');
    assert.equal((env.body as { type: number }).type, 2);
  });

  test("null stands for an absent field", () => {
    const env = jsonCodec.decodeEnvelope('{"cid":null,"status_update":{"status":null}}');
    assert.deepEqual(env, { kind: "statusUpdate", body: {} });
  });

  test("a binary frame holding JSON text is read as text", () => {
    const env = jsonCodec.decodeEnvelope(new TextEncoder().encode('{"cid":"1","ping":{}}'));
    assert.deepEqual(env, { cid: "1", kind: "ping", body: {} });
  });

  test("unknown fields are skipped when the reader asks to ignore them", () => {
    const env = jsonCodec.decodeEnvelope('{"cid":"1","status":{"presences":[],"shiny_new":1},"party":{}}', {
      ignoreUnknown: true,
    });
    assert.deepEqual(env, { cid: "1", kind: "status", body: { presences: [] } });
  });
});

describe("protobuf wire bytes", () => {
  test('cid "1" + ping encodes to the bytes Nakama uses', () => {
    assert.equal(hex(protobufCodec.encodeEnvelope({ cid: "1", kind: "ping", body: {} })), "0a0131820200");
    assert.deepEqual(protobufCodec.decodeEnvelope(fromHex("0a0131820200")), {
      cid: "1",
      kind: "ping",
      body: {},
    });
  });

  test('cid "2" + status_follow of one id encodes to the bytes Nakama uses', () => {
    const id = sampleUserIds.userA;
    assert.equal(id.length, 36);
    const expected = `0a0132d201260a24${Buffer.from(id).toString("hex")}`;
    const env: EnvelopeInit = { cid: "2", kind: "statusFollow", body: { userIds: [id] } };
    assert.equal(hex(protobufCodec.encodeEnvelope(env)), expected);
    assert.deepEqual(protobufCodec.decodeEnvelope(fromHex(expected)), {
      cid: "2",
      kind: "statusFollow",
      body: { userIds: [id], usernames: [] },
    });
  });

  test("a frame also decodes from an ArrayBuffer", () => {
    const bytes = fromHex("0a0131820200");
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    assert.equal(protobufCodec.decodeEnvelope(buffer).kind, "ping");
  });
});

describe("interop with the stock nakama-js-protobuf codec", () => {
  // The stock adapter is driven through a stand-in socket object so its own encoder and decoder
  // run unchanged on our bytes and we decode theirs.
  function stockAdapter() {
    const adapter = new WebSocketAdapterPb() as unknown as {
      _socket: { send(b: Uint8Array): void; onmessage?: (e: { data: ArrayBuffer }) => void };
      onMessage: (e: Record<string, unknown>) => void;
      send(msg: unknown): void;
    };
    const io: { sent?: Uint8Array; received?: Record<string, unknown> } = {};
    adapter._socket = { send: (b) => (io.sent = b) };
    adapter.onMessage = (e) => (io.received = e);
    return {
      encode(msg: unknown): Uint8Array {
        adapter.send(msg);
        return io.sent as Uint8Array;
      },
      decode(bytes: Uint8Array): Record<string, unknown> {
        adapter._socket.onmessage?.({
          data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        });
        return io.received as Record<string, unknown>;
      },
    };
  }

  test("envelopes nakama-js-protobuf encodes decode to the same messages in herald", () => {
    const stock = stockAdapter();
    const join = stock.encode({
      cid: "5",
      channel_join: { target: "lobby", type: 1, persistence: true, hidden: false },
    });
    assert.deepEqual(protobufCodec.decodeEnvelope(join), {
      cid: "5",
      kind: "channelJoin",
      body: { target: "lobby", type: 1, persistence: true, hidden: false },
    });
    const send = stock.encode({
      cid: "6",
      channel_message_send: { channel_id: "2...lobby", content: '{"a":1}' },
    });
    assert.deepEqual(protobufCodec.decodeEnvelope(send).body, {
      channelId: "2...lobby",
      content: '{"a":1}',
      clientMsgId: "",
    });
    const offline = stock.encode({ cid: "7", status_update: {} });
    assert.deepEqual(protobufCodec.decodeEnvelope(offline), { cid: "7", kind: "statusUpdate", body: {} });
    const follow = stock.encode({ cid: "8", status_follow: { user_ids: [sampleUserIds.userA] } });
    assert.deepEqual(protobufCodec.decodeEnvelope(follow).body, {
      userIds: [sampleUserIds.userA],
      usernames: [],
    });
  });

  test("envelopes herald encodes decode to the same messages in nakama-js-protobuf", () => {
    const stock = stockAdapter();
    const message = stock.decode(protobufCodec.encodeEnvelope(sampleEnvelopes.channelMessage) as Uint8Array);
    const m = message.channel_message as Record<string, unknown>;
    assert.equal(m.channel_id, sampleEnvelopes.channelMessage.body.channelId);
    assert.equal(m.content, '{"text":"hi","n":1}');
    assert.equal(m.code, 0);
    assert.equal(m.persistent, true);
    assert.equal(new Date(m.create_time as string).toISOString(), "2026-03-04T05:06:07.089Z");
    const presence = stock.decode(
      protobufCodec.encodeEnvelope(sampleEnvelopes.statusPresenceEvent) as Uint8Array,
    );
    const event = presence.status_presence_event as {
      joins: Record<string, unknown>[];
      leaves: Record<string, unknown>[];
    };
    assert.equal(event.joins[0]?.status, "Playing level 3");
    assert.equal(event.leaves[0]?.status, "");
    assert.equal(event.joins[0]?.user_id, sampleUserIds.userA);
  });
});

describe("malformed input gives a typed error, never another throw", () => {
  test("text that is not JSON", () => {
    assertBadInput(() => jsonCodec.decodeEnvelope("{not json"), 3, /not valid JSON/);
    assertBadInput(() => jsonCodec.decodeEnvelope(""), 3);
  });

  test("JSON that is not an object", () => {
    for (const text of ["[]", "42", '"ping"', "null", "true"])
      assertBadInput(() => jsonCodec.decodeEnvelope(text), 3);
  });

  test("an envelope with no message, or two", () => {
    assertBadInput(() => jsonCodec.decodeEnvelope('{"cid":"1"}'), 2, /no message/);
    assertBadInput(() => jsonCodec.decodeEnvelope("{}"), 2);
    assertBadInput(() => jsonCodec.decodeEnvelope('{"ping":{},"pong":{}}'), 3, /both/);
    assertBadInput(() => protobufCodec.decodeEnvelope(fromHex("0a0131")), 2, /no message/);
    assertBadInput(() => protobufCodec.decodeEnvelope(new Uint8Array(0)), 2);
  });

  test("an unknown envelope message or field", () => {
    assertBadInput(() => jsonCodec.decodeEnvelope('{"cid":"1","match_join":{}}'), 1, /match_join/);
    assertBadInput(() => jsonCodec.decodeEnvelope('{"cid":"1","ping":{},"extra":1}'), 1);
    assertBadInput(
      () => jsonCodec.decodeEnvelope('{"cid":"1","channel_join":{"target":"a","colour":"red"}}'),
      3,
      /colour/,
    );
    // Field 12 (match_create in Nakama) is reserved and unknown to herald.
    assertBadInput(() => protobufCodec.decodeEnvelope(fromHex("0a01316200")), 1, /unrecognized/);
  });

  test("wrong types", () => {
    const cases = [
      '{"cid":1,"ping":{}}',
      '{"ping":[]}',
      '{"channel_join":{"target":5}}',
      '{"channel_join":{"target":"a","persistence":"yes"}}',
      '{"channel_join":{"target":"a","type":1.5}}',
      '{"channel_join":{"target":"a","type":"one"}}',
      '{"channel_join":{"target":"a","type":99999999999}}',
      '{"status_follow":{"user_ids":"abc"}}',
      '{"status_follow":{"user_ids":[null]}}',
      '{"status_follow":{"user_ids":[1]}}',
      '{"channel_message":{"create_time":"yesterday"}}',
      '{"channel_message":{"create_time":"2026-02-30T99:00:00Z"}}',
      '{"error":{"context":{"a":1}}}',
      '{"error":{"context":[]}}',
      '{"channel":{"self":"me"}}',
    ];
    for (const text of cases) assertBadInput(() => jsonCodec.decodeEnvelope(text), 3);
    assertBadInput(() => protobufCodec.decodeEnvelope('{"ping":{}}'), 3, /binary/);
  });

  test("invalid UTF-8 is refused by both codecs", () => {
    assertBadInput(() => jsonCodec.decodeEnvelope(new Uint8Array([0x7b, 0xff, 0x7d])), 3, /UTF-8/);
    // cid (field 1) of length 1 holding the byte 0xff, then a ping.
    assertBadInput(() => protobufCodec.decodeEnvelope(fromHex("0a01ff820200")), 3);
  });

  test("every truncation of a valid protobuf frame decodes or fails with a typed error", () => {
    for (const env of samples) {
      const bytes = protobufCodec.encodeEnvelope(env) as Uint8Array;
      for (let n = 0; n < bytes.length; n++) {
        try {
          protobufCodec.decodeEnvelope(bytes.subarray(0, n));
        } catch (e) {
          assert.ok(HeraldError.is(e, "bad_input"), `${env.kind} cut at ${n}: ${String(e)}`);
        }
      }
    }
    // A frame cut inside its message is never taken for a complete one.
    assertBadInput(() => protobufCodec.decodeEnvelope(fromHex("0a0132d201260a24")), 3);
  });

  test("a length prefix far beyond the frame is refused", () => {
    assertBadInput(() => protobufCodec.decodeEnvelope(fromHex("0affffffff0f31")), 3);
  });

  test("deeply nested JSON is refused without a crash", () => {
    const deep = `${'{"channel":{"self":'.repeat(1)}${"[".repeat(5000)}${"]".repeat(5000)}}}`;
    assertBadInput(() => jsonCodec.decodeEnvelope(deep), 3);
  });

  test("random corruptions of valid frames never throw anything but a HeraldError", () => {
    // A fixed-seed generator keeps the test repeatable.
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let accepted = 0;
    let refused = 0;
    for (let round = 0; round < 4000; round++) {
      const env = samples[rand(samples.length)] as EnvelopeInit;
      for (const codec of [jsonCodec, protobufCodec]) {
        const frame = codec.encodeEnvelope(env);
        const bytes = typeof frame === "string" ? new TextEncoder().encode(frame) : Uint8Array.from(frame);
        const edits = 1 + rand(4);
        for (let i = 0; i < edits && bytes.length > 0; i++) bytes[rand(bytes.length)] = rand(256);
        const input = codec === jsonCodec ? Buffer.from(bytes).toString("latin1") : bytes;
        try {
          const decoded = codec.decodeEnvelope(input);
          assert.equal(typeof decoded.kind, "string");
          accepted++;
        } catch (e) {
          assert.ok(HeraldError.is(e, "bad_input"), `unexpected ${String(e)}`);
          refused++;
        }
      }
    }
    assert.ok(accepted > 0 && refused > 0, `both outcomes occur (accepted ${accepted}, refused ${refused})`);
  });

  test("message-level decoding reports the path of the bad field", () => {
    assertBadInput(
      () => messageFromJson("ChannelMessageList", { messages: [{ channel_id: "a" }, { code: "x" }] }),
      3,
      /messages\[1\]\.code/,
    );
  });
});

describe("encoding refuses what it cannot represent", () => {
  test("a timestamp that is not a valid Date gives a typed error in both codecs", () => {
    for (const codec of [jsonCodec, protobufCodec]) {
      const bad = [new Date(Number.NaN), "2026-01-01T00:00:00Z", 1700000000000];
      for (const createTime of bad) {
        assertBadInput(
          () =>
            codec.encodeEnvelope({ kind: "channelMessage", body: { createTime } } as unknown as EnvelopeInit),
          3,
          /valid Date/,
        );
      }
    }
  });
});

describe("replies that only say done", () => {
  test('an empty reply is written as only its cid, as Nakama sends it: {"cid":"7"}', () => {
    assert.equal(jsonCodec.encodeEnvelope({ cid: "7", kind: "empty", body: {} }), '{"cid":"7"}');
    assert.equal(hex(protobufCodec.encodeEnvelope({ cid: "7", kind: "empty", body: {} })), "0a0137");
  });

  for (const [name, codec] of Object.entries(codecs)) {
    test(`${name}: a client reads a cid-only frame as an empty reply when it asks to`, () => {
      const frame = codec.encodeEnvelope({ cid: "7", kind: "empty", body: {} });
      assert.deepEqual(codec.decodeEnvelope(frame, { allowEmptyReply: true }), {
        cid: "7",
        kind: "empty",
        body: {},
      });
    });

    test(`${name}: a server refuses a cid-only frame, and nobody accepts a frame with neither cid nor message`, () => {
      const frame = codec.encodeEnvelope({ cid: "7", kind: "empty", body: {} });
      assertBadInput(() => codec.decodeEnvelope(frame), 2, /no message/);
      const nothing = codec === jsonCodec ? "{}" : new Uint8Array(0);
      assertBadInput(() => codec.decodeEnvelope(nothing, { allowEmptyReply: true }), 2);
    });

    test(`${name}: an empty reply without a cid cannot be encoded`, () => {
      assertBadInput(
        () => codec.encodeEnvelope({ kind: "empty", body: {} } as unknown as EnvelopeInit),
        3,
        /cid/,
      );
    });
  }
});
