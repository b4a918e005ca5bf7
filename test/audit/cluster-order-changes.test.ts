// Edits and removals on a cluster reach every node's sockets after the message they change, and
// a stored message whose publish is lost reaches them live even when nothing follows it.
//
// Three nodes on one Redis and one database: ada on node 1, bob writing on node 2, carol on node 3.
// What node 1 receives from Redis is filtered: a message's publish is held (it arrives late) or
// dropped (lost). The timing is controlled, not raced.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { ChannelMessageCode, ChannelType, Client, type Socket } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import type { HeraldServer } from "../../src/server/index.js";
import { redisSkipReason } from "../helpers/redis.js";
import { codecs, uniqueName } from "../helpers/server.js";
import { waitFor } from "../sdk/helpers.js";
import { filteredEngines, filteredNodes } from "./filtering-redis.js";

/** A signed-in user on the node at `port`, with a connected socket. */
async function member(t: TestContext, port: number, codec: Codec, name: string): Promise<Socket> {
  const client = new Client({ port });
  const session = await client.authenticateDevice({
    id: `device-${uniqueName()}`,
    username: uniqueName(name),
  });
  const socket = client.createSocket({ codec, reconnect: false });
  t.after(() => socket.disconnect());
  await socket.connect(session);
  return socket;
}

/** Three nodes, ada, bob and carol in one room; what ada gets, as text, `edit:` or `remove:`. */
async function setUp(t: TestContext, engine: "sqlite" | "postgres", codec: Codec, gapFillMs: number) {
  const { nodes, gate } = await filteredNodes(t, engine, 3, { gapFillMs, metricsPort: 0 });
  const [node1, node2, node3] = nodes as [HeraldServer, HeraldServer, HeraldServer];
  const ada = await member(t, node1.port, codec, "ada");
  const bob = await member(t, node2.port, codec, "bob");
  const carol = await member(t, node3.port, codec, "carol");
  const roomName = uniqueName("room");
  const room = await bob.joinChat(roomName, ChannelType.Room);
  await carol.joinChat(roomName, ChannelType.Room);
  await ada.joinChat(roomName, ChannelType.Room);
  const got: string[] = [];
  /** Message ids by their first text, to name what a removal removes. */
  const ids = new Map<string, string>();
  ada.onChannelMessage((m) => {
    const text = (m.content as { text?: string }).text ?? "?";
    if (m.code === ChannelMessageCode.Chat) {
      ids.set(m.messageId, text);
      got.push(text);
    } else if (m.code === ChannelMessageCode.ChatUpdate) got.push(`edit:${text}`);
    else if (m.code === ChannelMessageCode.ChatRemove) got.push(`remove:${ids.get(m.messageId) ?? "unseen"}`);
    else got.push(`code ${m.code}`);
  });
  return { node1, gate, ada, bob, carol, roomId: room.id, got };
}

/** Texts unique to one test, so the filter matches this test's messages only. */
function texts() {
  const tag = randomBytes(4).toString("hex");
  return { m1: `m1-${tag}`, m2: `m2-${tag}`, e1: `e1-${tag}`, e2: `e2-${tag}` };
}

/** The gap fills node 1 counted, from its metrics endpoint. */
async function gapFills(metricsPort: number | undefined): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = body.split("\n").find((l) => l.startsWith("herald_channel_gap_fills_total"));
  return Number(line?.split(" ")[1]);
}

const skip = redisSkipReason();

describe("a cluster delivers edits and removals after the message they change", { skip }, () => {
  for (const engine of filteredEngines) {
    for (const codec of codecs as readonly Codec[]) {
      const on = `(${engine}, ${codec.format})`;

      test(`an edit of a message whose publish is late waits for it ${on}`, async (t) => {
        const { gate, ada, bob, roomId, got } = await setUp(t, engine, codec, 60_000);
        const { m1, e1 } = texts();
        gate.filter(m1, "hold");
        const ack = await bob.writeChatMessage(roomId, { text: m1 });
        await bob.updateChatMessage(roomId, ack.messageId, { text: e1 });
        await waitFor(
          () => gate.held.length === 1 && gate.sawPassed(e1),
          "m1 held and its edit passed at node 1",
        );
        // Anything node 1 handed ada by now has reached her once a ping comes back.
        await ada.ping();
        assert.deepEqual(got, [], "the edit waits for m1");
        gate.release(m1);
        await waitFor(() => got.length === 2, "m1 and its edit");
        assert.deepEqual(got, [m1, `edit:${e1}`]);
      });

      test(`a removal of a message whose publish is late waits for it ${on}`, async (t) => {
        const { gate, ada, bob, roomId, got } = await setUp(t, engine, codec, 60_000);
        const { m1, m2 } = texts();
        gate.filter(m1, "hold");
        const ack = await bob.writeChatMessage(roomId, { text: m1 });
        await bob.writeChatMessage(roomId, { text: m2 });
        // The removal names m1's id, not its text: held on its own, to be let through first.
        gate.filter(ack.messageId, "hold");
        await bob.removeChatMessage(roomId, ack.messageId);
        await waitFor(
          () => gate.held.length === 2 && gate.sawPassed(m2),
          "m1 and its removal held at node 1",
        );
        gate.release(ack.messageId);
        await waitFor(() => gate.held.length === 1, "the removal passed at node 1");
        await ada.ping();
        assert.deepEqual(got, [], "m2 and the removal wait for m1");
        gate.release(m1);
        await waitFor(() => got.length === 3, "m1, its removal, m2");
        assert.deepEqual(got, [m1, `remove:${m1}`, m2]);
      });

      test(`a message removed before the next one was stored is never shown after its removal ${on}`, async (t) => {
        const { gate, ada, bob, roomId, got } = await setUp(t, engine, codec, 60_000);
        const { m1, m2 } = texts();
        gate.filter(m1, "hold");
        const ack = await bob.writeChatMessage(roomId, { text: m1 });
        await bob.removeChatMessage(roomId, ack.messageId);
        // Stored after the removal: in history m2 follows what came before m1.
        await bob.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => got.length === 2, "m2 and the removal");
        assert.deepEqual(got, [m2, "remove:unseen"], "the removal after the history it follows");
        gate.release(m1);
        await waitFor(() => gate.sawPassed(m1), "m1's late publish at node 1");
        await ada.ping();
        assert.deepEqual(got, [m2, "remove:unseen"], "m1's late publish dropped: it left history");
      });

      test(`an edit of a message already delivered goes out at once, while a later one waits ${on}`, async (t) => {
        const { gate, ada, bob, carol, roomId, got } = await setUp(t, engine, codec, 60_000);
        const { m1, m2, e1 } = texts();
        const ack = await bob.writeChatMessage(roomId, { text: m1 });
        await waitFor(() => got.length === 1, "m1");
        gate.filter(m2, "hold");
        await carol.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => gate.held.length === 1, "m2 held at node 1");
        await bob.updateChatMessage(roomId, ack.messageId, { text: e1 });
        await waitFor(() => got.length === 2, "the edit");
        await ada.ping();
        assert.deepEqual(got, [m1, `edit:${e1}`]);
        gate.release(m2);
        await waitFor(() => got.length === 3, "m2");
        assert.deepEqual(got, [m1, `edit:${e1}`, m2]);
      });

      test(`an edit of a message whose publish is lost goes out after it, filled from storage ${on}`, async (t) => {
        const { node1, gate, bob, roomId, got } = await setUp(t, engine, codec, 150);
        const { m1, e1 } = texts();
        gate.filter(m1, "drop");
        const ack = await bob.writeChatMessage(roomId, { text: m1 });
        await bob.updateChatMessage(roomId, ack.messageId, { text: e1 });
        await waitFor(() => got.length === 2, "m1 from storage, then its edit");
        // Read after the edit was stored: the filled message carries the new text already.
        assert.deepEqual(got, [e1, `edit:${e1}`]);
        assert.deepEqual(gate.dropped, [m1]);
        assert.equal(await gapFills(node1.metricsPort), 1);
      });
    }
  }
});

describe("a cluster delivers a lost publish live, with nothing after it in its channel", { skip }, () => {
  for (const engine of filteredEngines) {
    for (const codec of codecs as readonly Codec[]) {
      const on = `(${engine}, ${codec.format})`;

      test(`the writing node's tip brings the lost message from storage ${on}`, async (t) => {
        const { node1, gate, ada, bob, roomId, got } = await setUp(t, engine, codec, 150);
        const { m1, m2 } = texts();
        gate.filter(m1, "drop");
        await bob.writeChatMessage(roomId, { text: m1 });
        // The bound: the next tip (within a second) plus gapFillMs; generous against a hang.
        await waitFor(() => got.length === 1, "m1 from storage, nothing after it", 10_000);
        assert.deepEqual(got, [m1]);
        assert.deepEqual(gate.dropped, [m1], "m1's publish never reached node 1");
        assert.equal(await gapFills(node1.metricsPort), 1);
        // The channel goes on as usual afterwards, nothing twice.
        await bob.writeChatMessage(roomId, { text: m2 });
        await waitFor(() => got.length === 2, "m2");
        await ada.ping();
        assert.deepEqual(got, [m1, m2]);
      });
    }
  }
});
