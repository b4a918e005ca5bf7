import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import type { Messages } from "../../src/gen/wire.js";
import { stringifyJsonObject, toModel } from "../../src/protocol/model.js";
import { decodeRestResponse } from "../../src/protocol/rest.js";

describe("wire to app model", () => {
  test("JSON-object fields are parsed at every depth and absent ones become empty objects", () => {
    const wire = decodeRestResponse("listGroupUsers", {
      group_users: [
        { user: { id: "u1", metadata: '{"rank":3}', create_time: "2026-01-02T03:04:05Z" }, state: 0 },
        { user: { id: "u2" }, state: 2 },
      ],
    });
    const model = toModel("GroupUserList", wire);
    assert.deepEqual(model.groupUsers[0]?.user?.metadata, { rank: 3 });
    assert.deepEqual(model.groupUsers[1]?.user?.metadata, {});
    assert.ok(model.groupUsers[0]?.user?.createTime instanceof Date);
    assert.equal(model.groupUsers[0]?.state, 0);
    assert.equal(model.cursor, "");
  });

  test("history pages parse every message's content", () => {
    const wire = decodeRestResponse("listChannelMessages", {
      messages: [
        { message_id: "1", content: '{"text":"a"}', code: 0, persistent: true },
        { message_id: "2", content: "{}", code: 2 },
      ],
      next_cursor: "n",
    });
    const page = toModel("ChannelMessageList", wire);
    assert.deepEqual(
      page.messages.map((m) => m.content),
      [{ text: "a" }, {}],
    );
    assert.equal(page.messages[0]?.code, 0);
    assert.equal(page.messages[0]?.persistent, true);
    assert.equal(page.messages[1]?.persistent, undefined);
    assert.equal(page.nextCursor, "n");
  });

  test("content that is not a JSON object is reported as server_error", () => {
    for (const content of ["not json", "[1]", "3"]) {
      const wire = { channelId: "c", content } as unknown as Messages["ChannelMessage"];
      assert.throws(
        () => toModel("ChannelMessage", wire),
        (e: unknown) => HeraldError.is(e, "server_error"),
      );
    }
  });
});

describe("app content to JSON text", () => {
  test("plain objects with nested arrays, nulls, dates and undefined properties are accepted", () => {
    const text = stringifyJsonObject(
      { a: [1, "x", null, { b: true }], when: new Date("2026-01-01T00:00:00Z"), skip: undefined },
      "content",
    );
    assert.deepEqual(JSON.parse(text), { a: [1, "x", null, { b: true }], when: "2026-01-01T00:00:00.000Z" });
    assert.equal(stringifyJsonObject(Object.create(null), "content"), "{}");
  });

  test("anything else is refused with bad_input", () => {
    class Point {
      x = 1;
    }
    const bad: unknown[] = [
      null,
      [1],
      "s",
      7,
      new Point(),
      { p: new Point() },
      { m: new Map() },
      { big: 1n },
      { inf: Number.POSITIVE_INFINITY },
      { s: Symbol("x") },
    ];
    for (const value of bad) {
      assert.throws(
        () => stringifyJsonObject(value, "content"),
        (e: unknown) => HeraldError.is(e, "bad_input"),
        `expected ${String(value)} to be refused`,
      );
    }
  });
});
