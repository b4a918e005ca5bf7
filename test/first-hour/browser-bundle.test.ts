import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { type Browser, launchChromium } from "../browser/chromium.js";
import { type PageServer, startPageServer } from "../browser/page-server.js";
import { appBundle, requireBuild } from "../build/bundle-graph.js";

// An app's page as a bundler makes it: `import ... from "herald"` resolved through the package's
// exports map and `browser` field (not the prebuilt herald.min.js), bundled by esbuild, run in
// Chromium against the bundled server: sign-in, status, a room's chat and its history.
const app = `
import { ChannelType, Client } from "herald";

const port = Number(new URLSearchParams(location.search).get("port"));
globalThis.result = (async () => {
  const client = new Client({ host: "127.0.0.1", port, ssl: false, serverKey: "defaultkey" });
  const ada = await client.authenticateDevice({ id: "page-ada-0001", username: "ada" });
  const bob = await client.authenticateDevice({ id: "page-bob-0001", username: "bob" });
  const adaSocket = client.createSocket();
  const bobSocket = client.createSocket();
  await adaSocket.connect(ada, { appearOnline: true });
  await bobSocket.connect(bob, { appearOnline: true });
  const seen = new Promise((resolve) =>
    adaSocket.onStatusPresence(({ joins }) => {
      const bobs = joins.find((p) => p.status === "in a page");
      if (bobs) resolve(bobs.username + ": " + bobs.status);
    }),
  );
  await adaSocket.followUsers([bob.userId]);
  await bobSocket.updateStatus("in a page");
  const status = await seen;
  const room = await adaSocket.joinChat("page", ChannelType.Room, { persistence: true });
  await bobSocket.joinChat("page", ChannelType.Room, { persistence: true });
  const heard = new Promise((resolve) => adaSocket.onChannelMessage((m) => resolve(m.username + ": " + m.content.text)));
  await bobSocket.writeChatMessage(room.id, { text: "hi Ada" });
  const message = await heard;
  const page = await client.listChannelMessages(ada, room.id, { limit: 10, forward: false });
  await adaSocket.disconnect();
  await bobSocket.disconnect();
  return { status, message, history: page.messages.map((m) => m.content.text) };
})();
`;

describe('an app\'s browser bundle of "herald" in Chromium', () => {
  let dir: string;
  let server: TestServer;
  let pages: PageServer;
  let browser: Browser;

  before(async () => {
    requireBuild();
    dir = mkdtempSync(path.join(tmpdir(), "herald-app-page-"));
    const { inputs, output } = await appBundle(app);
    assert.ok(
      inputs.some((f) => f.startsWith("dist/")),
      `herald's dist/ was not bundled:\n${inputs.join("\n")}`,
    );
    writeFileSync(path.join(dir, "app.js"), output);
    server = await startTestServer();
    pages = await startPageServer({ "/app.js": path.join(dir, "app.js") });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("signs in, follows a status, chats in a room and reads its history against the bundled server", async () => {
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    await page.goto(`${pages.origin}/?port=${server.port}`);
    await page.addScriptTag({ url: "/app.js", type: "module" });
    const result = await page.evaluate(() => (globalThis as { result?: Promise<unknown> }).result);
    assert.deepEqual(result, { status: "bob: in a page", message: "bob: hi Ada", history: ["hi Ada"] });
    assert.deepEqual(pageErrors, []);
  });
});
