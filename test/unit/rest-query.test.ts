import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { buildRestRequest, parseRestRequest } from "../../src/protocol/rest.js";

// Query values are checked and written by the JSON encoder's rules (src/protocol/rest.ts).

test("query values of the wrong type are refused with bad_input, naming the field and the value", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ limit: "10" }, /^limit: expected a 32-bit integer, got a string$/],
    [{ limit: 1.5 }, /^limit: expected a 32-bit integer, got a number$/],
    [{ forward: "true" }, /^forward: expected a boolean, got a string$/],
    [{ cursor: 7 }, /^cursor: expected a string, got a number$/],
    [{ cursor: {} }, /^cursor: expected a string, got an object$/],
  ];
  for (const [fields, message] of cases) {
    assert.throws(
      () => buildRestRequest("listChannelMessages", { channelId: "2...room", ...fields } as never),
      (e) => HeraldError.is(e, "bad_input") && message.test(e.message),
      JSON.stringify(fields),
    );
  }
  assert.throws(
    () => buildRestRequest("getUsers", { ids: ["a", 1] } as never),
    (e) => HeraldError.is(e, "bad_input") && /^ids: expected a string, got a number$/.test(e.message),
  );
});

test("query strings with characters JSON escapes arrive as written", () => {
  const odd = ['quote " and \\ backslash', "line\nbreak", "é ü 中文 🎉", "a&b=c?d#e", "\u0001"];
  const parts = buildRestRequest("getUsers", { usernames: odd });
  const query = new URLSearchParams(parts.path.slice(parts.path.indexOf("?") + 1));
  assert.deepEqual(query.getAll("usernames"), odd);
  const parsed = parseRestRequest("getUsers", {}, query, undefined);
  assert.deepEqual(parsed.usernames, odd);
});

test("query numbers and booleans are written as their JSON text", () => {
  const parts = buildRestRequest("listChannelMessages", {
    channelId: "2...room",
    limit: -5,
    forward: true,
    cursor: "c",
  });
  assert.equal(parts.path, "/v2/channel/2...room?limit=-5&forward=true&cursor=c");
});
