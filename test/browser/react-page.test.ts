import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { Page } from "playwright-core";
import { type ChannelMessage, ChannelType, Client, type Socket } from "../../src/index.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";
import { type Browser, launchChromium } from "./chromium.js";
import { type PageServer, startPageServer } from "./page-server.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the React example page in headless Chromium", () => {
  let herald: TestServer;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  let bob: { socket: Socket; userId: string; username: string; channelId: string };
  let out: string;
  const room = uniqueName("room");
  const pageErrors: string[] = [];

  before(async () => {
    // The example as an app would ship it: bundled by esbuild for the browser, React in development mode.
    out = mkdtempSync(path.join(tmpdir(), "herald-react-page-"));
    await esbuild.build({
      entryPoints: [path.join(repo, "examples", "react", "main.tsx")],
      outfile: path.join(out, "app.js"),
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"development"' },
      logLevel: "warning",
    });
    herald = await startServer();
    pages = await startPageServer({ "/app.js": path.join(out, "app.js") });

    const client = new Client({ port: herald.port });
    const session = await client.authenticateDevice({
      id: `device-${uniqueName()}`,
      username: uniqueName("bob"),
    });
    const socket = client.createSocket();
    await socket.connect(session, { appearOnline: true });
    await socket.updateStatus("around");
    const { id } = await socket.joinChat(room, ChannelType.Room);
    await socket.writeChatMessage(id, { text: "hello from node" });
    bob = { socket, userId: session.userId, username: session.username, channelId: id };

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (err) => pageErrors.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`console error: ${msg.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await bob?.socket.disconnect();
    await pages?.close();
    await herald?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const waitForText = (testId: string, wanted: string) =>
    page.waitForFunction(
      ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.includes(want as string),
      [testId, wanted],
      { timeout: 10_000 },
    );

  test("the page connects, shows the room's history and a friend's status, sends, and follows changes live", async () => {
    const query = new URLSearchParams({
      port: String(herald.port),
      room,
      follow: bob.userId,
      name: uniqueName("ada"),
    });
    await page.goto(`${pages.origin}/?${query}`);
    await page.addScriptTag({ url: "/app.js", type: "module" });

    await waitForText("state", "open");
    await waitForText("messages", `${bob.username}: hello from node`);
    await waitForText("friends", `${bob.username}: around`);

    // Typing and sending in the page reaches the Node user.
    const heard = new Promise<ChannelMessage>((resolve) =>
      bob.socket.onChannelMessage((m) => {
        if (m.content.text === "hi from the browser") resolve(m);
      }),
    );
    await page.getByPlaceholder("Say something").fill("hi from the browser");
    await page.getByRole("button", { name: "Send" }).click();
    const message = await heard;
    assert.equal(message.channelId, bob.channelId);
    await waitForText("messages", "hi from the browser");

    // Live changes from the Node user show without a reload.
    await bob.socket.updateStatus("busy");
    await waitForText("friends", `${bob.username}: busy`);
    await bob.socket.writeChatMessage(bob.channelId, { text: "see you" });
    await waitForText("messages", `${bob.username}: see you`);

    const lines = await page.getByTestId("messages").locator("li").allTextContents();
    assert.deepEqual(lines.slice(0, 1), [`${bob.username}: hello from node`]);
    assert.equal(
      lines.filter((l) => l.endsWith("hi from the browser")).length,
      1,
      "the page's message shown once",
    );
    assert.equal(await page.getByTestId("state").textContent(), "open");
    assert.deepEqual(pageErrors, []);
  });
});
