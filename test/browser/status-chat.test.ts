import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startServer, type TestServer } from "../helpers/server.js";
import { type Browser, launchChromium } from "./chromium.js";
import { type PageServer, startPageServer } from "./page-server.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const scripts = {
  "/herald.min.js": path.join(repo, "dist", "herald.min.js"),
  "/herald-protobuf.min.js": path.join(repo, "dist", "herald-protobuf.min.js"),
  "/herald-presence.min.js": path.join(repo, "dist", "herald-presence.min.js"),
  "/scenario.js": path.join(repo, "test", "browser", "page", "scenario.js"),
  "/worker.js": path.join(repo, "test", "browser", "page", "worker.js"),
};

interface ScenarioResult {
  ada: { userId: string; username: string };
  grace: { userId: string; username: string };
  followedUserIds: string[];
  statusJoins: { userId: string; status: string }[];
  channelIds: string[];
  ack: { channelId: string; messageId: string };
  message: { channelId: string; messageId: string; senderId: string; username: string; content: unknown };
}

/** What the page's WebSockets did, as Chromium saw it. */
interface SocketTraffic {
  url: string;
  sent: ("text" | "binary")[];
  received: ("text" | "binary")[];
}

describe("the browser bundles in headless Chromium", () => {
  let herald: TestServer;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const sockets: SocketTraffic[] = [];

  /** Adds a script to the page unless the global it defines is already there. */
  async function load(url: keyof typeof scripts, global: string): Promise<void> {
    if ((await page.evaluate(`typeof globalThis.${global}`)) === "undefined")
      await page.addScriptTag({ url });
  }

  /** Names of the page's own globals, to see what loading a script adds. */
  const globals = async () => (await page.evaluate("Object.getOwnPropertyNames(globalThis)")) as string[];

  before(async () => {
    // Rebuild the browser bundles so the page never runs bundles older than the sources.
    const build = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--iife-only"], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(build.status, 0, `building the browser bundles failed:\n${build.stderr}`);
    herald = await startServer();
    pages = await startPageServer(scripts);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console error: ${msg.text()}`);
    });
    page.on("websocket", (ws) => {
      const traffic: SocketTraffic = { url: ws.url(), sent: [], received: [] };
      sockets.push(traffic);
      ws.on("framesent", (f) => traffic.sent.push(typeof f.payload === "string" ? "text" : "binary"));
      ws.on("framereceived", (f) => traffic.received.push(typeof f.payload === "string" ? "text" : "binary"));
    });
    await page.goto(`${pages.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await pages?.close();
    await herald?.close();
  });

  test("loading the core bundle adds the global `herald` and nothing else, and leaves fetch and WebSocket native", async () => {
    const before = await globals();
    await page.addScriptTag({ url: "/herald.min.js" });
    const added = (await globals()).filter((name) => !before.includes(name));
    assert.deepEqual(added, ["herald"]);
    const natives = await page.evaluate(
      "[String(fetch), String(WebSocket)].map((s) => s.includes('[native code]'))",
    );
    assert.deepEqual(natives, [true, true], "fetch or WebSocket was replaced by the bundle");
    const exported = await page.evaluate(
      "['Client', 'Session', 'Socket', 'HeraldError'].map((n) => typeof herald[n])",
    );
    assert.deepEqual(exported, ["function", "function", "function", "function"]);
    assert.deepEqual(pageErrors, []);
  });

  test("loading the protobuf bundle adds the global `heraldProtobuf` and nothing else", async () => {
    const before = await globals();
    await page.addScriptTag({ url: "/herald-protobuf.min.js" });
    const added = (await globals()).filter((name) => !before.includes(name));
    assert.deepEqual(added, ["heraldProtobuf"]);
    const codec = await page.evaluate(
      "[heraldProtobuf.protobufCodec.format, heraldProtobuf.protobufCodec.binary]",
    );
    assert.deepEqual(codec, ["protobuf", true]);
    assert.deepEqual(pageErrors, []);
  });

  test("loading the presence bundle adds the global `heraldPresence` and nothing else", async () => {
    await load("/herald.min.js", "herald");
    const before = await globals();
    await page.addScriptTag({ url: "/herald-presence.min.js" });
    const added = (await globals()).filter((name) => !before.includes(name));
    assert.deepEqual(added, ["heraldPresence"]);
    assert.equal(await page.evaluate("typeof heraldPresence.PresenceStore"), "function");
    assert.deepEqual(pageErrors, []);
  });

  test("a presence store in the page sees a watched user come online with a status and leave", async () => {
    await load("/herald.min.js", "herald");
    await load("/herald-presence.min.js", "heraldPresence");
    await load("/scenario.js", "runPresenceScenario");
    const config = { host: "127.0.0.1", port: herald.port, serverKey: "defaultkey", waitMs: 10_000 };
    const result = (await page.evaluate(`runPresenceScenario(${JSON.stringify(config)})`)) as {
      graceUserId: string;
      initial: { userId: string; online: boolean };
      online: { online: boolean; status: string | undefined; username: string };
      offline: { online: boolean; status: string | undefined };
    };
    assert.deepEqual(result.initial, { userId: result.graceUserId, online: false });
    assert.equal(result.online.online, true);
    assert.equal(result.online.status, "Exploring");
    assert.match(result.online.username, /^pgrace/);
    assert.deepEqual(result.offline, { online: false, status: undefined });
    assert.deepEqual(pageErrors, []);
  });

  test("the core bundle works inside a Web Worker: sign in, connect, ping, set a status, list users", async () => {
    const config = { host: "127.0.0.1", port: herald.port, serverKey: "defaultkey" };
    const result = (await page.evaluate(`new Promise((resolve, reject) => {
      const worker = new Worker("/worker.js");
      const timer = setTimeout(() => reject(new Error("no answer from the worker within 15 s")), 15000);
      worker.onmessage = (e) => { clearTimeout(timer); worker.terminate(); resolve(e.data); };
      worker.onerror = (e) => { clearTimeout(timer); reject(new Error("worker error: " + e.message)); };
      worker.postMessage(${JSON.stringify(config)});
    })`)) as { ok: boolean; error?: string; hasWindow?: boolean; userId?: string; listedUserIds?: string[] };
    assert.equal(result.error, undefined);
    assert.equal(result.ok, true);
    assert.equal(result.hasWindow, false, "the worker has no window");
    assert.deepEqual(result.listedUserIds, [result.userId]);
    assert.deepEqual(pageErrors, []);
  });

  for (const format of ["json", "protobuf"] as const) {
    test(`two users authenticate, follow, see a status update, join a room and exchange a message (${format})`, async () => {
      await load("/herald.min.js", "herald");
      if (format === "protobuf") await load("/herald-protobuf.min.js", "heraldProtobuf");
      await load("/scenario.js", "runStatusAndChatScenario");
      const socketsBefore = sockets.length;
      const config = {
        host: "127.0.0.1",
        port: herald.port,
        serverKey: "defaultkey",
        waitMs: 10_000,
        format,
      };
      const result = (await page.evaluate(
        `runStatusAndChatScenario(${JSON.stringify(config)})`,
      )) as ScenarioResult;

      const { ada, grace } = result;
      assert.notEqual(ada.userId, grace.userId);
      assert.ok(
        result.followedUserIds.includes(grace.userId),
        "grace is online, so following her returns her presence",
      );
      assert.deepEqual(
        result.statusJoins.filter((p) => p.userId === grace.userId),
        [{ userId: grace.userId, status: "Playing level 3" }],
      );
      assert.equal(result.channelIds[0], result.channelIds[1], "both users joined the same room");
      assert.deepEqual(result.message, {
        channelId: result.ack.channelId,
        messageId: result.ack.messageId,
        senderId: grace.userId,
        username: grace.username,
        content: { text: "hello from the browser" },
      });

      // Both users' sockets spoke the asked-for format, in both directions.
      const used = sockets.slice(socketsBefore);
      assert.equal(used.length, 2, "one WebSocket per user");
      const frameType = format === "protobuf" ? "binary" : "text";
      for (const socket of used) {
        assert.equal(new URL(socket.url).searchParams.get("format") ?? "json", format);
        assert.ok(socket.sent.length > 0 && socket.received.length > 0, "frames went both ways");
        assert.deepEqual([...new Set([...socket.sent, ...socket.received])], [frameType]);
      }
      assert.deepEqual(pageErrors, []);
    });
  }
});
