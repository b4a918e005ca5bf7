// Two users, Ada and Bob, against a bundled server started in-process: Bob follows Ada's status,
// both chat in a room, then Bob reads the room's history.
//
//   npx tsx examples/status-and-chat.ts              # JSON frames
//   npx tsx examples/status-and-chat.ts --protobuf   # binary frames
//
// In an app, import from "herald", "herald/protobuf" and "herald/server" instead.
import { ChannelType, Client } from "../src/index.js";
import { protobufCodec } from "../src/protobuf.js";
import { createServer } from "../src/server/index.js";

const server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
const client = new Client({ port: server.port });
const codec = process.argv.includes("--protobuf") ? protobufCodec : undefined;

try {
  const ada = await client.authenticateDevice({ id: "device-ada-0001", username: "ada" });
  const bob = await client.authenticateDevice({ id: "device-bob-0001", username: "bob" });
  const adaSocket = client.createSocket({ codec });
  const bobSocket = client.createSocket({ codec });
  await adaSocket.connect(ada);
  await bobSocket.connect(bob);

  // Status: Bob follows Ada and hears about her changes.
  const statusSeen = new Promise<void>((resolve) => {
    bobSocket.onStatusPresence(({ joins }) => {
      for (const p of joins) console.log(`bob sees: ${p.username} is "${p.status}"`);
      if (joins.length > 0) resolve();
    });
  });
  await bobSocket.followUsers([ada.userId]);
  await adaSocket.updateStatus("Playing level 3");
  await statusSeen;

  // Chat: both join a room; Bob answers Ada's message.
  const room = await adaSocket.joinChat("lobby", ChannelType.Room);
  await bobSocket.joinChat("lobby", ChannelType.Room);
  const bobHeard = new Promise<void>((resolve) => {
    bobSocket.onChannelMessage<{ text: string }>((m) => {
      if (m.senderId === ada.userId) {
        console.log(`bob hears: ${m.username} says "${m.content.text}"`);
        resolve();
      }
    });
  });
  await adaSocket.writeChatMessage(room.id, { text: "hi Bob" });
  await bobHeard;
  await bobSocket.writeChatMessage(room.id, { text: "hi Ada" });

  // History: every message of the room, oldest first.
  for await (const m of client.channelMessages(bob, room.id, { forward: true })) {
    console.log(`history: ${m.username}: ${JSON.stringify(m.content)}`);
  }

  await adaSocket.disconnect();
  await bobSocket.disconnect();
} finally {
  await server.close();
}
