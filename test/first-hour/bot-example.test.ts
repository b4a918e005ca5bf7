import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Socket } from "../../src/index.js";
import { type ChannelMessage, ChannelType, Client } from "../../src/index.js";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { repo } from "../build/bundle-graph.js";

/** Resolves with the first value `check` returns that is not undefined, polled as things arrive. */
function waitFor<T>(
  what: string,
  subscribe: (check: () => void) => () => void,
  check: () => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, 20_000);
    const poll = () => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    };
    stop = subscribe(poll);
    poll();
  });
}

describe("examples/bot.ts against the bundled server", () => {
  let server: HeraldServer;
  let bot: ChildProcess;
  let output = "";
  let exited: Promise<number | null>;
  let socket: Socket;
  const messages: ChannelMessage[] = [];

  const botSays = (what: string, pattern: RegExp) =>
    waitFor(
      what,
      (check) => {
        bot.stdout?.on("data", check);
        return () => bot.stdout?.off("data", check);
      },
      () => (pattern.test(output) ? true : undefined),
    );
  const roomSays = (what: string, match: (m: ChannelMessage) => boolean) =>
    waitFor(
      what,
      (check) => socket.onChannelMessage(check),
      () => messages.find(match),
    );

  before(async () => {
    server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
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

    const client = new Client({ port: server.port });
    const ada = await client.authenticateDevice({ id: "bot-test-ada-0001", username: "ada" });
    socket = client.createSocket();
    await socket.connect(ada, { appearOnline: true });
    socket.onChannelMessage((m) => messages.push(m));
  });
  after(async () => {
    if (bot.exitCode === null) bot.kill("SIGKILL");
    await socket?.disconnect();
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
