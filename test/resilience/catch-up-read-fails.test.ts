import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Client, type GapEvent, type SocketChannelMessage } from "../../src/index.js";
import type { FetchFunction } from "../../src/transport/fetch.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

for (const { mode, codec, label } of modeMatrix) {
  describe(`a catch-up whose history read fails as the server goes away (${label})`, () => {
    test("loses no message: the missed ones come with the next connection's catch-up, with no gap", async (t) => {
      const { server, client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const net = cuttableWebSocket();
      // The server dies during the read: the read fails before the socket sees its connection end.
      let failNextRead: (() => Promise<void>) | undefined;
      const fetchFor: FetchFunction = async (url, init) => {
        const fail = failNextRead;
        if (fail && String(url).includes("/v2/channel/")) {
          failNextRead = undefined;
          await fail();
          setTimeout(() => net.cutAll(), 20);
          throw new TypeError("fetch failed");
        }
        return fetch(url, init as RequestInit);
      };
      const adaClient = new Client({ port: server.port, serverKey: server.serverKey, fetch: fetchFor });
      const socket = adaClient.createSocket({
        codec,
        WebSocket: net.WebSocket,
        heartbeat: false,
        reconnect: { minDelayMs: 5, maxDelayMs: 40 },
      });
      t.after(() => socket.disconnect());
      const got: SocketChannelMessage[] = [];
      const gaps: GapEvent[] = [];
      socket.onChannelMessage((m) => got.push(m));
      socket.onGap((g) => gaps.push(g));
      await socket.connect(ada);
      const roomName = uniqueName("room");
      const room = await socket.joinChat(roomName, ChannelType.Room);
      const sender = client.createSocket({ codec, reconnect: false });
      t.after(() => sender.disconnect());
      await sender.connect(bob);
      await sender.joinChat(roomName, ChannelType.Room);
      await sender.writeChatMessage(room.id, { n: 0 });
      await waitFor(() => got.length === 1, "the first message, live");

      net.refuse();
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      net.cut();
      await away;
      for (let n = 1; n <= 3; n++) await sender.writeChatMessage(room.id, { n });
      // While the catch-up reads, a live message comes (held behind the missed ones), then the read fails.
      failNextRead = async () => {
        await sender.writeChatMessage(room.id, { n: 4 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      const reconnects: unknown[] = [];
      socket.onReconnected((r) => reconnects.push(r));
      net.restore();
      await waitFor(() => reconnects.length >= 2, "the connection after the failed read", 10_000);
      await waitFor(() => got.length >= 5, "every message", 5000).catch(() => {});
      assert.deepEqual(
        got.map((m) => m.content.n),
        [0, 1, 2, 3, 4],
      );
      assert.deepEqual(gaps, []);
    });
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`a catch-up whose history read is refused, and a listener that ends what it listens to (${label})`, () => {
    for (const call of ["disconnect", "leaveChat"] as const) {
      test(`${call}() from the listener of the first live message held back: none of the others follows`, async (t) => {
        const { server, client, signIn } = await serverWithClient(t, mode.options);
        const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
        const net = cuttableWebSocket();
        // The reconnection's history read: three live messages come while it waits, then the
        // server refuses it (a status, so no retry): the held messages are delivered with the gap.
        let refuseNextRead: (() => Promise<void>) | undefined;
        const fetchFor: FetchFunction = async (url, init) => {
          const refuse = refuseNextRead;
          if (refuse && String(url).includes("/v2/channel/")) {
            refuseNextRead = undefined;
            await refuse();
            return new Response('{"code":13,"message":"Internal server error"}', { status: 500 });
          }
          return fetch(url, init as RequestInit);
        };
        const adaClient = new Client({ port: server.port, serverKey: server.serverKey, fetch: fetchFor });
        const socket = adaClient.createSocket({
          codec,
          WebSocket: net.WebSocket,
          heartbeat: false,
          reconnect: { minDelayMs: 5, maxDelayMs: 40 },
        });
        t.after(() => socket.disconnect());
        await socket.connect(ada);
        const roomName = uniqueName("room");
        const room = await socket.joinChat(roomName, ChannelType.Room);
        const sender = client.createSocket({ codec, reconnect: false });
        t.after(() => sender.disconnect());
        await sender.connect(bob);
        await sender.joinChat(roomName, ChannelType.Room);

        net.refuse();
        const away = nextEvent(
          socket.onState.bind(socket),
          "reconnecting",
          (c) => c.state === "reconnecting",
        );
        net.cut();
        await away;
        let read = false;
        refuseNextRead = async () => {
          read = true;
          for (let n = 1; n <= 3; n++) await sender.writeChatMessage(room.id, { n });
          await new Promise((resolve) => setTimeout(resolve, 200));
        };
        const gaps: GapEvent[] = [];
        socket.onGap((g) => gaps.push(g));
        let after: number | undefined;
        socket.onChannelMessage(() => {
          if (after !== undefined) after++;
          else {
            after = 0;
            if (call === "disconnect") void socket.disconnect();
            else void socket.leaveChat(room.id);
          }
        });
        net.restore();
        await waitFor(() => after !== undefined, "the first held message");
        assert.ok(read, "the held messages came during the refused read");
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(after, 0, `messages delivered after ${call}()`);
        // Nor the gap of a channel left, or of a socket closed for good.
        assert.deepEqual(gaps, []);
      });
    }
  });
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`a catch-up whose history read runs out of time (${label})`, () => {
    test("is one gap after one read, and the live messages held meanwhile are not held any longer", async (t) => {
      const { server, client, signIn } = await serverWithClient(t, mode.options);
      const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
      const net = cuttableWebSocket();
      // The reconnection's history reads never get an answer: a server alive (its socket answers)
      // whose REST side hangs. Each read runs out of the client's time limit.
      let hangReads = false;
      let reads = 0;
      const fetchFor: FetchFunction = async (url, init) => {
        if (hangReads && String(url).includes("/v2/channel/")) {
          reads++;
          const signal = (init as RequestInit | undefined)?.signal;
          return new Promise<Response>((_, reject) =>
            signal?.addEventListener("abort", () => reject(signal.reason), { once: true }),
          );
        }
        return fetch(url, init as RequestInit);
      };
      const adaClient = new Client({
        port: server.port,
        serverKey: server.serverKey,
        fetch: fetchFor,
        timeoutMs: 300,
      });
      const socket = adaClient.createSocket({
        codec,
        WebSocket: net.WebSocket,
        heartbeat: false,
        timeoutMs: 10_000,
        reconnect: { minDelayMs: 5, maxDelayMs: 40 },
      });
      t.after(() => socket.disconnect());
      const got: SocketChannelMessage[] = [];
      const gaps: GapEvent[] = [];
      socket.onChannelMessage((m) => got.push(m));
      socket.onGap((g) => gaps.push(g));
      await socket.connect(ada);
      const roomName = uniqueName("room");
      const room = await socket.joinChat(roomName, ChannelType.Room);
      const sender = client.createSocket({ codec, reconnect: false });
      t.after(() => sender.disconnect());
      await sender.connect(bob);
      await sender.joinChat(roomName, ChannelType.Room);

      hangReads = true;
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      net.cut();
      await away;
      await back;
      await sender.writeChatMessage(room.id, { n: 1 });
      await waitFor(() => gaps.length === 1 && got.length === 1, "the gap, then the live message", 5000);
      assert.equal(gaps[0]?.reason, "history_unreadable");
      assert.equal(gaps[0]?.error?.code, "timeout");
      assert.equal(reads, 1, "a read that ran out of time is not tried again");
      assert.equal(got[0]?.content.n, 1);
    });
  });
}
