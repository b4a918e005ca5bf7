import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { ProtoReader, ProtoWriter } from "../../src/protocol/protobuf-wire.js";

// The codec's reader and writer against protobufjs's, which apps and stock clients use: the same
// values must make the same bytes, and each must read what the other wrote.
const require = createRequire(import.meta.url);
const pbjs = require("protobufjs/minimal.js") as {
  Writer: { create(): PbjsWriter };
  Reader: { create(bytes: Uint8Array): PbjsReader };
};
interface PbjsWriter {
  uint32(v: number): PbjsWriter;
  int32(v: number): PbjsWriter;
  int64(v: number): PbjsWriter;
  bool(v: boolean): PbjsWriter;
  string(v: string): PbjsWriter;
  fork(): PbjsWriter;
  ldelim(): PbjsWriter;
  finish(): Uint8Array;
}
interface PbjsReader {
  int32(): number;
  int64(): number | { toNumber(): number };
  string(): string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const ints = [0, 1, 127, 128, 300, 2 ** 31 - 1, -1, -128, -(2 ** 31)];
const longs = [0, 1, 1700000000, 2 ** 32, 2 ** 40 + 5, 2 ** 53 - 1, -1, -62135596800, -(2 ** 32) - 5];
const strings = ["", "a", "lobby", "é", "日本語", "😀 emoji", "x".repeat(200), "ü".repeat(100)];

describe("protobuf wire primitives", () => {
  test("int32, int64, bool and strings encode to protobufjs's bytes and read back", () => {
    for (const v of ints) {
      const ours = new ProtoWriter().int32(v).finish();
      assert.equal(hex(ours), hex(pbjs.Writer.create().int32(v).finish()), `int32 ${v}`);
      assert.equal(new ProtoReader(ours).int32(), v);
    }
    for (const v of longs) {
      const ours = new ProtoWriter().int64(v).finish();
      assert.equal(hex(ours), hex(pbjs.Writer.create().int64(v).finish()), `int64 ${v}`);
      assert.equal(new ProtoReader(ours).int64(), v, `int64 ${v}`);
    }
    for (const v of strings) {
      const ours = new ProtoWriter().string(v).finish();
      assert.equal(hex(ours), hex(pbjs.Writer.create().string(v).finish()), `string ${v.slice(0, 10)}`);
      assert.equal(new ProtoReader(ours).string(), v);
      assert.equal(pbjs.Reader.create(ours).string(), v);
    }
    assert.equal(new ProtoReader(new ProtoWriter().bool(true).finish()).bool(), true);
  });

  test("nested sub-messages of every size get the lengths protobufjs writes", () => {
    for (const size of [0, 1, 127, 128, 16383, 16384, 70000]) {
      const text = "y".repeat(size);
      const ours = new ProtoWriter().uint32(10).fork().uint32(10).fork().string(text).ldelim().ldelim();
      const theirs = pbjs.Writer.create().uint32(10).fork().uint32(10).fork().string(text).ldelim().ldelim();
      assert.equal(hex(ours.finish()), hex(theirs.finish()), `size ${size}`);
    }
  });

  test("truncated values, overlong varints and invalid UTF-8 are typed errors", () => {
    const cases = ["", "80", "ffffffffffffffffffff01", "05616263", "02c328", "03eda080"];
    for (const text of cases) {
      const reader = new ProtoReader(Buffer.from(text, "hex"));
      assert.throws(
        () => (text.length > 4 ? reader.string() : reader.int32()),
        (e: unknown) => HeraldError.is(e, "bad_input"),
        text,
      );
    }
    const long = new ProtoReader(Buffer.from("ffffffffffffffffffff01", "hex"));
    assert.throws(
      () => long.int64(),
      (e: unknown) => HeraldError.is(e, "bad_input"),
    );
  });
});
