import type { TestContext } from "node:test";
import { ChannelType } from "../../src/index.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";

/**
 * A server, ada and bob signed in, and bob in a new room, noting who joins and leaves it. `joins` starts
 * empty, for tests that note ada's joins of the room.
 */
export async function roomWithBob(t: TestContext) {
  const { client, signIn } = await serverWithClient(t);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const room = uniqueName("room");
  const bobSocket = client.createSocket();
  await bobSocket.connect(bob);
  t.after(() => bobSocket.disconnect());
  const channel = await bobSocket.joinChat(room, ChannelType.Room);
  const leaves: string[] = [];
  const arrivals: string[] = [];
  bobSocket.on("channelPresence", (e) => {
    for (const p of e.leaves) leaves.push(p.userId);
    for (const p of e.joins) arrivals.push(p.userId);
  });
  const joins: { persistence: boolean; hidden: boolean }[] = [];
  return { client, ada, bob, room, bobSocket, channel, leaves, arrivals, joins };
}
