// The receivers' order keeper for publishes on a Redis Cluster: each sender's publishes on a channel
// are handed on in the order the sender stamped them, second copies dropped, a missing one waited
// for a bounded time; unstamped messages pass as they are.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PublishOrder } from "../../src/server/cluster/publish-order.js";
import { PublishStamper, readStamp, STAMPED } from "../../src/server/cluster/publish-stamp.js";

const room = Buffer.from("herald:r:channel:a");
const other = Buffer.from("herald:r:channel:b");

/** An order keeper and what it handed on, as `channel=payload` strings. */
function receiver(options: { gapMs?: number; maxWaiting?: number } = {}) {
  const got: string[] = [];
  const order = new PublishOrder((channel, payload) => got.push(`${channel.toString()}=${payload}`), options);
  return { got, order };
}

const until = async (check: () => boolean) => {
  for (let waited = 0; !check() && waited < 5000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("cluster: publishes put back in their sender's order", () => {
  test("a stamp reads back as written, and the payload is untouched", () => {
    const stamper = new PublishStamper();
    const first = stamper.stamp(room.toString(), Buffer.from("one"));
    const second = stamper.stamp(room.toString(), Buffer.from("two"));
    assert.equal(first[0], STAMPED);
    const a = readStamp(first);
    const b = readStamp(second);
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(a.sender, b.sender);
    assert.deepEqual([a.seq, a.prev, a.payload.toString()], [1, 0, "one"]);
    assert.deepEqual([b.seq, b.prev, b.payload.toString()], [2, 1, "two"]);
    assert.equal(readStamp(Buffer.from([1, 0, 0, 0, 2])), undefined, "a cluster message is not a stamp");
    assert.equal(readStamp(Buffer.from([STAMPED, 1, 2])), undefined, "a cut stamp is not one either");
  });

  test("unstamped messages (a single Redis) pass as they come", () => {
    const { got, order } = receiver();
    order.receive(room, Buffer.from("b"));
    order.receive(room, Buffer.from("a"));
    assert.deepEqual(got, [`${room}=b`, `${room}=a`]);
  });

  test("one that comes before the one sent before it waits for it, then both go in order", () => {
    const stamper = new PublishStamper();
    const [one, two, three] = ["1", "2", "3"].map((p) => stamper.stamp(room.toString(), Buffer.from(p)));
    const { got, order } = receiver({ gapMs: 60_000 });
    order.receive(room, one as Buffer);
    order.receive(room, three as Buffer);
    assert.deepEqual(got, [`${room}=1`], "3 waits for 2");
    order.receive(room, two as Buffer);
    assert.deepEqual(got, [`${room}=1`, `${room}=2`, `${room}=3`]);
    order.reset();
  });

  test("a second copy (sent again after a broken connection) is dropped", () => {
    const stamper = new PublishStamper();
    const [one, two] = ["1", "2"].map((p) => stamper.stamp(room.toString(), Buffer.from(p)));
    const { got, order } = receiver();
    for (const data of [one, two, one, two]) order.receive(room, data as Buffer);
    assert.deepEqual(got, [`${room}=1`, `${room}=2`]);
    assert.equal(order.dropped, 2);
  });

  test("a missing one is waited for at most gapMs; if it comes later it is dropped", async () => {
    const stamper = new PublishStamper();
    const [one, two, three, four] = ["1", "2", "3", "4"].map((p) =>
      stamper.stamp(room.toString(), Buffer.from(p)),
    );
    const { got, order } = receiver({ gapMs: 20 });
    order.receive(room, one as Buffer);
    order.receive(room, three as Buffer);
    order.receive(room, four as Buffer);
    assert.deepEqual(got, [`${room}=1`]);
    await until(() => got.length === 3);
    assert.deepEqual(got, [`${room}=1`, `${room}=3`, `${room}=4`], "3 and 4 went on without 2");
    order.receive(room, two as Buffer);
    assert.deepEqual(got, [`${room}=1`, `${room}=3`, `${room}=4`], "2, too late, is not handed on");
    assert.equal(order.dropped, 1);
  });

  test("each sender and each channel is ordered on its own", () => {
    const ada = new PublishStamper();
    const bob = new PublishStamper();
    const { got, order } = receiver({ gapMs: 60_000 });
    const a1 = ada.stamp(room.toString(), Buffer.from("a1"));
    const a2 = ada.stamp(room.toString(), Buffer.from("a2"));
    const b1 = bob.stamp(room.toString(), Buffer.from("b1"));
    const b2 = bob.stamp(room.toString(), Buffer.from("b2"));
    const x1 = ada.stamp(other.toString(), Buffer.from("x1"));
    order.receive(room, a1);
    order.receive(room, b1);
    order.receive(room, b2);
    // ada's a2 is late: bob's and ada's other channel do not wait for it.
    order.receive(other, x1);
    assert.deepEqual(got, [`${room}=a1`, `${room}=b1`, `${room}=b2`, `${other}=x1`]);
    order.receive(room, a2);
    assert.equal(got.at(-1), `${room}=a2`);
    order.reset();
  });

  test("a receiver of one channel never waits for the sender's publishes on another", () => {
    const stamper = new PublishStamper();
    const { got, order } = receiver({ gapMs: 60_000 });
    order.receive(room, stamper.stamp(room.toString(), Buffer.from("1")));
    stamper.stamp(other.toString(), Buffer.from("elsewhere"));
    order.receive(room, stamper.stamp(room.toString(), Buffer.from("2")));
    assert.deepEqual(got, [`${room}=1`, `${room}=2`]);
  });

  test("after the sender gives one up, the next is not held back by it", () => {
    const stamper = new PublishStamper();
    const { got, order } = receiver({ gapMs: 60_000 });
    order.receive(room, stamper.stamp(room.toString(), Buffer.from("1")));
    stamper.stamp(room.toString(), Buffer.from("lost"));
    stamper.forget(room.toString());
    order.receive(room, stamper.stamp(room.toString(), Buffer.from("3")));
    assert.deepEqual(got, [`${room}=1`, `${room}=3`]);
  });

  test("past maxWaiting, the waiting ones go on at once, in order", () => {
    const stamper = new PublishStamper();
    const all = Array.from({ length: 6 }, (_, i) => stamper.stamp(room.toString(), Buffer.from(String(i))));
    const { got, order } = receiver({ gapMs: 60_000, maxWaiting: 3 });
    order.receive(room, all[0] as Buffer);
    for (const i of [5, 3, 2]) order.receive(room, all[i] as Buffer);
    assert.deepEqual(got, [`${room}=0`]);
    order.receive(room, all[4] as Buffer);
    assert.deepEqual(
      got,
      [0, 2, 3, 4, 5].map((i) => `${room}=${i}`),
      "1 is given up",
    );
  });

  test("after the node stops listening to a channel, its next publishes there are not held back", () => {
    const stamper = new PublishStamper();
    const all = Array.from({ length: 5 }, (_, i) => stamper.stamp(room.toString(), Buffer.from(String(i))));
    const { got, order } = receiver({ gapMs: 60_000 });
    order.receive(room, all[0] as Buffer);
    order.receive(room, all[2] as Buffer);
    // The last local member left: what waits goes on, and 3 (published meanwhile) never comes.
    order.forget(room.toString());
    assert.deepEqual(got, [`${room}=0`, `${room}=2`]);
    order.receive(room, all[4] as Buffer);
    assert.deepEqual(got, [`${room}=0`, `${room}=2`, `${room}=4`]);
  });

  test("a reset (the subscription was lost) hands on what waits and forgets every sender", () => {
    const stamper = new PublishStamper();
    const all = Array.from({ length: 5 }, (_, i) => stamper.stamp(room.toString(), Buffer.from(String(i))));
    const { got, order } = receiver({ gapMs: 60_000 });
    order.receive(room, all[0] as Buffer);
    order.receive(room, all[2] as Buffer);
    order.reset();
    assert.deepEqual(got, [`${room}=0`, `${room}=2`]);
    // What was published while it was away never comes: the next one is not held back.
    order.receive(room, all[4] as Buffer);
    assert.deepEqual(got, [`${room}=0`, `${room}=2`, `${room}=4`]);
  });
});
