import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, test } from "node:test";
import {
  authenticate,
  captureLog,
  openSocket,
  type RawSocket,
  rest,
  startServer,
  uniqueName,
} from "../helpers/server.js";

function pause(s: RawSocket): Socket {
  const socket = (s.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return socket;
}

/** Reads one Prometheus sample, failing when it is missing. */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} in\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe("operations", () => {
  test("past the server-wide budget the slow reader is closed with 1013 and a healthy reader keeps every message", async () => {
    const log = captureLog();
    // A per-socket limit far above the server-wide budget: only the budget can close the reader.
    const srv = await startServer({
      maxBufferedBytes: 1 << 30,
      maxTotalBufferedBytes: 256 * 1024,
      logger: log.logger,
    });
    try {
      const room = uniqueName("room");
      const slow = await openSocket(srv.url, await authenticate(srv.url));
      const healthy = await openSocket(srv.url, await authenticate(srv.url));
      const sender = await openSocket(srv.url, await authenticate(srv.url));
      const ch = await slow.call("channelJoin", { target: room, type: 1 }, "channel");
      await healthy.call("channelJoin", { target: room, type: 1 }, "channel");
      await sender.call("channelJoin", { target: room, type: 1 }, "channel");
      const socket = pause(slow);
      const content = JSON.stringify({ pad: "x".repeat(3500) });
      const sent: string[] = [];
      for (let batch = 0; batch < 200 && !log.events.some((e) => e.event === "slow_reader_closed"); batch++) {
        const acks = await Promise.all(
          Array.from({ length: 100 }, () =>
            sender.call("channelMessageSend", { channelId: ch.id, content }, "channelMessageAck"),
          ),
        );
        sent.push(...acks.map((a) => a.messageId));
        // Let the budget check run between batches.
        await new Promise((r) => setTimeout(r, 20));
      }
      const closedEvent = await log.waitFor("slow_reader_closed");
      assert.equal(closedEvent.serverBudget, 256 * 1024);
      socket.resume();
      const closed = await slow.closed;
      assert.equal(closed.code, 1013);
      const last = sent[sent.length - 1];
      await healthy.next("channelMessage", (m) => m.messageId === last);
      const got = healthy.received
        .filter((e) => e.kind === "channelMessage")
        .map((e) => (e.body as { messageId: string }).messageId);
      assert.deepEqual(got, sent, "the healthy reader got every message, in order");
      await healthy.call("ping", {}, "pong");
      await healthy.close();
      await sender.close();
    } finally {
      await srv.close();
    }
  });

  test("a socket whose session token expires is closed with 4001 and a reason; a fresh token connects again", async () => {
    // Expiry is in whole seconds from the second the token is signed in: a token of 1 s may have
    // only a few milliseconds left, and the socket must open before it expires.
    const srv = await startServer({ tokenExpirySec: 3 });
    try {
      const user = await authenticate(srv.url);
      const s = await openSocket(srv.url, user);
      const closed = await s.closed;
      assert.deepEqual(closed, { code: 4001, reason: "Session token expired" });
      const refreshed = await rest(srv.url, "POST", "/v2/account/session/refresh", {
        basic: "defaultkey",
        body: { token: user.refreshToken },
      });
      assert.equal(refreshed.status, 200);
      const again = await openSocket(srv.url, { ...user, token: refreshed.body.token as string });
      await again.call("ping", {}, "pong");
      await again.close();
    } finally {
      await srv.close();
    }
  });

  test("stock mode keeps sockets past their token's expiry, as stock Nakama does", async () => {
    const log = captureLog();
    const srv = await startServer({ tokenExpirySec: 1, compat: "nakama", logger: log.logger });
    try {
      const s = await openSocket(srv.url, await authenticate(srv.url));
      const exp = JSON.parse(
        Buffer.from((await authenticate(srv.url)).token.split(".")[1] ?? "", "base64url").toString(),
      ).exp as number;
      // Wait until the token is past its expiry by the server's clock, then past one more check.
      while (Date.now() < exp * 1000 + 300) await new Promise((r) => setTimeout(r, 50));
      await s.call("ping", {}, "pong");
      assert.ok(!log.events.some((e) => e.event === "session_expired"));
      await s.close();
    } finally {
      await srv.close();
    }
  });

  test("the metrics endpoint serves Prometheus text on its own port, not on the public one", async () => {
    const srv = await startServer({
      metricsPort: 0,
      rateLimits: { messages: { burst: 1, perSecond: 0.001 } },
    });
    try {
      const port = srv.server.metricsPort;
      assert.ok(port !== undefined && port !== srv.port);
      const user = await authenticate(srv.url);
      const s = await openSocket(srv.url, user);
      const ch = await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel");
      await s.call("channelMessageSend", { channelId: ch.id, content: "{}" }, "channelMessageAck");
      const refused = await s.request("channelMessageSend", { channelId: ch.id, content: "{}" });
      assert.equal(refused.kind, "error");
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.equal(sample(text, "herald_sockets"), 1);
      assert.equal(sample(text, "herald_sessions"), 1);
      assert.equal(sample(text, "herald_messages_in_total"), 3);
      assert.ok(sample(text, "herald_messages_out_total") >= 3);
      assert.equal(sample(text, 'herald_refusals_total{code="rate_limited"}'), 1);
      assert.equal(sample(text, 'herald_rate_limit_hits_total{limit="messages"}'), 1);
      assert.ok(sample(text, 'herald_event_loop_delay_seconds{quantile="0.99"}') >= 0);
      assert.match(text, /# TYPE herald_messages_in_total counter/);
      assert.equal((await fetch(`${srv.url}/metrics`)).status, 404, "not served on the public port");
      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
      await s.close();
    } finally {
      await srv.close();
    }
  });
});
