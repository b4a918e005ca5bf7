import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { PendingRequests } from "../../src/protocol/pending-requests.js";
import { timers } from "../helpers/event-loop.js";

describe("pending requests", () => {
  test("each request settles exactly once, whatever arrives after the first outcome", async () => {
    const pending = new PendingRequests();
    const outcomes: string[] = [];
    const a = pending.open("a", "pong", undefined, 1000);
    a.reply.then(
      (e) => outcomes.push(`a:${e?.kind}`),
      (e: HeraldError) => outcomes.push(`a:${e.code}`),
    );
    assert.equal(pending.settle(a.cid, { cid: a.cid, kind: "pong", body: {} }), true);
    assert.equal(pending.settle(a.cid, { cid: a.cid, kind: "pong", body: {} }), false);
    pending.reject(a.cid, new HeraldError("timeout", "late"));
    pending.rejectAll((what) => new HeraldError("disconnected", what));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(outcomes, ["a:pong"]);
    assert.equal(pending.size, 0);
  });

  test("an error reply rejects with the mapped code and a reply of the wrong kind with server_error", async () => {
    const pending = new PendingRequests();
    const a = pending.open("join", "channel", undefined, 1000);
    const b = pending.open("join", "channel", undefined, 1000);
    pending.settle(a.cid, {
      cid: a.cid,
      kind: "error",
      body: { code: 3, message: "Invalid channel type", context: {} },
    });
    pending.settle(b.cid, { cid: b.cid, kind: "pong", body: {} });
    await assert.rejects(a.reply, { code: "bad_input", serverCode: 3, message: "Invalid channel type" });
    await assert.rejects(b.reply, { code: "server_error" });
  });

  test("an error reply carrying herald's precise code in its context rejects with that code, keeping stock's number", async () => {
    const pending = new PendingRequests();
    const a = pending.open("join", "channel", undefined, 1000);
    const b = pending.open("join", "channel", undefined, 1000);
    pending.settle(a.cid, {
      cid: a.cid,
      kind: "error",
      body: {
        code: 3,
        message: "Group not found: Invalid channel target",
        context: { herald_code: "permission_denied" },
      },
    });
    // A precise code this SDK does not know falls back to stock's number.
    pending.settle(b.cid, {
      cid: b.cid,
      kind: "error",
      body: { code: 3, message: "Invalid channel type", context: { herald_code: "no_such_code" } },
    });
    await assert.rejects(a.reply, { code: "permission_denied", serverCode: 3 });
    await assert.rejects(b.reply, { code: "bad_input", serverCode: 3 });
  });

  test("cids are unique and settling clears every timer", async () => {
    const baseline = timers();
    const pending = new PendingRequests();
    const opened = Array.from({ length: 50 }, () => pending.open("ping", "pong", undefined, 60_000));
    assert.equal(new Set(opened.map((o) => o.cid)).size, 50);
    assert.equal(timers(), baseline + 50);
    for (const [i, o] of opened.entries()) {
      o.reply.catch(() => {});
      if (i % 2) pending.settle(o.cid, { cid: o.cid, kind: "pong", body: {} });
    }
    pending.rejectAll((what) => new HeraldError("disconnected", what));
    assert.equal(timers(), baseline);
    assert.equal(pending.size, 0);
  });

  test("each request keeps its own time limit", async () => {
    const baseline = timers();
    const pending = new PendingRequests();
    const outcomes: string[] = [];
    const opened = performance.now();
    const waited = new Map<string, number>();
    const track = (name: string, reply: Promise<unknown>) =>
      reply.then(
        () => outcomes.push(`${name}:ok`),
        (e: HeraldError) => {
          waited.set(name, performance.now() - opened);
          outcomes.push(`${name}:${e.code}`);
        },
      );
    // Opened in an order where a later request runs out first, and one never runs out.
    const slow = pending.open("slow", "pong", { timeoutMs: 80 }, 1000);
    const fast = pending.open("fast", "pong", { timeoutMs: 10 }, 1000);
    const answered = pending.open("answered", "pong", { timeoutMs: 10 }, 1000);
    const unlimited = pending.open("unlimited", "pong", { timeoutMs: 0 }, 1000);
    const timed = Promise.all([track("slow", slow.reply), track("fast", fast.reply)]);
    const all = Promise.all([timed, track("answered", answered.reply), track("unlimited", unlimited.reply)]);
    pending.settle(answered.cid, { cid: answered.cid, kind: "pong", body: {} });
    await timed;
    // The order holds however late a busy machine runs the timers; each limit is a lower bound
    // (a timer never fires early), so neither request ran out on the other's limit.
    assert.deepEqual(outcomes, ["answered:ok", "fast:timeout", "slow:timeout"]);
    assert.ok((waited.get("fast") ?? 0) >= 9, `fast ran out after ${waited.get("fast")} ms`);
    assert.ok((waited.get("slow") ?? 0) >= 79, `slow ran out after ${waited.get("slow")} ms`);
    // Only the request without a limit waits now, and nothing is timing it.
    assert.equal(pending.size, 1);
    assert.equal(timers(), baseline);
    pending.rejectAll((what) => new HeraldError("disconnected", what));
    await all;
    assert.deepEqual(outcomes.slice(3), ["unlimited:disconnected"]);
  });

  test("a timeout and an abort each reject once and leave nothing behind", async () => {
    const baseline = timers();
    const pending = new PendingRequests();
    const timed = pending.open("ping", "pong", { timeoutMs: 5 }, 1000);
    const controller = new AbortController();
    const aborted = pending.open("ping", "pong", { signal: controller.signal }, 1000);
    const outcomes = Promise.all([
      assert.rejects(timed.reply, { code: "timeout" }),
      assert.rejects(aborted.reply, { code: "aborted" }),
    ]);
    controller.abort();
    await outcomes;
    assert.equal(pending.settle(timed.cid, { cid: timed.cid, kind: "pong", body: {} }), false);
    assert.equal(pending.size, 0);
    assert.equal(timers(), baseline);
  });
});
