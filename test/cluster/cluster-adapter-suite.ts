// The cluster adapter contract, written once and run against every adapter (cluster-adapter.test.ts).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import {
  type ClusterAdapter,
  type ClusterMessage,
  channelStream,
  type Room,
  statusStream,
} from "../../src/server/cluster/cluster-adapter.js";

/** Resolves with the next `message` event of `node` matching `pick`; fails after `ms`. */
export function nextMessage(
  node: ClusterAdapter,
  pick: (room: Room, message: ClusterMessage) => boolean = () => true,
  ms = 10_000,
): Promise<{ room: Room; message: ClusterMessage }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`node ${node.nodeId} got no matching message within ${ms} ms`));
    }, ms);
    const off = node.on("message", (room, message) => {
      if (!pick(room, message)) return;
      clearTimeout(timer);
      off();
      resolve({ room, message });
    });
  });
}

/** Collects every message `node` receives until the returned function is called. */
export function record(node: ClusterAdapter): {
  messages: { room: Room; message: ClusterMessage }[];
  stop(): void;
} {
  const messages: { room: Room; message: ClusterMessage }[] = [];
  const stop = node.on("message", (room, message) => messages.push({ room, message }));
  return { messages, stop };
}

const presence = (userId: string, extra: { hidden?: boolean; status?: string; changedAt?: number } = {}) => ({
  sessionId: randomUUID(),
  userId,
  username: `u-${userId.slice(0, 6)}`,
  hidden: extra.hidden ?? false,
  changedAt: extra.changedAt ?? Date.now(),
  ...(extra.status === undefined ? {} : { status: extra.status }),
});

/**
 * Registers the shared tests. `nodes(n)` starts `n` connected nodes of one cluster (closed by the
 * test through the returned close function).
 */
export function clusterAdapterSuite(
  name: string,
  nodes: (n: number) => Promise<{ nodes: ClusterAdapter[]; close(): Promise<void> }>,
  skip?: string,
): void {
  describe(`cluster adapter: ${name}`, { skip }, () => {
    const withNodes = (title: string, n: number, fn: (nodes: ClusterAdapter[]) => Promise<void>) =>
      test(title, async () => {
        const cluster = await nodes(n);
        try {
          await fn(cluster.nodes);
        } finally {
          await cluster.close();
        }
      });

    withNodes(
      "a turn's burst of broadcasts on several rooms reaches another node whole and in order",
      2,
      async ([a, b]) => {
        if (!a || !b) throw new Error("two nodes expected");
        const one = channelStream(`2...${randomUUID()}`);
        const two = statusStream(randomUUID());
        await b.subscribe(one);
        await b.subscribe(two);
        const got = record(b);
        try {
          // Runs of one room (which may leave as one publish) broken by the other room, in one turn.
          const sent: [Room, number][] = [];
          const rooms = [one, one, one, two, one, one, two, two, one];
          // Then many publishes, each its own (the rooms alternate), as a busy node makes them.
          for (let i = 0; i < 40; i++) rooms.push(i % 2 ? one : two);
          for (const [i, room] of rooms.entries()) {
            a.publish(room, { kind: "frame", bytes: new Uint8Array([i, 255 - i]) });
            sent.push([room, i]);
          }
          for (let waited = 0; got.messages.length < sent.length && waited < 5000; waited += 10) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
          const arrived = got.messages.map(({ room, message }): [Room, number | undefined] => [
            room,
            message.kind === "frame" ? message.bytes?.[0] : undefined,
          ]);
          assert.deepEqual(arrived, sent, "every broadcast once, in publish order");
          for (const { message } of got.messages) {
            assert.ok(message.kind === "frame" && message.bytes?.[1] === 255 - (message.bytes?.[0] ?? 0));
          }
        } finally {
          got.stop();
        }
      },
    );

    withNodes(
      "a broadcast reaches each other node with members once, never its publisher",
      3,
      async ([a, b, c]) => {
        if (!a || !b || !c) throw new Error("three nodes expected");
        const room = channelStream(`2...${randomUUID()}`);
        // b has two local members, c has none: b gets it once, c not at all.
        await a.subscribe(room);
        await b.subscribe(room);
        await b.subscribe(room);
        const onA = record(a);
        const onB = record(b);
        const onC = record(c);
        const frame = new Uint8Array([1, 2, 3, 250]);
        const got = nextMessage(b);
        a.publish(room, { kind: "frame", bytes: frame, exceptUser: "u1" });
        const { room: at, message } = await got;
        assert.equal(at, room);
        assert.equal(message.kind, "frame");
        if (message.kind === "frame") {
          assert.deepEqual([...(message.bytes ?? [])], [...frame]);
          assert.equal(message.exceptUser, "u1");
        }
        // A second broadcast, after which the first has certainly been delivered everywhere.
        const marker = nextMessage(b, (_, m) => m.kind === "frame" && m.bytes?.[0] === 9);
        a.publish(room, { kind: "frame", bytes: new Uint8Array([9]) });
        await marker;
        assert.equal(onB.messages.length, 2);
        assert.equal(onA.messages.length, 0);
        assert.equal(onC.messages.length, 0);
        // Once b's last member leaves, b no longer receives the room.
        b.unsubscribe(room);
        b.unsubscribe(room);
        await c.subscribe(room);
        // On a Redis Cluster a broadcast made before c subscribed may still be crossing the cluster
        // bus to the server c listens on, and reach c just after: only the next one counts here.
        const toC = nextMessage(c, (_, m) => m.kind === "invisible");
        b.publish(room, { kind: "invisible", userId: "u2", invisible: true });
        assert.deepEqual((await toC).message, { kind: "invisible", userId: "u2", invisible: true });
        assert.equal(onB.messages.length, 2);
        for (const r of [onA, onB, onC]) r.stop();
      },
    );

    withNodes(
      "presences set on several nodes are listed by any node, hidden ones flagged",
      3,
      async ([a, b, c]) => {
        if (!a || !b || !c) throw new Error("three nodes expected");
        const stream = channelStream(`2...${randomUUID()}`);
        const pa = presence("ua", { changedAt: 1 });
        const pb = presence("ub", { hidden: true, changedAt: 2 });
        const pb2 = presence("ub", { changedAt: 3 });
        await a.setPresence(stream, pa);
        await b.setPresence(stream, pb);
        await b.setPresence(stream, pb2);
        const listed = await c.presences(stream);
        assert.deepEqual(listed, [
          { ...pa, node: a.nodeId },
          { ...pb, node: b.nodeId },
          { ...pb2, node: b.nodeId },
        ]);
        // A change replaces the presence (here: shown again) and moves it last.
        await b.setPresence(stream, { ...pb, hidden: false, changedAt: 4 });
        assert.deepEqual(
          (await a.presences(stream)).map((p) => [p.sessionId, p.hidden]),
          [
            [pa.sessionId, false],
            [pb2.sessionId, false],
            [pb.sessionId, false],
          ],
        );
        assert.deepEqual(await b.removePresence(stream, pb2.sessionId), { ...pb2, node: b.nodeId });
        assert.equal(await b.removePresence(stream, pb2.sessionId), undefined);
        assert.deepEqual(
          (await c.presences(stream)).map((p) => p.sessionId),
          [pa.sessionId, pb.sessionId],
        );
        assert.deepEqual(await c.presences(channelStream("2...nobody")), []);
      },
    );

    withNodes("a user is online on every node while a visible status presence exists", 2, async ([a, b]) => {
      if (!a || !b) throw new Error("two nodes expected");
      const [visible, invisible, offline] = [randomUUID(), randomUUID(), randomUUID()];
      const p = presence(visible, { status: "playing" });
      await a.setPresence(statusStream(visible), p);
      await a.setPresence(statusStream(invisible), presence(invisible, { hidden: true, status: "" }));
      assert.deepEqual(await b.onlineUsers([visible, invisible, offline, visible]), new Set([visible]));
      assert.equal((await b.presences(statusStream(visible)))[0]?.status, "playing");
      await a.removePresence(statusStream(visible), p.sessionId);
      assert.deepEqual(await b.onlineUsers([visible]), new Set());
      assert.deepEqual(await b.onlineUsers([]), new Set());
    });

    withNodes("a node that closes removes its presences and the others see them leave", 2, async ([a, b]) => {
      if (!a || !b) throw new Error("two nodes expected");
      const stream = channelStream(`2...${randomUUID()}`);
      const shown = presence("ua");
      const hidden = presence("ua2", { hidden: true });
      const stays = presence("ub");
      await a.setPresence(stream, shown);
      await a.setPresence(stream, hidden);
      await b.setPresence(stream, stays);
      await b.subscribe(stream);
      const leave = nextMessage(b, (_, m) => m.kind === "presence");
      await a.close();
      const { message } = await leave;
      assert.deepEqual(message, {
        kind: "presence",
        stream,
        joins: [],
        leaves: [{ ...shown, node: a.nodeId }],
      });
      assert.deepEqual(
        (await b.presences(stream)).map((p) => p.sessionId),
        [stays.sessionId],
      );
    });

    withNodes("a changed invisible flag recorded by one node is read by the others", 2, async ([a, b]) => {
      if (!a || !b) throw new Error("two nodes expected");
      const [hiding, showing, unchanged] = [randomUUID(), randomUUID(), randomUUID()];
      await a.noteInvisible(hiding, true);
      await b.noteInvisible(showing, false);
      for (const node of [a, b]) {
        const recent = await node.recentInvisible([hiding, showing, unchanged, hiding]);
        assert.deepEqual(
          recent,
          new Map([
            [hiding, true],
            [showing, false],
          ]),
        );
      }
      await a.noteInvisible(hiding, false);
      assert.equal((await b.recentInvisible([hiding])).get(hiding), false, "the latest change counts");
      assert.deepEqual(await b.recentInvisible([]), new Map());
    });

    withNodes(
      "writes and removals of one presence in one turn end as the last of them says",
      2,
      async ([a, b]) => {
        if (!a || !b) throw new Error("two nodes expected");
        const stream = statusStream(randomUUID());
        const p = presence("ua", { status: "one" });
        // A burst in one turn, as a socket's staged status updates apply: the last value is kept.
        await Promise.all(
          ["one", "two", "three"].map((status, i) =>
            a.setPresence(stream, { ...p, status, changedAt: i + 1 }),
          ),
        );
        assert.deepEqual(await b.presences(stream), [
          { ...p, status: "three", changedAt: 3, node: a.nodeId },
        ]);
        // Set, removed, set again in one turn: present, with the value set after the removal.
        await Promise.all([
          a.setPresence(stream, { ...p, status: "four" }),
          a.removePresence(stream, p.sessionId),
          a.setPresence(stream, { ...p, status: "five" }),
        ]);
        assert.deepEqual(
          (await b.presences(stream)).map((x) => x.status),
          ["five"],
        );
        // Set, then removed in one turn: gone, and the removal returns what was there.
        const [, removed] = await Promise.all([
          a.setPresence(stream, { ...p, status: "six" }),
          a.removePresence(stream, p.sessionId),
        ]);
        assert.equal(removed?.sessionId, p.sessionId);
        assert.deepEqual(await b.presences(stream), []);
      },
    );

    withNodes("flag reads in one turn see the flag changes made before them in it", 2, async ([a, b]) => {
      if (!a || !b) throw new Error("two nodes expected");
      const user = randomUUID();
      await b.noteInvisible(user, false);
      const [before, , after, again] = await Promise.all([
        a.recentInvisible([user]),
        a.noteInvisible(user, true),
        a.recentInvisible([user]),
        a.recentInvisible([user, user]),
      ]);
      assert.equal(before.get(user), false, "read before the change");
      assert.equal(after.get(user), true, "read after the change");
      assert.equal(again.get(user), true, "a read shared with the one before it");
    });
  });
}
