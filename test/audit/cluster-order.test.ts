// A channel's messages on a cluster reach every node's sockets in history order, and a message
// whose publish never arrives is delivered from storage.
//
// Three nodes on one Redis and one database: ada on node 1, bob writing on node 2, carol on node 3.
// bob stores m1, then carol stores m2 (after m1's ack, so m2 follows m1 in history). What node 1
// receives from Redis is filtered: m1's publish is held (it arrives after m2's, as when node 2's
// event loop or Redis connection is slower) or dropped (node 2 killed between its commit and its
// publish). The timing is controlled, not raced.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { ChannelMessageCode, ChannelType, Client, type Socket } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import type { HeraldServer } from "../../src/server/index.js";
import { redisSkipReason } from "../helpers/redis.js";
import { codecs, readUntil, uniqueName } from "../helpers/server.js";
import { waitFor } from "../sdk/helpers.js";
import { filteredEngines, filteredNodes } from "./filtering-redis.js";
import { comeBack, loseConnection, raceUsers, record } from "./race-set-up.js";

/** Three nodes; node 1's received publishes go through a filter; `gapFillMs` is node 1's. */
async function threeNodes(t: TestContext, engine: "sqlite" | "postgres", gapFillMs: number) {
  const { nodes, gate } = await filteredNodes(t, engine, 3, { gapFillMs, metricsPort: 0 });
  const [node1, node2, node3] = nodes as [HeraldServer, HeraldServer, HeraldServer];
  return { node1, node2, node3, gate };
}

/** ada (node 1, cuttable), bob (node 2) and carol (node 3) in one room; "before" is in its history. */
async function inOneRoom(t: TestContext, ports: [number, number, number], codec: Codec) {
  const { cuttable, ada, adaSession, bob } = await raceUsers(t, ports[0], ports[1], codec);
  const carolClient = new Client({ port: ports[2] });
  const carol: Socket = carolClient.createSocket({ codec, reconnect: false });
  t.after(() => carol.disconnect());
  await carol.connect(
    await carolClient.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName("carol") }),
  );
  await ada.connect(adaSession);
  const roomName = uniqueName("room");
  const room = await bob.joinChat(roomName, ChannelType.Room);
  await carol.joinChat(roomName, ChannelType.Room);
  await bob.writeChatMessage(room.id, { text: "before" });
  await ada.joinChat(roomName, ChannelType.Room);
  const { got, gaps } = record(ada);
  return { cuttable, ada, bob, carol, roomId: room.id, got, gaps };
}

/** Texts unique to one test, so the filter matches this test's messages only. */
function texts() {
  const tag = randomBytes(4).toString("hex");
  return { m1: `m1-${tag}`, m2: `m2-${tag}`, m3: `m3-${tag}` };
}

/** The gap fills node 1 counted, from its metrics endpoint. */
async function gapFills(metricsPort: number | undefined): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = body.split("\n").find((l) => l.startsWith("herald_channel_gap_fills_total"));
  return Number(line?.split(" ")[1]);
}

/** A signed-in user on the node at `port`, with a connected socket. */
async function member(t: TestContext, port: number, codec: Codec, name: string) {
  const client = new Client({ port });
  const username = uniqueName(name);
  const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, username });
  const socket = client.createSocket({ codec, reconnect: false });
  t.after(() => socket.disconnect());
  await socket.connect(session);
  return { client, session, socket, username };
}

const skip = redisSkipReason();
const engines = filteredEngines;

describe("a cluster delivers a channel's messages in history order", { skip }, () => {
  for (const engine of engines) {
    for (const codec of codecs as readonly Codec[]) {
      const on = `(${engine}, ${codec.format})`;

      test(`a message whose publish reaches a node after the next one's is delivered first ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 60_000);
        const { ada, bob, carol, roomId, got } = await inOneRoom(
          t,
          [node1.port, node2.port, node3.port],
          codec,
        );
        const { m1, m2 } = texts();
        gate.filter(m1, "hold");
        await bob.writeChatMessage(roomId, { text: m1 });
        await carol.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => gate.held.length === 1 && gate.sawPassed(m2), "m1 held and m2 passed at node 1");
        // Anything node 1 handed ada by now has reached her once a ping comes back.
        await ada.ping();
        assert.deepEqual(got, [], "m2 waits for m1");
        gate.release(m1);
        await waitFor(() => got.length === 2, "both messages");
        assert.deepEqual(got, [m1, m2]);
        assert.equal(await gapFills(node1.metricsPort), 0, "no fill: the late publish came in time");
      });

      test(`a connection lost while a node waits for a late publish catches up on both, once, in order ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 60_000);
        const { cuttable, ada, bob, carol, roomId, got, gaps } = await inOneRoom(
          t,
          [node1.port, node2.port, node3.port],
          codec,
        );
        const { m1, m2 } = texts();
        gate.filter(m1, "hold");
        await bob.writeChatMessage(roomId, { text: m1 });
        await carol.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => gate.held.length === 1 && gate.sawPassed(m2), "m1 held and m2 passed at node 1");
        await ada.ping();
        // ada could have had m2 by now; her connection drops before m1 reaches node 1.
        await loseConnection(ada, cuttable);
        gate.release(m1);
        await comeBack({ ada, cuttable, bob, roomId, got, gaps }, [m1, m2]);
      });

      test(`a message whose publish is lost is delivered from storage before the next one ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 150);
        const { bob, carol, roomId, got, gaps } = await inOneRoom(
          t,
          [node1.port, node2.port, node3.port],
          codec,
        );
        const { m1, m2, m3 } = texts();
        gate.filter(m1, "drop");
        await bob.writeChatMessage(roomId, { text: m1 });
        await carol.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => got.length === 2, "m1 from storage, then m2");
        assert.deepEqual(got, [m1, m2]);
        assert.deepEqual(gate.dropped, [m1], "m1's publish never reached node 1");
        await bob.writeChatMessage(roomId, { text: m3 });
        await waitFor(() => got.length === 3, "m3");
        assert.deepEqual(got, [m1, m2, m3]);
        assert.deepEqual(gaps, []);
        assert.equal(await gapFills(node1.metricsPort), 1);
      });

      test(`a message published while a node was not subscribed is read from storage once it subscribes again ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 60_000);
        const { bob, roomId, got, gaps } = await inOneRoom(t, [node1.port, node2.port, node3.port], codec);
        const { m1, m2 } = texts();
        // Missed as during a lost subscription; nothing follows it in the channel.
        gate.filter(m1, "drop");
        await bob.writeChatMessage(roomId, { text: m1 });
        await waitFor(() => gate.dropped.length === 1, "m1's publish dropped at node 1");
        const passedBefore = gate.passed.length;
        // Node 1's subscriber connection drops and comes back (ioredis reconnects it).
        const subscriber = gate.connections[1];
        assert.ok(subscriber !== undefined);
        subscriber.disconnect(true);
        await waitFor(() => got.length === 1, "m1 read back from storage");
        assert.deepEqual(got, [m1]);
        await bob.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => got.length === 2, "m2");
        assert.deepEqual(got, [m1, m2]);
        assert.ok(gate.passed.length > passedBefore, "node 1 subscribed again");
        assert.deepEqual(gaps, []);
      });

      test(`a group event stored on one node comes before the chat message stored after it on another ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 60_000);
        const ada = await member(t, node1.port, codec, "ada");
        const carol = await member(t, node3.port, codec, "carol");
        const dave = await member(t, node2.port, codec, "dave");
        const group = await carol.client.createGroup(carol.session, {
          name: uniqueName("group"),
          open: true,
        });
        await ada.client.joinGroup(ada.session, group.id);
        // ada's own join event is stored in the background of her join too: stored (and handed to
        // the members of then) before she joins the channel, it cannot reach her among what m2
        // waits for below.
        const ownJoin = await readUntil(
          async () =>
            (await ada.client.listChannelMessages(ada.session, `3.${group.id}..`)).messages.find(
              (m) => m.code === ChannelMessageCode.GroupJoin && m.senderId === ada.session.userId,
            ),
          (found) => found !== undefined,
        );
        assert.ok(ownJoin, "ada's join event stored");
        const channel = await ada.socket.joinChat(group.id, ChannelType.Group);
        await carol.socket.joinChat(group.id, ChannelType.Group);
        const got: string[] = [];
        ada.socket.onChannelMessage((m) => {
          got.push(m.code === 0 ? String((m.content as { text?: string }).text) : `${m.code}:${m.username}`);
        });
        const { m2 } = texts();
        // dave's join is stored and published by node 2; its publish reaches node 1 late.
        gate.filter(dave.username, "hold");
        await dave.client.joinGroup(dave.session, group.id);
        // The event is stored in the background of the join: once its publish is out, it is stored.
        await waitFor(() => gate.held.length === 1, "the event's publish held at node 1");
        await carol.socket.writeChatMessage(channel.id, { text: m2 });
        await waitFor(
          () => gate.held.length === 1 && gate.sawPassed(m2),
          "the event held and m2 passed at node 1",
        );
        await ada.socket.ping();
        assert.deepEqual(got, [], "m2 waits for the event");
        gate.release(dave.username);
        await waitFor(() => got.length === 2, "the event and m2");
        assert.deepEqual(got, [`${ChannelMessageCode.GroupJoin}:${dave.username}`, m2]);
      });

      test(`a late publish of a message already filled from storage is not delivered twice ${on}`, async (t) => {
        const { node1, node2, node3, gate } = await threeNodes(t, engine, 150);
        const { ada, bob, carol, roomId, got } = await inOneRoom(
          t,
          [node1.port, node2.port, node3.port],
          codec,
        );
        const { m1, m2, m3 } = texts();
        gate.filter(m1, "hold");
        await bob.writeChatMessage(roomId, { text: m1 });
        await carol.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => got.length === 2, "m1 from storage, then m2");
        gate.release(m1);
        await waitFor(() => gate.sawPassed(m1), "m1's late publish at node 1");
        await bob.writeChatMessage(roomId, { text: m3 });
        await waitFor(() => got.length >= 3, "m3");
        await ada.ping();
        assert.deepEqual(got, [m1, m2, m3]);
      });
    }
  }
});
