import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { createJsonLogger } from "../../src/server/logger.js";
import { Outgoing } from "../../src/server/services/outgoing.js";

function counting(codec: Codec): Codec & { encodes: number } {
  const c = {
    format: codec.format,
    binary: codec.binary,
    encodes: 0,
    encodeEnvelope(envelope: Parameters<Codec["encodeEnvelope"]>[0]) {
      c.encodes += 1;
      return codec.encodeEnvelope(envelope);
    },
    decodeEnvelope: codec.decodeEnvelope,
  };
  return c;
}

describe("server building blocks", () => {
  test("a broadcast is encoded once per wire format, whatever the number of recipients", () => {
    const json = counting(jsonCodec);
    const pb = counting(protobufCodec);
    const out = new Outgoing({
      kind: "statusPresenceEvent",
      body: { joins: [{ userId: "u", status: "hi" }] },
    });
    const frames = [json, pb, json, json, pb].map((codec) => out.bytes(codec));
    assert.equal(json.encodes, 1);
    assert.equal(pb.encodes, 1);
    assert.equal(frames[0], frames[2], "the very same bytes go to every JSON recipient");
    assert.equal(frames[1], frames[4]);
    assert.deepEqual(JSON.parse((frames[0] as Buffer).toString()), {
      status_presence_event: { joins: [{ user_id: "u", status: "hi" }] },
    });
  });

  test("the logger writes one JSON object per line and drops events below its level", () => {
    const lines: string[] = [];
    const log = createJsonLogger("warn", (line) => lines.push(line));
    log.debug("too_quiet");
    log.info("still_too_quiet");
    log.warn("slow_reader_closed", { bufferedBytes: 123 });
    log.error("request_failed", { err: new Error("boom") });
    assert.equal(lines.length, 2);
    for (const line of lines) assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(first.level, "warn");
    assert.equal(first.event, "slow_reader_closed");
    assert.equal(first.bufferedBytes, 123);
    assert.ok(!Number.isNaN(Date.parse(first.time as string)));
    const second = JSON.parse(lines[1] as string) as { err: { message: string } };
    assert.equal(second.err.message, "boom");
    const silent: string[] = [];
    createJsonLogger("silent", (line) => silent.push(line)).error("anything");
    assert.deepEqual(silent, []);
  });
});
