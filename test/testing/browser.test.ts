import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import * as esbuild from "esbuild";
import type { Page } from "playwright-core";
import { type FakeServer, startFakeServer } from "../../src/testing/index.js";
import { type Browser, launchChromium } from "../browser/chromium.js";
import { type PageServer, startPageServer } from "../browser/page-server.js";
import { repo } from "../build/bundle-graph.js";

// The kit's portable parts (the WebSocket wrapper, inbox, fake sessions) run in a real browser
// page against a fake server in Node: what an app's browser tests would do.

// The page gets the browser's own WebSocket and fetch, as herald's browser bundles do.
const platformGlobals: esbuild.Plugin = {
  name: "platform-globals",
  setup(build) {
    build.onResolve({ filter: /^(cross-fetch|isomorphic-ws)$/ }, (args) => ({
      path: args.path,
      namespace: "g",
    }));
    build.onLoad({ filter: /.*/, namespace: "g" }, (args) => ({
      contents:
        args.path === "isomorphic-ws"
          ? "export default globalThis.WebSocket;"
          : "const f = (i, o) => globalThis.fetch(i, o); export default f; export { f as fetch };",
      loader: "js",
    }));
  },
};

describe("the test kit's portable parts in headless Chromium", () => {
  let dir: string;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  let fake: FakeServer;
  const pageErrors: string[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "herald-kit-page-"));
    const bundle = path.join(dir, "kit.js");
    await esbuild.build({
      stdin: {
        contents: `import { Client } from "./src/index.ts";
import { cuttableWebSocket } from "./src/testing/cuttable-websocket.ts";
import { inbox } from "./src/testing/inbox.ts";
import { fakeSession } from "./src/testing/fake-session.ts";
globalThis.kit = { Client, cuttableWebSocket, inbox, fakeSession };`,
        resolveDir: repo,
        loader: "ts",
      },
      outfile: bundle,
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      plugins: [platformGlobals],
      logLevel: "warning",
    });
    pages = await startPageServer({ "/kit.js": bundle });
    fake = await startFakeServer();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(pages.origin);
    await page.addScriptTag({ url: "/kit.js" });
  });

  after(async () => {
    await browser?.close();
    await fake?.close();
    await pages?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a socket on the cuttable WebSocket hears a pushed status through an inbox, and a cut reaches it as 1006", async () => {
    await page.evaluate(async (port) => {
      const { Client, cuttableWebSocket, inbox, fakeSession } = (
        globalThis as never as { kit: Record<string, never> }
      ).kit as unknown as typeof import("../../src/testing/index.js") & typeof import("../../src/index.js");
      const net = cuttableWebSocket();
      const socket = new Client({ port }).createSocket({ WebSocket: net.WebSocket, ...{ reconnect: false } });
      const state = {
        net,
        socket,
        statuses: inbox(socket, "statusPresence"),
        lost: inbox(socket, "disconnect"),
      };
      (globalThis as never as { state: typeof state }).state = state;
      await socket.connect(fakeSession({ userId: "u-page", username: "page" }));
    }, fake.port);
    const connection = await fake.nextConnection();
    assert.equal(connection.userId, "u-page");
    fake.pushStatusPresence({
      joins: [{ userId: "u-friend", username: "friend", status: "in the browser" }],
    });

    const result = await page.evaluate(async () => {
      const { state } = globalThis as never as {
        state: {
          net: { cut(): void; count(): number };
          statuses: { next(): Promise<{ joins: { status?: string }[] }> };
          lost: { next(): Promise<{ code: number; requested: boolean }> };
        };
      };
      const status = (await state.statuses.next()).joins[0]?.status;
      state.net.cut();
      const lost = await state.lost.next();
      return { status, code: lost.code, requested: lost.requested, count: state.net.count() };
    });
    assert.deepEqual(result, { status: "in the browser", code: 1006, requested: false, count: 1 });
    await connection.closed;
    assert.deepEqual(pageErrors, []);
  });

  test("an inbox wait that runs out in the page fails with a timeout HeraldError naming what arrived", async () => {
    // Page code as text: the test runner's compiler would wrap named functions in a helper the page lacks.
    const error = (await page.evaluate(`(async () => {
      let emit = () => {};
      const source = { on: (_name, fn) => { emit = fn; return () => {}; } };
      const scores = kit.inbox(source, "score", { timeoutMs: 30 });
      emit({ points: 1 });
      try {
        await scores.next(() => false);
        return undefined;
      } catch (e) {
        return { name: e.name, code: e.code, message: e.message };
      }
    })()`)) as { name: string; code: string; message: string } | undefined;
    assert.equal(error?.name, "HeraldError");
    assert.equal(error?.code, "timeout");
    assert.match(error?.message ?? "", /1 score event\(s\) arrived: \[\{"points":1\}\]/);
  });
});
