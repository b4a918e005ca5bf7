import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Client, type GapEvent, Session, type SocketChannelMessage } from "../../src/index.js";
import { ENDLESS_CHANNEL, startEndlessHistoryServer } from "../helpers/endless-history-server.js";
import { codecs } from "../helpers/server.js";
import { makeTokens, nextEvent, waitFor } from "../sdk/helpers.js";

const session = () => {
  const { token, refreshToken } = makeTokens(3600);
  return new Session(token, refreshToken);
};

for (const codec of codecs) {
  describe(`catch-up against history that never ends (${codec.format})`, () => {
    test("reads at most its page bound, delivers those pages in order, and reports one gap for the rest", async (t) => {
      const server = await startEndlessHistoryServer();
      t.after(() => server.close());
      const client = new Client({ port: server.port });
      const socket = client.createSocket({
        codec,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 20 },
        catchUp: { maxPages: 3 },
      });
      t.after(() => socket.disconnect());
      await socket.connect(session());
      await socket.joinChat("endless", ChannelType.Room);
      const got: SocketChannelMessage[] = [];
      const gaps: GapEvent[] = [];
      socket.onChannelMessage((m) => got.push(m));
      socket.onGap((g) => gaps.push(g));
      await waitFor(() => server.historyRequests === 1, "the history read at join");
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      server.sockets.at(-1)?.terminate();
      await back;
      await waitFor(() => got.length === 300, "three pages");
      await socket.ping();
      assert.equal(server.historyRequests, 1 + 3, "the join's read and three pages, no more");
      assert.deepEqual(gaps, [{ channelId: ENDLESS_CHANNEL, reason: "too_far_behind" }]);
      const times = got.map((m) => m.createTime?.getTime() ?? 0);
      assert.ok(
        times.every((time, i) => i === 0 || time > (times[i - 1] as number)),
        "delivered oldest first",
      );
      assert.ok(got.every((m) => m.catchUp === true));
    });

    test("disconnect() stops a catch-up in the middle: no page is read after it", async (t) => {
      const server = await startEndlessHistoryServer();
      t.after(() => server.close());
      const client = new Client({ port: server.port });
      const socket = client.createSocket({
        codec,
        heartbeat: false,
        reconnect: { minDelayMs: 10, maxDelayMs: 20 },
        catchUp: { maxPages: 1000 },
      });
      await socket.connect(session());
      await socket.joinChat("endless", ChannelType.Room);
      let delivered = 0;
      socket.onChannelMessage(() => delivered++);
      await waitFor(() => server.historyRequests === 1, "the history read at join");
      server.delayMs = 20;
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      server.sockets.at(-1)?.terminate();
      await back;
      await waitFor(() => server.historyRequests >= 4, "catch-up under way");
      await socket.disconnect();
      const after = server.historyRequests;
      // Long enough for several more pages had it gone on.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(
        server.historyRequests <= after + 1,
        `${server.historyRequests - after} reads after disconnect()`,
      );
      assert.equal(delivered, 0, "nothing held back was delivered after disconnect()");
    });
  });
}
