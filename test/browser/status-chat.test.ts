import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startServer } from "../helpers/server.js";
import { type Browser, launchChromium } from "./chromium.js";
import { type PageServer, startPageServer } from "./page-server.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const bundle = path.join(repo, "dist", "herald.min.js");
const scenario = path.join(repo, "test", "browser", "page", "scenario.js");

interface ScenarioResult {
  ada: { userId: string; username: string };
  grace: { userId: string; username: string };
  followedUserIds: string[];
  statusJoins: { userId: string; status: string }[];
  channelIds: string[];
  ack: { channelId: string; messageId: string };
  message: { channelId: string; messageId: string; senderId: string; username: string; content: unknown };
}

describe("the browser bundle in headless Chromium", () => {
  let herald: Awaited<ReturnType<typeof startServer>>;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    // Rebuild the IIFE so the page never runs a bundle older than the sources.
    const build = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--iife-only"], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(build.status, 0, `building dist/herald.min.js failed:\n${build.stderr}`);
    herald = await startServer();
    pages = await startPageServer({ "/herald.min.js": bundle, "/scenario.js": scenario });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console error: ${msg.text()}`);
    });
    await page.goto(`${pages.origin}/`);
  });

  after(async () => {
    await browser?.close();
    await pages?.close();
    await herald?.close();
  });

  test("loading the bundle adds the global `herald` and nothing else, and leaves fetch and WebSocket native", async () => {
    const globalsBefore = await page.evaluate("Object.getOwnPropertyNames(globalThis)");
    await page.addScriptTag({ url: "/herald.min.js" });
    const globalsAfter = await page.evaluate("Object.getOwnPropertyNames(globalThis)");
    const added = (globalsAfter as string[]).filter((name) => !(globalsBefore as string[]).includes(name));
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

  test("two users authenticate, follow, see a status update, join a room and exchange a message", async () => {
    // The bundle is normally loaded by the test above; load it here too when running this test alone.
    if ((await page.evaluate("typeof herald")) === "undefined")
      await page.addScriptTag({ url: "/herald.min.js" });
    await page.addScriptTag({ url: "/scenario.js" });
    const config = { host: "127.0.0.1", port: herald.port, serverKey: "defaultkey", waitMs: 10_000 };
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
    assert.deepEqual(pageErrors, []);
  });
});
