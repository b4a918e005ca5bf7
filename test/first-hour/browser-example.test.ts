import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import {
  ChannelType,
  type Socket,
  type SocketChannelMessage,
  type StatusPresenceEvent,
} from "../../src/index.js";
import { type Inbox, inbox, startTestServer, type TestServer } from "../../src/testing/index.js";
import { type Browser, launchChromium } from "../browser/chromium.js";
import { repo, requireBuild } from "../build/bundle-graph.js";

// Generous: Chromium starts and loads the page while the test waits.
const WAIT_MS = 20_000;

// The page as a user gets it: opened from disk (file://), loading dist/herald.min.js beside it.
describe("examples/browser/ opened from disk in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let bob: Socket;
  let lookUp: (username: string) => Promise<string | undefined>;
  const pageErrors: string[] = [];
  let bobHeard: Inbox<SocketChannelMessage>;
  let bobSaw: Inbox<StatusPresenceEvent>;

  before(async () => {
    requireBuild();
    server = await startTestServer();
    const user = await server.user({
      username: "bob",
      exactUsername: true,
      connectOptions: { appearOnline: true },
    });
    lookUp = async (username) =>
      (await user.client.getUsers(user.session, { usernames: [username] })).users[0]?.id;
    bob = user.socket;
    bobHeard = inbox(bob, "channelMessage", { timeoutMs: WAIT_MS });
    bobSaw = inbox(bob, "statusPresence", { timeoutMs: WAIT_MS });

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
    await bobSaw.next(({ joins }) => joins.some((p) => p.userId === ada && p.status === "In the browser"), {
      what: "bob to see ada's status",
    });

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
    const heard = await bobHeard.next((m) => m.content.text === "hi from the page", {
      what: "bob to hear the page",
    });
    assert.equal(heard.username, "ada");
    assert.equal(await page.textContent("#error"), "");
    assert.deepEqual(pageErrors, []);
  });
});
