import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import vm from "node:vm";
import WebSocket from "ws";
import { repo, requireBuild } from "../build/bundle-graph.js";
import { startServer, uniqueName } from "../helpers/server.js";

// The browser bundle runs in a bare context holding only what a page has: the platform's fetch and
// WebSocket, timers, atob. The core bundle's own socket reconnects.
test("the core browser bundle's socket chats and comes back after a cut", async (t) => {
  requireBuild();
  const server = await startServer();
  t.after(() => server.close());
  const made: WebSocket[] = [];
  class PageWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      made.push(this);
    }
  }
  const page = vm.createContext({
    fetch,
    WebSocket: PageWebSocket,
    atob,
    btoa,
    AbortController,
    AbortSignal,
    Event,
    EventTarget,
    Headers,
    Request,
    Response,
    URLSearchParams,
    setTimeout,
    clearTimeout,
    URL,
    TextEncoder,
    TextDecoder,
    crypto,
    console,
  });
  vm.runInContext(readFileSync(path.join(repo, "dist", "herald.min.js"), "utf8"), page, {
    filename: "herald.min.js",
  });
  const room = uniqueName("room");
  page.port = server.port;
  page.device = `device-${uniqueName()}`;
  page.username = uniqueName("ada");
  page.room = room;
  page.cut = () => made[made.length - 1]?.terminate();
  // Handed over as JSON: arrays made in the page's realm are not deep-equal to this realm's.
  const json: string = await vm.runInContext(
    `(async () => {
      const client = new herald.Client({ port });
      const session = await client.authenticateDevice({ id: device, username });
      const socket = client.createSocket({ reconnect: { minDelayMs: 10, maxDelayMs: 20 } });
      const texts = [];
      let wake;
      const both = new Promise((resolve) => { wake = resolve; });
      socket.onChannelMessage((m) => { if (texts.push(m.content.text) === 2) wake(); });
      await socket.connect(session);
      const channel = await socket.joinChat(room, herald.ChannelType.Room);
      await socket.writeChatMessage(channel.id, { text: "before" });
      const back = new Promise((resolve) => socket.onReconnected(resolve));
      cut();
      const report = await back;
      await socket.writeChatMessage(channel.id, { text: "after" });
      await both;
      await socket.disconnect();
      return JSON.stringify({ texts, channels: report.channels, state: socket.state, channelId: channel.id });
    })()`,
    page,
  );
  const result = JSON.parse(json);
  assert.deepEqual(result.texts, ["before", "after"]);
  assert.deepEqual(result.channels, [result.channelId]);
  assert.equal(result.state, "closed");
});
