import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import type { Socket } from "../../src/index.js";
import { type ChannelMessage, ChannelType, Client, type UserPresence } from "../../src/index.js";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { type Browser, launchChromium } from "../browser/chromium.js";
import { repo, requireBuild } from "../build/bundle-graph.js";

/** Resolves once `check` returns something other than undefined, checked on every event. */
function until<T>(what: string, on: (fn: () => void) => () => void, check: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, 20_000);
    const poll = () => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      off();
      resolve(value);
    };
    off = on(poll);
    poll();
  });
}

// The page as a user gets it: opened from disk (file://), loading dist/herald.min.js beside it.
describe("examples/browser/ opened from disk in Chromium", () => {
  let server: HeraldServer;
  let browser: Browser;
  let page: Page;
  let bob: Socket;
  let lookUp: (username: string) => Promise<string | undefined>;
  const pageErrors: string[] = [];
  const bobHeard: ChannelMessage[] = [];
  const bobSaw: UserPresence[] = [];

  before(async () => {
    requireBuild();
    server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
    const client = new Client({ port: server.port });
    const session = await client.authenticateDevice({ id: "browser-example-bob", username: "bob" });
    lookUp = async (username) => (await client.getUsers(session, { usernames: [username] })).users[0]?.id;
    bob = client.createSocket();
    await bob.connect(session, { appearOnline: true });
    bob.onChannelMessage((m) => bobHeard.push(m));
    bob.onStatusPresence(({ joins }) => bobSaw.push(...joins));

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    const url = pathToFileURL(path.join(repo, "examples", "browser", "index.html"));
    url.search = new URLSearchParams({
      server: server.url,
      room: "browser-test",
      username: "ada",
    }).toString();
    await page.goto(url.href);
  });
  after(async () => {
    await browser?.close();
    await bob?.disconnect();
    await server?.close();
  });

  test("signs in, sets a status that a follower sees, follows a user and sees theirs", async () => {
    await page.click("#sign-in button");
    await page.waitForSelector("#app:not([hidden])");
    assert.equal(await page.textContent("#state"), "open");
    const ada = await lookUp("ada");
    assert.ok(ada, "the page did not create ada's account");
    await bob.followUsers([ada]);

    await page.fill("#status", "In the browser");
    await page.click("#status-form button[type=submit]");
    await until(
      "bob to see ada's status",
      (fn) => bob.onStatusPresence(fn),
      () => bobSaw.find((p) => p.userId === ada && p.status === "In the browser"),
    );

    await page.fill("#follow-name", "bob");
    await page.click("#follow-form button[type=submit]");
    await page.waitForSelector("#friends li");
    await bob.updateStatus("Reading the docs");
    await page.waitForFunction(() =>
      document.querySelector("#friends")?.textContent?.includes('bob is "Reading the docs"'),
    );
  });

  test("chats in the room both ways", async () => {
    const room = await bob.joinChat("browser-test", ChannelType.Room, { persistence: true });
    await bob.writeChatMessage(room.id, { text: "hi from Node" });
    await page.waitForFunction(() =>
      document.querySelector("#messages")?.textContent?.includes("bob: hi from Node"),
    );

    await page.fill("#chat-text", "hi from the page");
    await page.click("#chat-form button[type=submit]");
    const heard = await until(
      "bob to hear the page",
      (fn) => bob.onChannelMessage(fn),
      () => bobHeard.find((m) => m.content.text === "hi from the page"),
    );
    assert.equal(heard.username, "ada");
    assert.equal(await page.textContent("#error"), "");
    assert.deepEqual(pageErrors, []);
  });
});
