// Bringing a session back from storage, as a new app does on its first launch (nothing stored)
// or with a corrupted store: a typed refusal, never a TypeError.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError, Session } from "../../src/index.js";

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

const isBadInput = (pattern: RegExp) => (e: unknown) =>
  HeraldError.is(e, "bad_input") && pattern.test(e.message);

describe("Session.restore with what storage hands back", () => {
  test("null, undefined or a non-string token is refused with bad_input, not a TypeError", () => {
    for (const token of [null, undefined, 5, {}]) {
      assert.throws(() => Session.restore(token as never, ""), isBadInput(/session token is not a JWT/));
    }
  });

  test("a refresh token that is not a string is refused with bad_input", () => {
    const token = jwt({ uid: "u", exp: Math.floor(Date.now() / 1000) + 60 });
    assert.throws(() => Session.restore(token, 5 as never), isBadInput(/refresh token is not a JWT/));
  });

  test("an expiry beyond what a Date holds is refused rather than read as never expiring", () => {
    assert.throws(() => Session.restore(jwt({ exp: 1e300 }), ""), isBadInput(/no expiry/));
  });
});
