// A join on a cluster whose fan-out lags its storage. bob writes on node 2 while the publish of his
// message to node 1 is held: the message is stored (any history read sees it) and acknowledged, but
// ada, who joined on node 1, has not got it. Her connection then drops, and only after that does
// the publish reach node 1. Catch-up must bring the message back: exactly once, in order, no gap.
//
// A mark read over REST and confirmed by a ping (what the SDK does on a server without `join_mark`)
// names that very message, and catch-up reading back only to it loses it without a gap. The mark
// herald's server puts in the join's reply is read once node 1 listens to the channel, so every
// message stored after it comes to ada live or through catch-up.
//
// The timing is controlled, not raced: node 1's Redis subscription connection is wrapped so that
// the test holds what it receives, and ada's REST reads can be held too.

import { describe, type TestContext, test } from "node:test";
import { ChannelType } from "../../src/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import type { HeraldServer } from "../../src/server/index.js";
import { redisSkipReason } from "../helpers/redis.js";
import { codecs, uniqueName } from "../helpers/server.js";
import { waitFor } from "../sdk/helpers.js";
import { filteredEngines, filteredNodes } from "./filtering-redis.js";
import { MARK_READ } from "./holding-fetch.js";
import { comeBack, loseConnection, raceUsers, record } from "./race-set-up.js";

/** Two nodes on one Redis and one database; node 1's received publishes can be held. */
async function twoNodes(t: TestContext, engine: "sqlite" | "postgres") {
  const { nodes, gate } = await filteredNodes(t, engine, 2);
  const [node1, node2] = nodes as [HeraldServer, HeraldServer];
  return { node1, node2, gate };
}

const skip = redisSkipReason();
const engines = filteredEngines;

describe("a join's mark on a cluster whose fan-out lags its storage", { skip }, () => {
  for (const engine of engines) {
    for (const codec of codecs as readonly Codec[]) {
      test(`a message stored on node 2 but not yet delivered on node 1 when the connection drops arrives once, by catch-up (${engine}, ${codec.format})`, async (t) => {
        const { node1, node2, gate } = await twoNodes(t, engine);
        const { net, cuttable, ada, adaSession, bob } = await raceUsers(t, node1.port, node2.port, codec);
        await ada.connect(adaSession);

        const roomName = uniqueName("room");
        const room = await bob.joinChat(roomName, ChannelType.Room);
        await bob.writeChatMessage(room.id, { text: "before" });
        net.hold(MARK_READ);
        await ada.joinChat(roomName, ChannelType.Room);
        // A mark read over REST, if the socket makes one, is out by the time a ping comes back.
        await ada.ping();
        net.hold(undefined);
        const { got, gaps } = record(ada);

        // bob's message is stored and acknowledged; its publish to node 1 is held there.
        gate.filter("", "hold");
        await bob.writeChatMessage(room.id, { text: "lagging" });
        await waitFor(
          () => gate.held.some((h) => h.data.includes("lagging")),
          "the publish of bob's message at node 1",
        );
        // A mark read made now names that message, and a ping confirms it: node 1 answers at once.
        const reads = net.held.splice(0);
        for (const read of reads) read.release();
        await waitFor(() => net.answered.count === reads.length, "the mark read's answer");
        await ada.ping();

        // ada's connection drops before the message reaches her; node 1 gets it only then.
        await loseConnection(ada, cuttable);
        gate.release("");

        await comeBack({ ada, cuttable, bob, roomId: room.id, got, gaps }, ["lagging"]);
      });
    }
  }
});
