// A random walk of a presence store through cut connections: watched users connect, disconnect
// and change status, the store watches and unwatches them, and the store's socket is cut at
// random moments. Once things settle, the store shows every watched user as they are (online or
// not, each visible connection's status) and holds no user it stopped watching, and its socket
// follows exactly the watched users. Seeded; a failure prints its seed, and
// HERALD_CHAOS_SEED=N walks another way.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Session, Socket } from "../../src/index.js";
import { PresenceStore } from "../../src/presence/index.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { Known, Walk, waitOpen, walkSeed } from "../helpers/random-walk.js";
import { serverWithClient } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

const STEPS = 60;
const POOL = 5;

for (const [index, { mode, codec, label }] of modeMatrix.entries()) {
  describe(`a presence store's random walk through cut connections (${label})`, () => {
    const seed = walkSeed(index);

    test(`ends showing every watched user as they are (seed ${seed})`, async (t) => {
      const walk = new Walk(seed);
      const { rand } = walk;
      const pickUser = () => Math.floor(rand() * POOL);
      const { client, signIn } = await serverWithClient(t, mode.options);
      const pool = await Promise.all(Array.from({ length: POOL }, (_, i) => signIn(`pool${i}`)));
      const watcher = await signIn("watcher");
      const sockets: Socket[] = [];
      t.after(() => Promise.all(sockets.map((s) => s.disconnect())));

      /** Each pool user's open connections and the status each shows ("" for none). */
      const live = pool.map(() => [] as { socket: Socket; status: string }[]);
      const open = async (i: number, status: string) => {
        const socket = client.createSocket({ codec, reconnect: false });
        sockets.push(socket);
        await socket.connect(pool[i] as Session);
        if (status) await socket.updateStatus(status);
        live[i]?.push({ socket, status });
      };

      const { socket, cut } = await cuttableSocket(t, client, watcher, { codec });
      const store = new PresenceStore(socket, client, watcher);
      t.after(() => store.close());

      /** Whether each user is watched, as the last watch or unwatch called left it. */
      const watched = new Known();

      for (let step = 0; step < STEPS; step++) {
        await walk.maybeCut(cut, socket);
        const choice = rand();
        const i = pickUser();
        const user = pool[i] as Session;
        const conns = live[i] ?? [];
        if (choice < 0.2) {
          const ids = pool.filter(() => rand() < 0.4).map((u) => u.userId);
          await walk.run(
            `watch ${ids.map((id) => pool.findIndex((u) => u.userId === id))}`,
            watched,
            ids,
            true,
            () => store.watch(ids),
          );
        } else if (choice < 0.35) {
          const ids = pool.filter(() => rand() < 0.4).map((u) => u.userId);
          await walk.run(
            `unwatch ${ids.map((id) => pool.findIndex((u) => u.userId === id))}`,
            watched,
            ids,
            false,
            () => store.unwatch(ids),
          );
        } else if (choice < 0.55) {
          const status = rand() < 0.3 ? "" : `s${step}`;
          walk.log(`user ${i} connects with "${status}"`);
          await open(i, status);
        } else if (choice < 0.75 && conns.length > 0) {
          const conn = conns.splice(Math.floor(rand() * conns.length), 1)[0];
          walk.log(`user ${i} disconnects one`);
          await conn?.socket.disconnect();
        } else if (conns.length > 0) {
          const conn = conns[Math.floor(rand() * conns.length)];
          const status = rand() < 0.3 ? "" : `s${step}`;
          walk.log(`user ${i} sets "${status}"`);
          if (conn) {
            await conn.socket.updateStatus(status);
            conn.status = status;
          }
        } else {
          walk.log(`user ${i}: nothing`);
          void user;
        }
        await walk.pause();
      }
      await walk.settle();
      const failure = (what: string) => walk.failure(what);
      await waitOpen(socket);

      // What the store must show: each watched user's visible connections' statuses.
      const truth = (i: number) =>
        (live[i] ?? [])
          .map((c) => c.status)
          .filter((s) => s !== "")
          .sort();
      const shown = (id: string) => {
        const state = store.get(id);
        return state && { online: state.online, statuses: state.sessions.map((s) => s.status ?? "").sort() };
      };
      const wrong = () =>
        pool.flatMap((u, i) => {
          const { known, value: want } = watched.state(u.userId, false);
          if (!known) return [];
          const state = shown(u.userId);
          if (!want) return state === undefined ? [] : [`user ${i} still in the store`];
          const statuses = truth(i);
          const expected = { online: statuses.length > 0, statuses };
          return JSON.stringify(state) === JSON.stringify(expected)
            ? []
            : [`user ${i}: shows ${JSON.stringify(state)}, is ${JSON.stringify(expected)}`];
        });
      try {
        await waitFor(() => wrong().length === 0, "the store to show every watched user as they are", 5000);
      } catch {
        assert.deepEqual(wrong(), [], failure("the store"));
      }

      // The socket follows exactly the watched users (the store's, and nothing left over).
      const back = nextEvent(socket.onReconnected.bind(socket), "a last reconnection", () => true, 10000);
      cut();
      const report = await back;
      for (const [i, u] of pool.entries()) {
        const { known, value: want } = watched.state(u.userId, false);
        if (!known) continue;
        assert.equal(report.follows.includes(u.userId), want, failure(`user ${i} followed by the socket`));
      }
    });
  });
}
