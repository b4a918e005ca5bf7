// The wait over a "not now" refusal (rate limit, busy server) that restore and catch-up share.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { retryForNow } from "../../src/socket/retry-for-now.js";

const refusal = () => HeraldError.fromServer(14, "busy"); // gRPC UNAVAILABLE: refused for now

test("a refusal for now is run again until it succeeds", async () => {
  let runs = 0;
  const result = await retryForNow(async () => {
    runs++;
    if (runs < 2) throw refusal();
    return "done";
  }, new AbortController().signal);
  assert.equal(result, "done");
  assert.equal(runs, 2);
});

test("stopped while waiting: the last refusal is thrown and nothing more is run", async (t) => {
  // The wait is drawn with full jitter from [0, 250) ms: drawn near its top, it outlasts the 10 ms
  // before the stop (a draw under 10 ms ran the request again, 1 run in 25).
  t.mock.method(Math, "random", () => 0.99);
  const stop = new AbortController();
  let runs = 0;
  const first = refusal();
  const waiting = retryForNow(async () => {
    runs++;
    // Stopped during the wait that follows this refusal.
    setTimeout(() => stop.abort(), 10);
    throw runs === 1 ? first : refusal();
  }, stop.signal);
  await assert.rejects(waiting, (e) => e === first);
  assert.equal(runs, 1);
});

test("a refusal that is not for now is thrown at once", async () => {
  let runs = 0;
  const denied = HeraldError.fromServer(7, "permission denied");
  await assert.rejects(
    retryForNow(async () => {
      runs++;
      throw denied;
    }, new AbortController().signal),
    (e) => e === denied,
  );
  assert.equal(runs, 1);
});
