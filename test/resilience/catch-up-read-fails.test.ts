import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { ChannelType, Client, type GapEvent, type SocketChannelMessage } from "../../src/index.js";
import type { FetchFunction } from "../../src/transport/fetch.js";
import { type CuttableWebSocket, cutAway, cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { nextEvent, waitFor } from "../sdk/helpers.js";

/** What a test does with ada's history reads: a response, or undefined to let the server answer. */
type HistoryRead = (init: RequestInit | undefined, net: CuttableWebSocket) => Promise<Response> | undefined;

/**
 * Ada's socket in a room with bob's plain socket (the sender), ada's Client reading history through
 * `read`; ada's messages and gaps as they come. `clientTimeoutMs` is the Client's time limit.
 */
async function roomWithReads(
  t: TestContext,
  { mode, codec }: (typeof modeMatrix)[number],
  read: HistoryRead,
  clientTimeoutMs?: number,
) {
  const { server, client, signIn } = await serverWithClient(t, mode.options);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const net = cuttableWebSocket();
  const fetchFor: FetchFunction = (url, init) =>
    (String(url).includes("/v2/channel/") && read(init as RequestInit | undefined, net)) ||
    fetch(url, init as RequestInit);
  const adaClient = new Client({
    port: server.port,
    serverKey: server.serverKey,
    fetch: fetchFor,
    ...(clientTimeoutMs === undefined ? {} : { timeoutMs: clientTimeoutMs }),
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
  return { socket, sender, room, net, got, gaps };
}

for (const matrix of modeMatrix) {
  const { label } = matrix;
  describe(`a catch-up whose history read fails as the server goes away (${label})`, () => {
    test("loses no message: the missed ones come with the next connection's catch-up, with no gap", async (t) => {
      // The server dies during the read: the read fails before the socket sees its connection end.
      let failNextRead: (() => Promise<void>) | undefined;
      const { socket, sender, room, net, got, gaps } = await roomWithReads(t, matrix, (_, net) => {
        const fail = failNextRead;
        if (!fail) return undefined;
        failNextRead = undefined;
        return fail().then(() => {
          setTimeout(() => net.cutAll(), 20);
          throw new TypeError("fetch failed");
        });
      });
      await sender.writeChatMessage(room.id, { n: 0 });
      await waitFor(() => got.length === 1, "the first message, live");

      await cutAway(socket, net);
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

for (const matrix of modeMatrix) {
  const { label } = matrix;
  describe(`a catch-up whose history read is refused, and a listener that ends what it listens to (${label})`, () => {
    for (const call of ["disconnect", "leaveChat"] as const) {
      test(`${call}() from the listener of the first live message held back: none of the others follows`, async (t) => {
        // The reconnection's history read: three live messages come while it waits, then the
        // server refuses it (a status, so no retry): the held messages are delivered with the gap.
        let refuseNextRead: (() => Promise<void>) | undefined;
        const { socket, sender, room, net, gaps } = await roomWithReads(t, matrix, () => {
          const refuse = refuseNextRead;
          if (!refuse) return undefined;
          refuseNextRead = undefined;
          return refuse().then(
            () => new Response('{"code":13,"message":"Internal server error"}', { status: 500 }),
          );
        });

        await cutAway(socket, net);
        let read = false;
        refuseNextRead = async () => {
          read = true;
          for (let n = 1; n <= 3; n++) await sender.writeChatMessage(room.id, { n });
          await new Promise((resolve) => setTimeout(resolve, 200));
        };
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

for (const matrix of modeMatrix) {
  const { label } = matrix;
  describe(`a catch-up whose history read runs out of time (${label})`, () => {
    test("is one gap after one read, and the live messages held meanwhile are not held any longer", async (t) => {
      // The reconnection's history reads never get an answer: a server alive (its socket answers)
      // whose REST side hangs. Each read runs out of the client's time limit.
      let hangReads = false;
      let reads = 0;
      const hang = (init: RequestInit | undefined) => {
        if (!hangReads) return undefined;
        reads++;
        const signal = init?.signal;
        return new Promise<Response>((_, reject) =>
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true }),
        );
      };
      const { socket, sender, room, net, got, gaps } = await roomWithReads(t, matrix, hang, 300);

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
