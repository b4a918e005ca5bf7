// The console's stored-message counts against the real message table (an SQLite file, or
// PostgreSQL with HERALD_TEST_DB=postgres), with pushes arriving where the server's own may: in the
// same turn as a read, while a slow read runs, after it. Each count must come out exact once quiet.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ChannelType, type UserPresenceInit } from "../../src/gen/wire.js";
import { ChannelMessageCode } from "../../src/index.js";
import { ConsoleState } from "../../src/server/console/console-state.js";
import { createJsonLogger } from "../../src/server/logger.js";
import { ChannelRegistry } from "../../src/server/services/channel-registry.js";
import { Chat } from "../../src/server/services/chat.js";
import { Notifier } from "../../src/server/services/notifier.js";
import type { Outgoing } from "../../src/server/services/outgoing.js";
import type { Membership, Peer } from "../../src/server/services/peer.js";
import { PeerRegistry } from "../../src/server/services/peer-registry.js";
import { Visibility } from "../../src/server/services/visibility.js";
import type { AsyncStorage } from "../../src/server/storage/async-storage.js";
import { type MessageRow, messageToWire } from "../../src/server/storage/messages.js";
import { openStorage } from "../../src/server/storage/open-storage.js";
import { newMessage } from "../cluster/storage-conformance.js";
import { testDatabase, testEngine } from "../helpers/test-db.js";

/** A fresh message table of the engine under test, closed (and its file removed) after the test. */
async function freshStorage(t: { after(fn: () => Promise<void>): void }): Promise<AsyncStorage> {
  if (testEngine === "postgres") {
    const storage = await openStorage(await testDatabase());
    t.after(() => storage.close());
    return storage;
  }
  const dir = await mkdtemp(path.join(tmpdir(), "herald-console-counts-"));
  const storage = await openStorage(path.join(dir, "herald.db"));
  t.after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });
  return storage;
}

/**
 * Reads of the message table as the console makes them, counted; while `hold()` is in force, a
 * read takes its answer at once (so what it counts is fixed) but hands it over only on `release()`.
 */
function countingReads(storage: AsyncStorage) {
  const reads = { busiest: 0, single: 0 };
  let gate: { answered: () => void; released: Promise<void> } | undefined;
  const held = async <T>(read: Promise<T>): Promise<T> => {
    const answer = await read;
    const g = gate;
    if (g !== undefined) {
      g.answered();
      await g.released;
    }
    return answer;
  };
  return {
    reads,
    messages: {
      count: (channelId: string) => {
        reads.single += 1;
        return held(storage.messages.count(channelId));
      },
      busiestChannels: (limit: number) => {
        reads.busiest += 1;
        return held(storage.messages.busiestChannels(limit));
      },
      before: (channelId: string, seq: number, limit: number) =>
        storage.messages.before(channelId, seq, limit),
    },
    /** Holds the next reads' answers; resolves `answered` once one has its answer. */
    hold() {
      let answered!: () => void;
      let release!: () => void;
      const answeredP = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      gate = { answered, released };
      return {
        answered: answeredP,
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
  };
}

function consoleOver(messages: ReturnType<typeof countingReads>["messages"]): ConsoleState {
  return new ConsoleState({
    sessions: { all: () => [] },
    channels: { get: () => undefined },
    visibility: { isInvisible: () => false },
    users: { byId: async () => undefined },
    groups: { byId: async () => undefined },
    messages,
    serverKey: "defaultkey",
    version: "test",
  });
}

const ROOM = "2...counted";

/** What the server does once a send has committed: push it to the members, the console seeing it. */
function pushed(state: ConsoleState, row: MessageRow): void {
  state.messagePushed({ ...messageToWire(row), persistent: true }, row.seq);
}

/** What the server does once a removal has committed: push a code 2 message (it carries no seq). */
function removalPushed(state: ConsoleState, row: MessageRow): void {
  state.messagePushed({ ...messageToWire(row), code: ChannelMessageCode.ChatRemove, persistent: true });
}

async function sent(storage: AsyncStorage, state: ConsoleState): Promise<MessageRow> {
  const { row } = await storage.messages.insert(newMessage(ROOM, "sender", "", Date.now()));
  pushed(state, row);
  return row;
}

async function storedCount(state: ConsoleState): Promise<number | undefined> {
  return (await state.snapshot()).channels.find((c) => c.channelId === ROOM)?.storedMessages;
}

test("a snapshot requested in the same turn as a send counts the message once", async (t) => {
  const storage = await freshStorage(t);
  const { messages } = countingReads(storage);
  const state = consoleOver(messages);
  // Queued for commit; the snapshot's read comes in the same turn, and commits it first.
  const inserting = storage.messages.insert(newMessage(ROOM, "sender", "", Date.now()));
  const first = state.snapshot();
  const { row } = await inserting;
  await first;
  // Its push comes after the read (a delivery waits for the sends before it).
  pushed(state, row);
  assert.equal(await storedCount(state), 1);
});

test("sends committed and pushed while a slow read runs are counted, once each", async (t) => {
  const storage = await freshStorage(t);
  const { messages, hold } = countingReads(storage);
  const state = consoleOver(messages);
  await sent(storage, state);
  const gate = hold();
  const slow = state.snapshot();
  // The read has counted one message; three more are sent before it hands its answer over.
  await gate.answered;
  for (let i = 0; i < 3; i++) await sent(storage, state);
  gate.release();
  // Already in the answer of the read they overtook, and in every snapshot after.
  assert.equal((await slow).channels.find((c) => c.channelId === ROOM)?.storedMessages, 4);
  assert.equal(await storedCount(state), 4);
  // One more once the read is done.
  await sent(storage, state);
  assert.equal(await storedCount(state), 5);
});

test("a send committed before a read and pushed during it is not counted twice", async (t) => {
  const storage = await freshStorage(t);
  const { messages, hold } = countingReads(storage);
  const state = consoleOver(messages);
  await sent(storage, state);
  const { row } = await storage.messages.insert(newMessage(ROOM, "sender", "", Date.now()));
  const gate = hold();
  const slow = state.snapshot();
  await gate.answered;
  pushed(state, row);
  gate.release();
  await slow;
  assert.equal(await storedCount(state), 2);
});

test("a removal pushed during or after the read that saw it leaves the count exact", async (t) => {
  const storage = await freshStorage(t);
  const { messages, hold } = countingReads(storage);
  const state = consoleOver(messages);
  const rows: MessageRow[] = [];
  for (let i = 0; i < 4; i++) rows.push(await sent(storage, state));
  const [a, b] = rows as [MessageRow, MessageRow];
  // Removed while a slow read runs (after it counted): the read still has it.
  const gate = hold();
  const slow = state.snapshot();
  await gate.answered;
  await storage.messages.delete(a.seq);
  removalPushed(state, a);
  gate.release();
  await slow;
  assert.equal(await storedCount(state), 3);
  // Removed before a read, its push coming after that read: the read already left it out.
  await storage.messages.delete(b.seq);
  const fresh = consoleOver(messages);
  assert.equal(await storedCount(fresh), 2);
  removalPushed(fresh, b);
  assert.equal(await storedCount(fresh), 2);
});

test("pushed messages are added without reading the table again", async (t) => {
  const storage = await freshStorage(t);
  const { messages, reads } = countingReads(storage);
  const state = consoleOver(messages);
  await sent(storage, state);
  assert.equal(await storedCount(state), 1);
  for (let i = 2; i <= 20; i++) {
    await sent(storage, state);
    assert.equal(await storedCount(state), i);
  }
  assert.deepEqual(reads, { busiest: 1, single: 0 });
});

test("the server's pushes carry a stored message's seq to the console, and a removal's none", async (t) => {
  const storage = await freshStorage(t);
  const ada = await storage.users.create({ username: "ada" });
  const chat = new Chat({
    users: storage.users,
    friends: storage.friends,
    groups: storage.groups,
    messages: storage.messages,
    channels: new ChannelRegistry(),
    notifier: new Notifier(storage.notifications, new PeerRegistry()),
    hooks: {},
    logger: createJsonLogger("silent"),
    hookTimeoutMs: 1000,
    visibility: new Visibility(storage.users),
    clientMsgIds: true,
  });
  const sent: Outgoing[] = [];
  const member: Peer = {
    id: "ada-session",
    userId: ada.id,
    username: "ada",
    vars: {},
    status: undefined,
    follows: new Set<string>(),
    channels: new Map<string, Membership>(),
    send(out: Outgoing) {
      sent.push(out);
    },
    presence: (persistence: boolean): UserPresenceInit => ({
      userId: ada.id,
      sessionId: "ada-session",
      username: "ada",
      persistence,
    }),
  };
  const joined = await chat.join(member, { target: "counted", type: ChannelType.Room });
  joined.after();
  const channelId = joined.reply.id ?? "";
  const ack = await chat.send(member, {
    channelId,
    content: JSON.stringify({ text: "hi" }),
    clientMsgId: "",
  });
  const row = await storage.messages.byId(channelId, ack.messageId ?? "");
  assert.ok(row, "the message is stored");
  await chat.remove(member, { channelId, messageId: row.id });
  assert.deepEqual(
    sent
      .filter((out) => out.envelope.kind === "channelMessage")
      .map((out) => [(out.envelope.body as { code?: number }).code ?? 0, out.storedSeq]),
    [
      [ChannelMessageCode.Chat, row.seq],
      [ChannelMessageCode.ChatRemove, undefined],
    ],
  );
});
