// The built package (dist/), end to end. Every other SDK test imports src/; these run an app's
// first hour through dist/ as an installed `herald` resolves it, ESM and CJS, SDK and bundled
// server both built: sign in, status, follow, room chat both ways, a cut with catch-up and
// restore, history. Whatever the build does to the sources (bundling into chunks, the CJS
// wrappers, the version plugin), a change that breaks the shipped package at run time fails here.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { asCommonJs, assertRanThrough, run } from "../first-hour/readme-example.js";
import { repo, requireBuild } from "./bundle-graph.js";

// The scenario, as an app writes it (ESM; the CJS run turns its imports into requires). It prints
// one line, "result {...}", for the test to check; any failure throws and exits non-zero.
const scenario = `import { ChannelType, Client, HeraldError } from "herald";
import { startFaultProxy, startTestServer } from "herald/testing";

/** The next \`event\` of \`socket\` that \`match\` accepts, or an error after \`ms\`. */
function next(socket, event, match = () => true, ms = 15000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no matching " + event + " event within " + ms + " ms"));
    }, ms);
    const off = socket.on(event, (value) => {
      if (!match(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}
const server = await startTestServer();
const proxy = await startFaultProxy(server.port);
const result = {};
try {
  const suffix = Math.random().toString(36).slice(2, 8);
  const direct = new Client({ port: server.port });
  // Bob talks to the server through a proxy that can cut his connection.
  const viaProxy = new Client({ port: proxy.port });
  const ada = await direct.authenticateDevice({ id: "ada-device-" + suffix, username: "ada" + suffix });
  const bob = await viaProxy.authenticateDevice({ id: "bob-device-" + suffix, username: "bob" + suffix });
  const adaSocket = direct.createSocket();
  const bobSocket = viaProxy.createSocket({ reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
  await adaSocket.connect(ada, { appearOnline: true });
  await bobSocket.connect(bob, { appearOnline: true });

  const followed = await adaSocket.followUsers([bob.userId]);
  result.followedOnline = followed.presences.some((p) => p.userId === bob.userId);
  const statusSeen = next(adaSocket, "statusPresence", (e) =>
    e.joins.some((p) => p.userId === bob.userId && p.status === "Playing level 3"),
  );
  await bobSocket.updateStatus("Playing level 3");
  await bobSocket.followUsers([ada.userId]);
  result.status = (await statusSeen).joins[0].status;

  const adaRoom = await adaSocket.joinChat("lobby" + suffix, ChannelType.Room, { persistence: true });
  const bobRoom = await bobSocket.joinChat("lobby" + suffix, ChannelType.Room, { persistence: true });
  result.sameRoom = adaRoom.id === bobRoom.id;
  const bobReceives = [];
  bobSocket.on("channelMessage", (m) => bobReceives.push(m.content.text));

  let received = next(bobSocket, "channelMessage", (m) => m.content.text === "hi bob");
  const ack = await adaSocket.writeChatMessage(adaRoom.id, { text: "hi bob" });
  const atBob = await received;
  result.ackMatches = atBob.messageId === ack.messageId && atBob.senderId === ada.userId;
  result.createTimeIsDate = atBob.createTime instanceof Date;
  received = next(adaSocket, "channelMessage", (m) => m.content.text === "hi ada");
  await bobSocket.writeChatMessage(bobRoom.id, { text: "hi ada" });
  const atAda = await received;
  result.adaGotFromBob = atAda.senderId === bob.userId && atAda.username === "bob" + suffix;

  // A cut while Ada writes: Bob's socket reconnects, restores status, follow and room, and
  // catches up on what he missed, once.
  const reconnected = next(bobSocket, "reconnected");
  const missed = next(bobSocket, "channelMessage", (m) => m.content.text === "while you were away");
  proxy.refuse();
  await adaSocket.writeChatMessage(adaRoom.id, { text: "while you were away" });
  proxy.restore();
  const report = await reconnected;
  await missed;
  result.restored = {
    status: report.statusRestored,
    follows: report.follows.includes(ada.userId),
    channels: report.channels.includes(bobRoom.id),
  };
  received = next(bobSocket, "channelMessage", (m) => m.content.text === "back again");
  await adaSocket.writeChatMessage(adaRoom.id, { text: "back again" });
  await received;
  received = next(adaSocket, "channelMessage", (m) => m.content.text === "bob is back");
  await bobSocket.writeChatMessage(bobRoom.id, { text: "bob is back" });
  await received;
  result.bobReceived = bobReceives.filter((t) => t !== "hi ada" && t !== "bob is back");

  const page = await viaProxy.listChannelMessages(bob, bobRoom.id, { forward: true, limit: 10 });
  result.history = page.messages.map((m) => m.content.text);

  // Typed errors come through the build too.
  const refused = await bobSocket.writeChatMessage("", { text: "x" }).catch((error) => error);
  result.typedError = HeraldError.is(refused, "bad_input");

  await adaSocket.disconnect();
  await bobSocket.disconnect();
} finally {
  await proxy.close();
  await server.close();
}
console.log("result " + JSON.stringify(result));
`;

describe("the built package, end to end", () => {
  let app = "";
  before(() => {
    requireBuild();
    // A scratch app whose node_modules/herald is this repository, so that `herald` resolves
    // through the exports map exactly as an installed package does.
    const cache = path.join(repo, "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    app = mkdtempSync(path.join(cache, "herald-dist-app-"));
    mkdirSync(path.join(app, "node_modules"));
    symlinkSync(repo, path.join(app, "node_modules", "herald"), "dir");
    writeFileSync(path.join(app, "scenario.mjs"), scenario);
    writeFileSync(path.join(app, "scenario.cjs"), asCommonJs(scenario));
  });
  after(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  for (const file of ["scenario.mjs", "scenario.cjs"]) {
    test(`${file === "scenario.mjs" ? "ESM" : "CJS"}: sign in, status, follow, room chat both ways, a cut, history`, async () => {
      const result = await run(process.execPath, [file], { cwd: app, timeoutMs: 120_000 });
      assertRanThrough(result, file);
      const line = result.stdout.split("\n").find((l) => l.startsWith("result "));
      assert.ok(line, `no result printed:\n${result.stdout}\n${result.stderr}`);
      assert.deepEqual(JSON.parse(line.slice("result ".length)), {
        followedOnline: true,
        status: "Playing level 3",
        sameRoom: true,
        ackMatches: true,
        createTimeIsDate: true,
        adaGotFromBob: true,
        restored: { status: true, follows: true, channels: true },
        bobReceived: ["hi bob", "while you were away", "back again"],
        history: ["hi bob", "hi ada", "while you were away", "back again", "bob is back"],
        typedError: true,
      });
    });
  }
});
