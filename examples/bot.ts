// A Node bot: it signs in, appears online with a status, joins a chat room, answers commands there
// and follows the status of everyone it meets in the room. Stop it with Ctrl-C.
//
//   npm start                        # a server on http://127.0.0.1:7350, in another terminal
//   npx tsx examples/bot.ts          # then say "!help" in the room "lobby"
//
// Settings come from the environment: HERALD_HOST (default 127.0.0.1), HERALD_PORT (7350),
// HERALD_ROOM (lobby), HERALD_BOT_NAME (bot).
//
// In an app, import from "herald" instead of "../src/index.js".
import { ChannelType, Client, HeraldError, type UserPresence } from "../src/index.js";

const host = process.env.HERALD_HOST ?? "127.0.0.1";
const port = Number(process.env.HERALD_PORT ?? 7350);
const roomName = process.env.HERALD_ROOM ?? "lobby";
const botName = process.env.HERALD_BOT_NAME ?? "bot";

const client = new Client({ host, port });
const session = await client.authenticateDevice({ id: `herald-example-bot-${botName}`, username: botName });
const socket = client.createSocket();
await socket.connect(session, { appearOnline: true });
await socket.updateStatus(`Answering in #${roomName}`);

// Following: everyone the bot meets in the room, once. Their status changes are logged.
const followed = new Set<string>([session.userId]);
async function follow(users: readonly UserPresence[]): Promise<void> {
  const fresh = users.filter((u) => !followed.has(u.userId));
  if (fresh.length === 0) return;
  for (const u of fresh) followed.add(u.userId);
  await socket.followUsers(fresh.map((u) => u.userId));
  console.log(`following ${fresh.map((u) => u.username).join(", ")}`);
}
socket.onStatusPresence(({ joins, leaves }) => {
  for (const p of joins) console.log(`${p.username} is now "${p.status}"`);
  for (const p of leaves) console.log(`${p.username} left "${p.status}"`);
});

const room = await socket.joinChat(roomName, ChannelType.Room, { persistence: true });
await follow(room.presences);

// The bot's commands: each takes the sender's name and the rest of the line, returns the answer.
const commands: Record<string, (sender: string, rest: string) => string> = {
  help: () => "commands: !ping, !time, !echo <text>, !help",
  ping: () => "pong",
  time: () => new Date().toISOString(),
  echo: (sender, rest) => `${sender} said: ${rest}`,
};

socket.onChannelPresence(({ channelId, joins }) => {
  if (channelId !== room.id) return;
  const others = joins.filter((p) => p.userId !== session.userId);
  if (others.length === 0) return;
  follow(others)
    .then(() =>
      socket.writeChatMessage(room.id, { text: `welcome, ${others.map((p) => p.username).join(", ")}` }),
    )
    .catch((err: unknown) => console.error(`greeting failed: ${HeraldError.from(err)}`));
});

socket.onChannelMessage<{ text?: unknown }>((m) => {
  if (m.channelId !== room.id || m.senderId === session.userId) return;
  const text = typeof m.content.text === "string" ? m.content.text.trim() : "";
  const match = /^!(\w+)\s*(.*)$/s.exec(text);
  const command = match && commands[match[1]?.toLowerCase() ?? ""];
  if (!command) return;
  const answer = command(m.username, match[2] ?? "");
  socket
    .writeChatMessage(room.id, { text: answer, replyTo: m.messageId })
    .catch((err: unknown) => console.error(`answer failed: ${HeraldError.from(err)}`));
});

console.log(`${botName} is online in #${roomName} on ${client.baseUrl}`);

// Ctrl-C (or a service manager's SIGTERM): leave cleanly, so followers see the bot go offline.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    socket.disconnect().then(
      () => console.log(`${botName} is offline`),
      (err: unknown) => {
        console.error(String(HeraldError.from(err)));
        process.exitCode = 1;
      },
    );
  });
}
