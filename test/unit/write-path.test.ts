import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError } from "../../src/index.js";
import { PendingRequests } from "../../src/protocol/pending-requests.js";
import type { OutboxEntry, OutboxStorage } from "../../src/resilience/index.js";
import { timers } from "../helpers/event-loop.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";

const pong = (cid: string) => ({ cid, kind: "pong" as const, body: {} });

describe("pending requests: the newest one waits outside the map", () => {
  test("replies settle the right request in any order, the newest first, last or between", async () => {
    const pending = new PendingRequests();
    const outcomes: string[] = [];
    const open = (name: string) => {
      const o = pending.open(name, "pong", undefined, 60_000);
      o.reply.then(
        () => outcomes.push(`${name}:ok`),
        (e: HeraldError) => outcomes.push(`${name}:${e.code}`),
      );
      return o;
    };
    const a = open("a");
    const b = open("b");
    const c = open("c");
    assert.equal(pending.size, 3);
    assert.equal(pending.settle(b.cid, pong(b.cid)), true);
    assert.equal(pending.settle(c.cid, pong(c.cid)), true, "the newest");
    assert.equal(pending.settle(c.cid, pong(c.cid)), false, "the newest settles once");
    assert.equal(pending.size, 1);
    // One opened after the newest settled becomes the newest in its turn.
    const d = open("d");
    assert.equal(pending.settle(a.cid, pong(a.cid)), true);
    assert.equal(pending.settle(d.cid, pong(d.cid)), true);
    assert.equal(pending.settle("no-such-cid", pong("no-such-cid")), false);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(outcomes, ["b:ok", "c:ok", "a:ok", "d:ok"]);
    assert.equal(pending.size, 0);
  });

  test("rejectAll reaches the newest request and the older ones, and clears every timer", async () => {
    const baseline = timers();
    const pending = new PendingRequests();
    const replies = ["x", "y", "z"].map((name) => pending.open(name, "pong", undefined, 60_000).reply);
    assert.equal(timers(), baseline + 3);
    pending.rejectAll((what) => new HeraldError("disconnected", `${what} gone`));
    const results = await Promise.allSettled(replies);
    assert.deepEqual(
      results.map((r) => (r.status === "rejected" ? (r.reason as HeraldError).message : "resolved")),
      ["x gone", "y gone", "z gone"],
    );
    assert.equal(pending.size, 0);
    assert.equal(timers(), baseline);
    // Nothing left to settle, and the table still works.
    const next = pending.open("later", "pong", undefined, 60_000);
    assert.equal(pending.settle(next.cid, pong(next.cid)), true);
    assert.equal((await next.reply)?.kind, "pong");
  });

  test("a time limit on an older request still fires after newer ones opened", async () => {
    const pending = new PendingRequests();
    const old = pending.open("old", "pong", { timeoutMs: 20 }, 60_000);
    const newer = pending.open("newer", "pong", { timeoutMs: 0 }, 60_000);
    await assert.rejects(old.reply, { code: "timeout" });
    assert.equal(pending.size, 1);
    assert.equal(pending.settle(newer.cid, pong(newer.cid)), true);
  });
});

/** A storage recording what it was given; `failAdd` makes `add` throw. */
class RecordingStorage implements OutboxStorage {
  readonly added: string[] = [];
  failAdd = false;
  load(): OutboxEntry[] {
    return [];
  }
  add(entry: OutboxEntry): void {
    if (this.failAdd) throw new Error("disk full");
    this.added.push(entry.clientMsgId);
  }
  remove(): void {}
}

describe("writeChatMessage", () => {
  test("rejects bad input, never throws, and leaves nothing in the outbox", async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const session = await signIn("ada");
    const socket = client.createSocket({ heartbeat: false });
    t.after(() => socket.disconnect());
    // Not connected: a rejection, not a throw.
    const closed = socket.writeChatMessage("2...room", { n: 1 });
    await assert.rejects(closed, { code: "disconnected" });
    await socket.connect(session);
    const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
    const calls: [string, () => Promise<unknown>][] = [
      ["empty channel id", () => socket.writeChatMessage("", { n: 1 })],
      ["content not plain", () => socket.writeChatMessage(room.id, new Map() as never)],
      ["content with a function", () => socket.writeChatMessage(room.id, { f: () => 1 })],
      ["options not an object", () => socket.writeChatMessage(room.id, { n: 1 }, 5 as never)],
    ];
    for (const [why, call] of calls) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = call();
      }, why);
      await assert.rejects(promise as Promise<unknown>, (e: unknown) => HeraldError.is(e, "bad_input"), why);
    }
    assert.equal(socket.outboxSize, 0);
    const ack = await socket.writeChatMessage(room.id, { n: 2 });
    assert.equal(ack.channelId, room.id);
    assert.equal(typeof ack.messageId, "string");
  });

  test("an aborted write is not stored; a storage that throws rejects with a HeraldError and keeps no timer", async (t) => {
    const { client, signIn } = await serverWithClient(t);
    const session = await signIn("ada");
    const storage = new RecordingStorage();
    const socket = client.createSocket({ heartbeat: false, outbox: { storage } });
    t.after(() => socket.disconnect());
    await socket.connect(session);
    const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);

    const controller = new AbortController();
    controller.abort();
    await assert.rejects(socket.writeChatMessage(room.id, { n: 1 }, { signal: controller.signal }), {
      code: "aborted",
    });
    assert.deepEqual(storage.added, [], "an aborted write is never stored");
    assert.equal(socket.outboxSize, 0);

    const baseline = timers();
    storage.failAdd = true;
    await assert.rejects(
      socket.writeChatMessage(room.id, { n: 2 }, { timeoutMs: 60_000 }),
      (e: unknown) => HeraldError.is(e) && /disk full/.test(e.message),
    );
    assert.equal(timers(), baseline, "the write's time limit was cleared");
    assert.equal(socket.outboxSize, 0);

    storage.failAdd = false;
    const ack = await socket.writeChatMessage(room.id, { n: 3 }, { clientMsgId: "kept-3" });
    assert.equal(ack.clientMsgId, "kept-3");
    assert.deepEqual(storage.added, ["kept-3"]);
  });
});
