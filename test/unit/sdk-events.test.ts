import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { Emitter } from "../../src/events.js";

interface Events {
  tick: number;
  error: HeraldError;
}

describe("event emitter", () => {
  test("every listener of an event is called, in subscription order", () => {
    const hub = new Emitter<Events>();
    const calls: string[] = [];
    hub.on("tick", (n) => calls.push(`a${n}`));
    hub.on("tick", (n) => calls.push(`b${n}`));
    hub.emit("tick", 1);
    assert.deepEqual(calls, ["a1", "b1"]);
  });

  test("the same function subscribed twice is called twice and each unsubscribe removes one", () => {
    const hub = new Emitter<Events>();
    let count = 0;
    const fn = () => count++;
    const off1 = hub.on("tick", fn);
    hub.on("tick", fn);
    hub.emit("tick", 1);
    assert.equal(count, 2);
    off1();
    off1();
    hub.emit("tick", 2);
    assert.equal(count, 3);
    assert.equal(hub.listenerCount("tick"), 1);
  });

  test("a listener may unsubscribe itself or another while the event is being emitted", () => {
    const hub = new Emitter<Events>();
    const calls: string[] = [];
    const offA = hub.on("tick", () => {
      calls.push("a");
      offA();
      offB();
    });
    const offB = hub.on("tick", () => calls.push("b"));
    hub.emit("tick", 1);
    hub.emit("tick", 2);
    // b still runs in the emit that removed it (a snapshot is iterated), then never again.
    assert.deepEqual(calls, ["a", "b"]);
  });

  test("a listener that throws does not stop the others; the exception arrives as an error event", () => {
    const hub = new Emitter<Events>();
    const errors: HeraldError[] = [];
    hub.on("error", (e) => errors.push(e));
    hub.on("tick", () => {
      throw new TypeError("boom");
    });
    let reached = false;
    hub.on("tick", () => {
      reached = true;
    });
    hub.emit("tick", 1);
    assert.ok(reached);
    assert.equal(errors.length, 1);
    assert.ok(HeraldError.is(errors[0]));
    assert.ok(errors[0]?.cause instanceof TypeError);
  });

  test("an error listener that throws is dropped silently instead of looping", () => {
    const hub = new Emitter<Events>();
    let calls = 0;
    hub.on("error", () => {
      calls++;
      throw new Error("again");
    });
    hub.on("tick", () => {
      throw new Error("first");
    });
    hub.emit("tick", 1);
    assert.equal(calls, 1);
  });
});

describe("event iterator", () => {
  test("yields events in order, buffered while the reader is busy", async () => {
    const hub = new Emitter<Events>();
    const it = hub.events("tick");
    hub.emit("tick", 1);
    hub.emit("tick", 2);
    const pending = it.next();
    assert.deepEqual(await pending, { value: 1, done: false });
    assert.deepEqual(await it.next(), { value: 2, done: false });
    const waiting = it.next();
    hub.emit("tick", 3);
    assert.deepEqual(await waiting, { value: 3, done: false });
  });

  test("ends when its signal aborts, and unsubscribes", async () => {
    const hub = new Emitter<Events>();
    const controller = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const n of hub.events("tick", { signal: controller.signal })) seen.push(n);
    })();
    hub.emit("tick", 1);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await loop;
    assert.deepEqual(seen, [1]);
    assert.equal(hub.listenerCount("tick"), 0);
  });

  test("an already aborted signal gives an iterator that is done at once", async () => {
    const hub = new Emitter<Events>();
    const it = hub.events("tick", { signal: AbortSignal.abort() });
    hub.emit("tick", 1);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test("leaving a for-await loop unsubscribes the iterator", async () => {
    const hub = new Emitter<Events>();
    const got = (async () => {
      for await (const n of hub.events("tick")) return n;
      return -1;
    })();
    hub.emit("tick", 7);
    assert.equal(await got, 7);
    assert.equal(hub.listenerCount("tick"), 0);
  });

  test("overflowing the buffer throws overflow from the iterator", async () => {
    const hub = new Emitter<Events>();
    const it = hub.events("tick", { bufferSize: 2 });
    hub.emit("tick", 1);
    hub.emit("tick", 2);
    hub.emit("tick", 3);
    await assert.rejects(it.next(), (e: unknown) => HeraldError.is(e, "overflow"));
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal(hub.listenerCount("tick"), 0);
  });

  test("end() finishes every open iterator but keeps plain listeners", async () => {
    const hub = new Emitter<Events>();
    let plain = 0;
    hub.on("tick", () => plain++);
    const a = hub.events("tick");
    const b = hub.events("tick");
    const nextA = a.next();
    hub.end();
    assert.deepEqual(await nextA, { value: undefined, done: true });
    assert.deepEqual(await b.next(), { value: undefined, done: true });
    hub.emit("tick", 1);
    assert.equal(plain, 1);
  });
});
