import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ChannelType, type Socket, type SocketChannelMessage } from "../../src/index.js";
import { type Inbox, inbox, startTestServer, type TestServer, waitFor } from "../../src/testing/index.js";
import { repo } from "../build/bundle-graph.js";

// Generous: the bot is a child process, and tsx compiles the example as it starts.
const WAIT_MS = 20_000;

describe("examples/bot.ts against the bundled server", () => {
  let server: TestServer;
  let bot: ChildProcess;
  let output = "";
  let exited: Promise<number | null>;
  let socket: Socket;
  let messages: Inbox<SocketChannelMessage>;

  const botSays = (what: string, pattern: RegExp) =>
    waitFor(() => pattern.test(output), { what, timeoutMs: WAIT_MS });
  const roomSays = (what: string, match: (m: SocketChannelMessage) => boolean) =>
    messages.next(match, { what });

  before(async () => {
    server = await startTestServer();
    bot = spawn(process.execPath, ["--import", "tsx", path.join("examples", "bot.ts")], {
      cwd: repo,
      env: { ...process.env, HERALD_PORT: String(server.port), HERALD_ROOM: "bot-test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    bot.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    exited = new Promise((resolve) => bot.on("exit", (code) => resolve(code)));
    await botSays("the bot to be online", /bot is online in #bot-test/);

    const ada = await server.user({
      username: "ada",
      exactUsername: true,
      connectOptions: { appearOnline: true },
    });
    socket = ada.socket;
    messages = inbox(socket, "channelMessage", { timeoutMs: WAIT_MS });
  });
  after(async () => {
    if (bot.exitCode === null) bot.kill("SIGKILL");
    await server?.close();
  });

  test("greets a user who joins its room, and follows them", async () => {
    await socket.joinChat("bot-test", ChannelType.Room);
    const greeting = await roomSays(
      "a greeting",
      (m) => m.username === "bot" && m.content.text === "welcome, ada",
    );
    assert.equal(greeting.username, "bot");
    await botSays("the bot to follow ada", /following ada/);
    await socket.updateStatus("Testing the bot");
    await botSays("the bot to see ada's status", /ada is now "Testing the bot"/);
  });

  test("answers a command in the room, as a reply", async () => {
    const room = await socket.joinChat("bot-test", ChannelType.Room);
    const ack = await socket.writeChatMessage(room.id, { text: "!ping" });
    const answer = await roomSays("pong", (m) => m.username === "bot" && m.content.text === "pong");
    assert.equal(answer.content.replyTo, ack.messageId);
  });

  test("leaves cleanly on SIGINT", async () => {
    bot.kill("SIGINT");
    assert.equal(await exited, 0, output);
    assert.match(output, /bot is offline/);
  });
});
