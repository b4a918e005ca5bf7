// A random walk of status, follow, join, leave and write calls with connections cut at random
// moments, on both server modes and both codecs. After the walk the socket must hold what the
// calls that succeeded left: a reconnection restores exactly those joins and follows and that
// status, the server shows exactly them to others, and every acknowledged message is stored (once,
// on a server that deduplicates). A call that failed leaves its target either way. The walk is
// seeded (the same walk on every run; the moments of the cuts vary with timing); a failure prints
// its seed, and HERALD_CHAOS_SEED=N walks another way.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, type Session, type Socket } from "../../src/index.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { Known, sleep, Walk, waitOpen, walkSeed } from "../helpers/random-walk.js";
import { readUntil, serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

const STEPS = 60;
const POOL = 5;
const ROOMS = 3;

for (const [index, { mode, codec, label }] of modeMatrix.entries()) {
  describe(`a random walk through cut connections (${label})`, () => {
    const seed = walkSeed(index);

    test(`ends holding what the successful calls left (seed ${seed})`, async (t) => {
      const walk = new Walk(seed);
      const { rand } = walk;
      const { client, signIn } = await serverWithClient(t, mode.options);
      const subject = await signIn("subject");
      const pool = await Promise.all(Array.from({ length: POOL }, (_, i) => signIn(`pool${i}`)));
      const sentinel = await signIn("sentinel");
      const writer = await signIn("writer");
      const observerSession = await signIn("observer");
      const group = await client.createGroup(writer, { name: uniqueName("group"), open: true });
      await client.joinGroup(subject, group.id);
      await client.joinGroup(observerSession, group.id);
      /** What the walk joins and leaves, by name: rooms, a group, a direct chat with the writer. */
      const channels = [
        ...Array.from({ length: ROOMS }, () => {
          const name = uniqueName("room");
          return { name, target: name, type: ChannelType.Room };
        }),
        { name: "group", target: group.id, type: ChannelType.Group },
        { name: "direct", target: writer.userId, type: ChannelType.DirectMessage },
      ];
      const rooms = channels.map((c) => c.name);
      const channelNamed = (name: string) => channels.find((c) => c.name === name) as (typeof channels)[0];
      const sockets: Socket[] = [];
      t.after(() => Promise.all(sockets.map((s) => s.disconnect())));
      const online = async (session: Session, status: string): Promise<Socket> => {
        const socket = client.createSocket({ codec });
        sockets.push(socket);
        await socket.connect(session);
        await socket.updateStatus(status);
        return socket;
      };
      const poolSockets = await Promise.all(pool.map((p, i) => online(p, `pool ${i}`)));
      const sentinelSocket = await online(sentinel, "sentinel");

      const { socket, cut } = await cuttableSocket(t, client, subject, { codec });
      await socket.followUsers([sentinel.userId]);

      // Another user writes to every channel all along, one message after another; the subject
      // must get each written after it joined, through every cut, in order.
      const writerSocket = await online(writer, "writing");
      const writerJoin = (c: (typeof channels)[0]) =>
        writerSocket.joinChat(c.type === ChannelType.DirectMessage ? subject.userId : c.target, c.type);
      const roomIds = await Promise.all(channels.map(async (c) => (await writerJoin(c)).id));
      /** Writer messages by room, in the order written (each `n` once, across rooms). */
      const written = new Map<string, number[]>(rooms.map((r) => [r, []]));
      let count = 0;
      let writing = true;
      const write = async (i: number) => {
        const n = ++count;
        written.get(rooms[i] as string)?.push(n);
        await writerSocket.writeChatMessage(roomIds[i] as string, { w: n });
      };
      const writerLoop = (async () => {
        while (writing) {
          await write(count % channels.length);
          await sleep(2);
        }
      })();
      /** Writer messages the subject got, by channel id, in the order it got them. */
      const received = new Map<string, number[]>();
      socket.onChannelMessage((m) => {
        if (m.senderId !== writer.userId) return;
        const list = received.get(m.channelId) ?? [];
        list.push((m.content as { w: number }).w);
        received.set(m.channelId, list);
      });
      const gaps: string[] = [];
      socket.onGap((g) => gaps.push(`${g.channelId} ${g.reason}`));
      /**
       * For each room joined since its last leave call, how many writer messages had been started
       * when the first join since then succeeded: every later one must reach the subject.
       */
      const joinedAfter = new Map<string, number>();

      const follows = new Known();
      const joins = new Known();
      /** Channel ids by room name, from the server's answers. */
      const channelIds = new Map<string, string>();
      const status = new Known<string | undefined>();
      const acked: { room: string; n: number }[] = [];

      for (let step = 0; step < STEPS; step++) {
        await walk.maybeCut(cut, socket);
        const choice = rand();
        if (choice < 0.2) {
          const users = pool.filter(() => rand() < 0.4);
          const byName = rand() < 0.5;
          await walk.run(
            `follow ${users.map((u) => u.username).join(",")}${byName ? " by name" : ""}`,
            follows,
            users.map((u) => u.userId),
            true,
            () =>
              byName
                ? socket.followUsers([], { usernames: users.map((u) => u.username) })
                : socket.followUsers(users.map((u) => u.userId)),
          );
        } else if (choice < 0.35) {
          const users = pool.filter(() => rand() < 0.4);
          await walk.run(
            `unfollow ${users.map((u) => u.username).join(",")}`,
            follows,
            users.map((u) => u.userId),
            false,
            () => socket.unfollowUsers(users.map((u) => u.userId)),
          );
        } else if (choice < 0.55) {
          const room = walk.pick(rooms);
          await walk.run(`join ${room}`, joins, [room], true, async () => {
            const { target, type } = channelNamed(room);
            channelIds.set(room, (await socket.joinChat(target, type)).id);
            if (!joinedAfter.has(room)) joinedAfter.set(room, count);
          });
        } else if (choice < 0.7) {
          const room = walk.pick(rooms);
          const id = channelIds.get(room);
          if (id === undefined) continue;
          joinedAfter.delete(room);
          await walk.run(`leave ${room}`, joins, [room], false, () => socket.leaveChat(id));
        } else if (choice < 0.8) {
          const value = rand() < 0.2 ? undefined : `status ${step}`;
          await walk.run(`status ${value}`, status, ["status"], value, () => socket.updateStatus(value));
        } else {
          const room = walk.pick(rooms);
          const id = channelIds.get(room);
          if (id === undefined || joins.get(room) !== true) continue;
          walk.log(`write ${step} to ${room}`);
          // Writes wait in the outbox while the walk goes on.
          walk.leave(
            socket.writeChatMessage(id, { n: step }).then(
              () => acked.push({ room, n: step }),
              () => {},
            ),
          );
        }
        await walk.pause();
      }
      await walk.settle();
      writing = false;
      await writerLoop;

      const failure = (what: string) => walk.failure(what);
      // One more reconnection: what it restores is what the socket holds.
      await waitOpen(socket);
      const back = nextEvent(socket.onReconnected.bind(socket), "the last reconnection", () => true, 10000);
      cut();
      const report = await back;

      // Joins: restored exactly as the calls left them, and the server shows the subject there.
      const restoredRooms = new Set(
        report.channels.map((id) => [...channelIds].find(([, c]) => c === id)?.[0] ?? id),
      );
      for (const room of rooms) {
        const { known, value } = joins.state(room, false);
        if (known) assert.equal(restoredRooms.has(room), value, failure(`${room} restored`));
      }
      const observer = await online(observerSession, "observing");
      // The server ends a cut connection's session (leaving its channels, erasing its status) after
      // the close, once the close's last_active is stored: what it shows is read again until it
      // has, or for a while.
      for (const c of channels) {
        const room = c.name;
        const there = async () => {
          // The writer is the other user of the direct chat: joining it again lists its members.
          const channel =
            c.type === ChannelType.DirectMessage
              ? await writerJoin(c)
              : await observer.joinChat(c.target, c.type);
          return channel.presences.some((p) => p.userId === subject.userId);
        };
        // Whatever the calls left, the server and the socket agree.
        assert.equal(
          await readUntil(there, (found) => found === restoredRooms.has(room)),
          restoredRooms.has(room),
          failure(`${room}: the server and the socket agree`),
        );
      }

      // Status: the server shows the last status set.
      const last = status.state("status", undefined);
      const shown = async () =>
        (await observer.followUsers([subject.userId])).presences.find((p) => p.userId === subject.userId)
          ?.status;
      const seen = await readUntil(shown, (found) => !last.known || found === last.value);
      if (last.known) assert.equal(seen, last.value, failure("the subject's status"));

      // Follows: a status change of every pool user, then the sentinel's; once the sentinel's
      // event is in, every event of the pool users is too (one server, pushed in order).
      const heard = new Set<string>();
      socket.onStatusPresence((e) => {
        for (const p of e.joins) if (p.status?.startsWith("final")) heard.add(p.userId);
      });
      for (const [i, s] of poolSockets.entries()) await s.updateStatus(`final ${i}`);
      const sentinelHeard = nextEvent(
        socket.onStatusPresence.bind(socket),
        "the sentinel's last status",
        (e) => e.joins.some((p) => p.userId === sentinel.userId && p.status === "final"),
      );
      await sentinelSocket.updateStatus("final");
      await sentinelHeard;
      for (const user of pool) {
        const { known, value } = follows.state(user.userId, false);
        if (known) assert.equal(heard.has(user.userId), value, failure(`${user.username} followed`));
        else
          assert.equal(
            heard.has(user.userId),
            report.follows.includes(user.userId) || report.followedUsernames.includes(user.username),
            failure(`${user.username}: the server and the socket agree`),
          );
      }

      // The writer's messages: one more to each room, and once the subject has each room's last,
      // it has every one written after it joined, in order (once only where the server
      // deduplicates; stock's at-least-once may repeat one).
      const joined = rooms.filter((room) => joinedAfter.has(room) && restoredRooms.has(room));
      const base = count;
      const lastOnes = joined.map((room) => {
        const i = rooms.indexOf(room);
        return waitFor(
          () => received.get(roomIds[i] as string)?.includes(base + 1 + i) ?? false,
          `the writer's last message in ${room}`,
          10000,
        );
      });
      for (let i = 0; i < channels.length; i++) await write(i);
      await Promise.all(lastOnes);
      for (const room of joined) {
        const after = joinedAfter.get(room) as number;
        const want = (written.get(room) ?? []).filter((n) => n > after);
        let got = (received.get(roomIds[rooms.indexOf(room)] as string) ?? []).filter((n) => n > after);
        if (mode.name !== "herald") got = [...new Set(got)];
        assert.deepEqual(got, want, failure(`the writer's messages in ${room}, gaps: ${gaps.join("; ")}`));
      }

      // Messages: every acknowledged one is stored; once only where the server deduplicates.
      for (const room of rooms) {
        const id = channelIds.get(room);
        if (id === undefined) continue;
        const stored: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.listChannelMessages(subject, id, { limit: 100, forward: true, cursor });
          for (const m of page.messages) {
            if (m.senderId === subject.userId) stored.push((m.content as { n: number }).n);
          }
          cursor = page.nextCursor || undefined;
        } while (cursor);
        for (const { n } of acked.filter((a) => a.room === room)) {
          assert.ok(stored.includes(n), failure(`message ${n} stored in ${room}`));
        }
        if (mode.name === "herald") {
          assert.equal(new Set(stored).size, stored.length, failure(`${room} holds no message twice`));
        }
      }
    });
  });
}
