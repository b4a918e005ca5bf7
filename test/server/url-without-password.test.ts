import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDatabase } from "../../src/server/storage/open-storage.js";
import { urlWithoutPassword } from "../../src/server/url-without-password.js";

test("a service URL's password is never shown, and the rest of it is", () => {
  assert.equal(
    urlWithoutPassword("redis://:s3cret@cache.internal:6380/2", "redis"),
    "redis://:***@cache.internal:6380/2",
  );
  assert.equal(urlWithoutPassword("redis://cache.internal:6380", "redis"), "redis://cache.internal:6380");
  assert.equal(urlWithoutPassword("not a url s3cret", "redis"), "redis");
  assert.equal(
    describeDatabase("postgres://app:s3cret@db.internal:5432/herald"),
    "postgres://app:***@db.internal:5432/herald",
  );
  assert.equal(
    describeDatabase({ url: "postgresql://app@db.internal/herald" }),
    "postgresql://app@db.internal/herald",
  );
  assert.equal(describeDatabase("postgres://app:s3cret@[bad"), "postgres://(unreadable URL)");
  assert.equal(describeDatabase("data/herald.db"), "data/herald.db");
});
