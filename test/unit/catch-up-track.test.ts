import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelMessage } from "../../src/gen/model.js";
import { mark, newTrack, notDelivered } from "../../src/socket/catch-up-track.js";

// What a catch-up delivers of the messages it read back when no mark was left in history (every
// marked message removed meanwhile): none twice, and a gap for those it cannot tell.

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const message = (messageId: string, ms: number) => ({ messageId, createTime: at(ms) }) as ChannelMessage;
const ids = (messages: ChannelMessage[]) => messages.map((m) => m.messageId);

test("of those stored in the millisecond last marked, only the ones never marked are delivered", () => {
  const track = newTrack(true, undefined, undefined);
  for (const id of ["a", "b", "c"]) mark(track, id, at(5));
  const read = [message("a", 5), message("missed", 5), message("later", 6)];
  const [missed, unsure] = notDelivered(track, read, false);
  assert.deepEqual(ids(missed), ["missed", "later"]);
  assert.equal(unsure, false);
});

test("a message stored before the latest time marked, delivered out of time order, is left out with a gap", () => {
  const track = newTrack(true, "a", at(5));
  mark(track, "b", at(9));
  mark(track, "c", at(7));
  const read = [message("unknown", 8), message("b", 9), message("later", 10)];
  const [missed, unsure] = notDelivered(track, read, false);
  assert.deepEqual(ids(missed), ["later"]);
  assert.equal(unsure, true);
});

test("a read that stopped at a mark, or a channel never marked, delivers all it read but what was marked", () => {
  const read = [message("y", 0), message("z", 2)];
  const marked = newTrack(true, "x", at(1));
  assert.deepEqual(notDelivered(marked, read, true), [read, false]);
  assert.deepEqual(notDelivered(newTrack(true, undefined, undefined), read, false), [read, false]);
  assert.deepEqual(ids(notDelivered(marked, [message("x", 1), ...read], true)[0]), ["y", "z"]);
});

test("a later time starts the ids marked anew", () => {
  const track = newTrack(true, "a", at(5));
  mark(track, "b", at(6));
  assert.deepEqual([...track.topIds], ["b"]);
  assert.equal(track.top, at(6).getTime());
});

test("the ids kept for one millisecond are bounded: past them, one is delivered again rather than kept", () => {
  // A server clock set back (or a cluster node's clock ahead) stores every message at the time of
  // the newest one for as long as it lags: many messages, one millisecond.
  const track = newTrack(true, undefined, undefined);
  for (let n = 0; n < 5000; n++) mark(track, `m${n}`, at(5));
  assert.ok(track.topIds.size <= 1000, `${track.topIds.size} ids kept`);
  // None is left out: those not kept come again, as before the ids were kept at all.
  const read = [message("m0", 5), message("m4999", 5), message("missed", 5)];
  const [missed, unsure] = notDelivered(track, read, false);
  assert.deepEqual(ids(missed), ["m4999", "missed"]);
  assert.equal(unsure, false);
});
