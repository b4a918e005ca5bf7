import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelMessage } from "../../src/index.js";
import {
  mergeStretch,
  prependPage,
  reconcileShown,
  type StretchChanges,
} from "../../src/react/message-merge.js";

// Every message here is created in the same millisecond: only the lists' own order can place them.
const AT = new Date("2026-01-01T00:00:00.000Z");

function message(id: string, updated = AT): ChannelMessage {
  return {
    channelId: "c",
    messageId: id,
    code: 0,
    senderId: "u",
    username: "u",
    content: { id },
    createTime: AT,
    updateTime: updated,
    persistent: true,
    roomName: "r",
    groupId: "",
    userIdOne: "",
    userIdTwo: "",
    clientMsgId: "",
  };
}

const list = (...ids: string[]) => ids.map((id) => message(id));
const ids = (messages: readonly ChannelMessage[]) => messages.map((m) => m.messageId);
const none = (): StretchChanges<ChannelMessage> => ({
  arrived: new Set(),
  removed: new Set(),
  edited: new Map(),
});

test("a live message shown before the page holding it answers takes the page's place among same-millisecond ties", () => {
  // The server stored m1 then m2 in one millisecond; m2 was pushed live while the newest page
  // (m1, m2) was being read.
  const shown = list("m2");
  const merged = mergeStretch(shown, list("m1", "m2"), none());
  assert.deepEqual(ids(merged), ["m1", "m2"]);
});

test("shown messages after the last one the stretch holds go after it; older ones keep their place", () => {
  const shown = list("o1", "o2", "c1", "n1", "n2");
  const changes = { ...none(), arrived: new Set(["n1", "n2"]) };
  const merged = mergeStretch(shown, list("c1", "p1", "p2"), changes);
  assert.deepEqual(ids(merged), ["o1", "o2", "c1", "p1", "p2", "n1", "n2"]);
});

test("pushes that came late, behind newer stored messages, keep their place before the stretch", () => {
  // Caught up and live messages pushed while the newest page was read, older than that page.
  const shown = list("o1", "u1", "u2", "u3", "c1", "c2");
  const changes = { ...none(), arrived: new Set(["u1", "u2", "u3", "c1", "c2"]) };
  const merged = mergeStretch(shown, list("c1", "c2"), changes);
  assert.deepEqual(ids(merged), ["o1", "u1", "u2", "u3", "c1", "c2"]);
});

test("a stretch with no message in common goes after what was shown before the read, before what came since", () => {
  const shown = list("o1", "o2", "n1");
  const changes = { ...none(), arrived: new Set(["n1"]) };
  assert.deepEqual(ids(mergeStretch(shown, list("p1", "p2"), changes)), ["o1", "o2", "p1", "p2", "n1"]);
  // A push created before the stretch began came late: it is older than the stretch.
  const late = { ...message("l1"), createTime: new Date(AT.getTime() - 1) };
  const merged = mergeStretch([late], list("p1"), { ...none(), arrived: new Set(["l1"]) });
  assert.deepEqual(ids(merged), ["l1", "p1"]);
});

test("the server's order wins where the list shown disagrees with it", () => {
  const merged = mergeStretch(list("b", "a", "c"), list("a", "b", "c"), none());
  assert.deepEqual(ids(merged), ["a", "b", "c"]);
});

test("a message removed while the read was on its way stays out; the newest version of an edited one is kept", () => {
  const editedLive = message("b", new Date(AT.getTime() + 5));
  const editedPushed = message("c", new Date(AT.getTime() + 7));
  const shown = [message("a"), editedLive, message("c")];
  const read = [message("a"), message("b", new Date(AT.getTime() + 1)), message("c"), message("d")];
  const changes = { ...none(), removed: new Set(["d"]), edited: new Map([["c", editedPushed]]) };
  const merged = mergeStretch(shown, read, changes);
  assert.deepEqual(ids(merged), ["a", "b", "c"]);
  assert.equal(merged[1], editedLive, "the shown edit is newer than the one read");
  assert.equal(merged[2], editedPushed, "the edit pushed during the read replaces the one read");
  // A newer version read replaces an older one shown.
  const newer = message("a", new Date(AT.getTime() + 9));
  assert.equal(mergeStretch(list("a"), [newer], none())[0], newer);
});

test("an older page goes in front, without the messages shown or removed meanwhile", () => {
  const merged = prependPage(list("c", "d"), list("a", "b", "c"), new Set(["a"]));
  assert.deepEqual(ids(merged), ["b", "c", "d"]);
});

const at = (id: string, ms: number, updated = ms): ChannelMessage => ({
  ...message(id),
  createTime: new Date(AT.getTime() + ms),
  updateTime: new Date(AT.getTime() + updated),
});

test("a check against history replaces what was edited, leaves out what was removed, and keeps every other object", () => {
  const shown = [at("a", 1), at("b", 2), at("c", 3), at("d", 4)];
  const edited = { ...at("b", 2, 9), content: { id: "b2" } };
  // Newest first, as listed, down to the channel's first message: "b" edited, "c" removed.
  const checked = reconcileShown(shown, [at("d", 4), edited, at("a", 1)], true, none());
  assert.deepEqual(ids(checked), ["a", "b", "d"]);
  assert.equal(checked[0], shown[0]);
  assert.equal(checked[1], edited);
  assert.equal(checked[2], shown[3]);
  // Nothing changed: the very list shown.
  const same = [at("d", 4), at("c", 3), at("b", 2), at("a", 1)];
  assert.equal(reconcileShown(shown, same, true, none()), shown);
});

test("a check keeps what its listing cannot vouch for: older than it, of its oldest time, or never stored", () => {
  const unsent = { ...at("x", 6), persistent: false };
  const shown = [at("a", 1), at("b", 2), at("c", 2), at("d", 3), at("e", 5), unsent];
  // One page that does not reach the channel's first message; its oldest ("b") is of time 2, which
  // "c" shares: "c" may be on the next page. "d" is newer than the oldest listed, and not listed.
  const checked = reconcileShown(shown, [at("e", 5), at("b", 2)], false, none());
  assert.deepEqual(ids(checked), ["a", "b", "c", "e", "x"]);
  // An empty listing that is not the whole history vouches for nothing.
  assert.equal(reconcileShown(shown, [], false, none()), shown);
  // A complete one that is empty: every stored message shown was removed.
  assert.deepEqual(ids(reconcileShown(shown, [], true, none())), ["x"]);
});

test("a check leaves alone what was pushed while it read, and never goes back to an older version", () => {
  const pushedEdit = at("b", 2, 8);
  const shown = [at("a", 1, 7), pushedEdit, at("n", 9)];
  const changes = { ...none(), arrived: new Set(["n"]), edited: new Map([["b", pushedEdit]]) };
  // The listing was read before "n" was stored, and holds older versions of "a" and "b".
  const checked = reconcileShown(shown, [at("b", 2, 3), at("a", 1, 1)], true, changes);
  assert.equal(checked, shown);
});
