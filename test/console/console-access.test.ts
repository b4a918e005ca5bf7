import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EnvelopeInit } from "../../src/gen/wire.js";
import {
  DEFAULT_CONSOLE_CREDENTIAL,
  isLoopbackHost,
  resolveConsoleAccess,
} from "../../src/server/console/console-options.js";
import type { ObservedSession } from "../../src/server/console/console-tap.js";
import { EnvelopeLog } from "../../src/server/console/envelope-log.js";
import { matchesFilter } from "../../src/server/console/inspector-entry.js";

describe("console access", () => {
  test("loopback addresses are told apart from the others", () => {
    for (const host of [
      "127.0.0.1",
      "127.8.9.10",
      "::1",
      "[::1]",
      "localhost",
      "app.localhost",
      "::ffff:127.0.0.1",
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      "0.0.0.0",
      "::",
      "192.168.1.4",
      "10.0.0.1",
      "example.com",
      "::ffff:10.0.0.1",
      "128.0.0.1",
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  test("the default credential is used on loopback only; a set one works anywhere", () => {
    assert.deepEqual(resolveConsoleAccess("127.0.0.1", {}), {
      enabled: true,
      credential: DEFAULT_CONSOLE_CREDENTIAL,
      isDefault: true,
    });
    const off = resolveConsoleAccess("0.0.0.0", {});
    assert.equal(off.enabled, false);
    assert.deepEqual(resolveConsoleAccess("0.0.0.0", { credential: "long-enough" }), {
      enabled: true,
      credential: "long-enough",
      isDefault: false,
    });
    // An empty string is "not set", not a credential.
    assert.equal(resolveConsoleAccess("0.0.0.0", { credential: "" }).enabled, false);
  });
});

function observed(userId: string, username: string): ObservedSession {
  return {
    id: `s-${userId}`,
    userId,
    username,
    status: undefined,
    follows: new Set(),
    channels: new Map(),
    codec: { format: "json" },
  };
}

describe("the inspector's envelope log", () => {
  const ada = observed("a1", "ada");
  const grace = observed("g1", "grace");

  test("a broadcast's writes to each member make one entry listing the recipients", () => {
    const log = new EnvelopeLog(10);
    const envelope: EnvelopeInit = {
      kind: "channelPresenceEvent",
      body: { channelId: "2...lobby", joins: [], leaves: [] },
    };
    const out = { envelope };
    assert.equal(log.sent(ada, out), true);
    assert.equal(log.sent(grace, out), false);
    const [entry] = log.since(0);
    assert.equal(entry?.sessionCount, 2);
    assert.deepEqual(
      entry?.users.map((u) => u.username),
      ["ada", "grace"],
    );
    assert.equal(entry?.channelId, "2...lobby");
    assert.match(entry?.wire ?? "", /"channel_presence_event"/);
  });

  test("the ring keeps the newest entries and numbers them so a viewer can ask for what is new", () => {
    const log = new EnvelopeLog(3);
    for (let i = 0; i < 5; i++) log.received(ada, { cid: String(i), kind: "ping", body: {} });
    assert.deepEqual(
      log.since(0).map((e) => e.cid),
      ["2", "3", "4"],
    );
    assert.deepEqual(
      log.since(4).map((e) => e.seq),
      [5],
    );
    // A viewer that fell behind gets the newest entries only.
    assert.deepEqual(
      log.since(0, 2).map((e) => e.seq),
      [4, 5],
    );
  });

  test("filters match users by name or id and channels by id or join target, ignoring case", () => {
    const log = new EnvelopeLog(10);
    log.received(ada, { cid: "1", kind: "channelJoin", body: { target: "Lobby", type: 1 } });
    log.received(grace, { cid: "2", kind: "channelLeave", body: { channelId: "2...lobby" } });
    const [join, leave] = log.since(0);
    assert.ok(join && leave);
    assert.equal(matchesFilter(join, { user: "ADA" }), true);
    assert.equal(matchesFilter(join, { user: "g1" }), false);
    assert.equal(matchesFilter(join, { channel: "lobby" }), true);
    assert.equal(matchesFilter(leave, { channel: "lobby", user: "grace" }), true);
    assert.equal(matchesFilter(leave, { channel: "other" }), false);
  });
});
