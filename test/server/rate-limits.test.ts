import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RateLimiter } from "../../src/server/limits/rate-limiter.js";
import { authenticate, codecs, openSocket, rest, startServer, uniqueName } from "../helpers/server.js";

/** Effectively no refill within a test, so exactly `burst` requests pass. */
const only = (burst: number) => ({ burst, perSecond: 0.001 });

describe("rate limits", () => {
  test("a token bucket allows its burst, refills at its pace and forgets idle keys", () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 2, perSecond: 1 }, 3, () => now);
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("a"), 1000, "the third waits one refill");
    now = 500;
    assert.equal(limiter.take("a"), 500);
    now = 1000;
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.peek("a"), 1000);
    // Memory stays bounded: a fourth key evicts the least recently used one.
    limiter.take("b");
    limiter.take("c");
    limiter.take("d");
    assert.equal(limiter.size, 3);
    assert.equal(limiter.peek("a"), 0, "the evicted key starts over");
    now = 10_000;
    limiter.sweep();
    assert.equal(limiter.size, 0, "fully refilled keys are dropped");
  });

  for (const codec of codecs) {
    test(`in ${codec.format}, messages over the per-socket rate are refused with rate_limited, not dropped`, async () => {
      const srv = await startServer({ rateLimits: { messages: only(5) } });
      try {
        const alice = await authenticate(srv.url);
        const a = await openSocket(srv.url, alice, codec);
        const b = await openSocket(srv.url, await authenticate(srv.url), codec);
        const room = uniqueName("room");
        const ch = await a.call("channelJoin", { target: room, type: 1 }, "channel");
        await b.call("channelJoin", { target: room, type: 1 }, "channel");
        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            a.request("channelMessageSend", { channelId: ch.id, content: `{"n":${i}}` }),
          ),
        );
        assert.deepEqual(
          replies.map((r) => r.kind),
          [...Array(5).fill("channelMessageAck"), ...Array(3).fill("error")],
        );
        const refusal = replies[7]?.body as {
          code: number;
          message: string;
          context: Record<string, string>;
        };
        assert.equal(refusal.code, 8);
        assert.equal(refusal.context.herald_code, "rate_limited");
        assert.ok(Number(refusal.context.retry_after_ms) > 0);
        assert.match(refusal.message, /Too many messages/);
        // The socket stays usable, and another socket has its own allowance.
        await a.call("ping", {}, "pong");
        await b.call("channelMessageSend", { channelId: ch.id, content: "{}" }, "channelMessageAck");
        // Only the acknowledged messages were stored.
        const history = await rest(srv.url, "GET", `/v2/channel/${encodeURIComponent(ch.id)}?limit=100`, {
          token: alice.token,
        });
        assert.equal(history.status, 200);
        const stored = (history.body.messages as { content: string }[]).map((m) => JSON.parse(m.content).n);
        assert.deepEqual(stored.filter((n) => n !== undefined).sort(), [0, 1, 2, 3, 4]);
        await a.close();
        await b.close();
      } finally {
        await srv.close();
      }
    });
  }

  test("status updates and channel joins have their own per-socket rates", async () => {
    const srv = await startServer({ rateLimits: { statusUpdates: only(2), joins: only(3) } });
    try {
      const s = await openSocket(srv.url, await authenticate(srv.url));
      await s.callEmpty("statusUpdate", { status: "a" });
      await s.callEmpty("statusUpdate", { status: "b" });
      const third = await s.request("statusUpdate", { status: "c" });
      assert.equal(third.kind, "error");
      assert.equal((third.body as { context: Record<string, string> }).context.herald_code, "rate_limited");
      for (let i = 0; i < 3; i++)
        await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel");
      const join = await s.request("channelJoin", { target: uniqueName("r"), type: 1 });
      assert.equal(join.kind, "error");
      assert.match((join.body as { message: string }).message, /Too many channel joins/);
      await s.close();
    } finally {
      await srv.close();
    }
  });

  test("REST calls over the per-user rate get 429 with Retry-After and the usual JSON body", async () => {
    const srv = await startServer({ rateLimits: { restCalls: only(3) } });
    try {
      const user = await authenticate(srv.url);
      const other = await authenticate(srv.url);
      for (let i = 0; i < 3; i++)
        assert.equal((await rest(srv.url, "GET", "/v2/account", { token: user.token })).status, 200);
      const res = await fetch(`${srv.url}/v2/account`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.code, 8);
      assert.equal(body.herald_code, "rate_limited");
      assert.match(String(body.message), /Too many requests/);
      // Another user is counted apart.
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: other.token })).status, 200);
    } finally {
      await srv.close();
    }
  });

  test("sign-ups per address are limited", async () => {
    const srv = await startServer({ rateLimits: { signUps: only(2) } });
    try {
      await authenticate(srv.url);
      await authenticate(srv.url);
      const res = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=true", {
        basic: "defaultkey",
        body: { id: `device-${uniqueName()}` },
      });
      assert.equal(res.status, 429);
      assert.equal(res.body.herald_code, "rate_limited");
      assert.match(String(res.body.message), /Too many sign-ups/);
    } finally {
      await srv.close();
    }
  });

  test("after too many wrong passwords even the right one is refused until the allowance refills", async () => {
    const srv = await startServer({ rateLimits: { wrongPasswords: only(3) } });
    try {
      const email = `${uniqueName("m")}@example.com`;
      const signIn = (password: string) =>
        rest(srv.url, "POST", "/v2/account/authenticate/email?create=true", {
          basic: "defaultkey",
          body: { email, password },
        });
      assert.equal((await signIn("right-password")).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await signIn(`wrong-password-${i}`)).status, 401);
      const res = await fetch(`${srv.url}/v2/account/authenticate/email?create=true`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from("defaultkey:").toString("base64")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ email, password: "right-password" }),
      });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      assert.equal(((await res.json()) as Record<string, unknown>).herald_code, "rate_limited");
    } finally {
      await srv.close();
    }
  });

  test("rate limits are on by default", async () => {
    const srv = await startServer({ rateLimits: {} });
    try {
      const s = await openSocket(srv.url, await authenticate(srv.url));
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) => s.request("statusUpdate", { status: String(i) })),
      );
      assert.ok(
        replies.some((r) => r.kind === "error"),
        "30 status updates at once go over the default",
      );
      assert.ok(
        replies.slice(0, 5).every((r) => r.kind === "empty"),
        "the default burst passes",
      );
      await s.close();
    } finally {
      await srv.close();
    }
  });
});
