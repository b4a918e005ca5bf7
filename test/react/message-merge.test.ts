import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelMessage } from "../../src/index.js";
import { mergeStretch, prependPage, type StretchChanges } from "../../src/react/message-merge.js";

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
