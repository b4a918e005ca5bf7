import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { routes } from "../../src/gen/routes.js";
import { Client, HeraldError, Session } from "../../src/index.js";
import { makeJwt, makeTokens, startHttp } from "../sdk/helpers.js";

const json = (res: import("node:http").ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

function freshSession(expiresInSec = 3600): Session {
  const { token, refreshToken } = makeTokens(expiresInSec);
  return Session.restore(token, refreshToken);
}

describe("client REST calls", () => {
  test("authentication sends the server key as Basic credentials and returns a parsed Session", async (t) => {
    const tokens = makeTokens(60);
    const http = await startHttp(t, (_req, _body, res) =>
      json(res, 200, { created: true, token: tokens.token, refresh_token: tokens.refreshToken }),
    );
    const client = new Client({ port: http.port, serverKey: "secret" });
    const session = await client.authenticateDevice({ id: "device-0001", username: "ada", vars: { a: "b" } });
    const req = http.requests[0];
    assert.equal(req?.method, "POST");
    const url = new URL(req?.url ?? "", "http://x");
    assert.equal(url.pathname, "/v2/account/authenticate/device");
    assert.equal(url.searchParams.get("create"), "true");
    assert.equal(url.searchParams.get("username"), "ada");
    assert.deepEqual(JSON.parse(req?.body ?? ""), { id: "device-0001", vars: { a: "b" } });
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from("secret:").toString("base64")}`);
    assert.equal(session.created, true);
    assert.equal(session.userId, "u-1");
    assert.equal(session.username, "ada");
    assert.deepEqual(session.vars, { k: "v" });
    assert.ok(session.expiresAt instanceof Date);
    assert.ok(session.refreshExpiresAt instanceof Date);
    await http.close();
  });

  test("a server key beyond ASCII is sent in UTF-8, as servers read it", async (t) => {
    const tokens = makeTokens(60);
    const http = await startHttp(t, (_req, _body, res) =>
      json(res, 200, { token: tokens.token, refresh_token: tokens.refreshToken }),
    );
    for (const serverKey of ["clé", "ключ"]) {
      await new Client({ port: http.port, serverKey }).authenticateDevice({ id: "device-0001" });
      const sent = http.requests.at(-1)?.headers.authorization;
      assert.equal(sent, `Basic ${Buffer.from(`${serverKey}:`).toString("base64")}`);
    }
  });

  test("calls with a session send it as a Bearer token, and history always sends limit and forward", async (t) => {
    const http = await startHttp(t, (_req, _body, res) =>
      json(res, 200, {
        messages: [
          {
            channel_id: "2...lobby",
            message_id: "m1",
            sender_id: "u-2",
            content: '{"text":"hi"}',
            create_time: "2026-01-02T03:04:05.678Z",
            persistent: true,
          },
        ],
        cacheable_cursor: "cc",
      }),
    );
    const client = new Client({ port: http.port });
    const session = freshSession();
    const page = await client.listChannelMessages(session, "2...lobby");
    const url = new URL(http.requests[0]?.url ?? "", "http://x");
    assert.equal(url.pathname, `/v2/channel/${encodeURIComponent("2...lobby")}`);
    assert.equal(url.searchParams.get("limit"), "100");
    assert.equal(url.searchParams.get("forward"), "false");
    assert.equal(http.requests[0]?.headers.authorization, `Bearer ${session.token}`);
    assert.deepEqual(page.messages[0]?.content, { text: "hi" });
    assert.equal(page.messages[0]?.createTime?.toISOString(), "2026-01-02T03:04:05.678Z");
    assert.equal(page.messages[0]?.senderId, "u-2");
    assert.equal(page.nextCursor, "");
    assert.equal(page.cacheableCursor, "cc");
    await http.close();
  });

  test("a REST error body becomes a HeraldError with the mapped code, server code and HTTP status", async (t) => {
    const cases: [number, unknown, string, number | undefined][] = [
      [400, { code: 3, message: "Group not found." }, "bad_input", 3],
      [401, { code: 16, message: "Auth token invalid" }, "unauthenticated", 16],
      [403, { code: 7, message: "not a member" }, "permission_denied", 7],
      [404, { code: 5, message: "User not found" }, "not_found", 5],
      [500, { code: 13, message: "internal" }, "server_error", 13],
      [404, "no json here", "not_found", 5],
      [502, "", "server_error", 13],
    ];
    let i = 0;
    const http = await startHttp(t, (_req, _body, res) => {
      const [status, body] = cases[i++] as [number, unknown, string, number | undefined];
      if (typeof body === "string") res.writeHead(status).end(body);
      else json(res, status, body);
    });
    // No refresh: a 401 would otherwise refresh the session and ask again, taking the next answers.
    const client = new Client({ port: http.port, autoRefreshSession: false });
    for (const [status, body, code, serverCode] of cases) {
      await assert.rejects(client.getAccount(freshSession()), (e: HeraldError) => {
        assert.equal(e.code, code);
        assert.equal(e.status, status);
        assert.equal(e.serverCode, serverCode);
        if (typeof body === "object") assert.equal(e.message, (body as { message: string }).message);
        return true;
      });
    }
    await http.close();
  });

  test("a server that does not answer in time makes the call reject with timeout", async (t) => {
    const http = await startHttp(t, () => {}); // never answers
    const client = new Client({ port: http.port, timeoutMs: 50 });
    await assert.rejects(client.getAccount(freshSession()), { code: "timeout" });
    await assert.rejects(client.getAccount(freshSession(), { timeoutMs: 20 }), { code: "timeout" });
    await http.close();
  });

  test("aborting a call rejects it with aborted, and an aborted signal sends nothing", async (t) => {
    const http = await startHttp(t, () => {});
    const client = new Client({ port: http.port });
    const controller = new AbortController();
    const pending = client.getAccount(freshSession(), { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, { code: "aborted" });
    const before = http.requests.length;
    await assert.rejects(client.getAccount(freshSession(), { signal: AbortSignal.abort() }), {
      code: "aborted",
    });
    assert.equal(http.requests.length, before);
    await http.close();
  });

  test("a network failure rejects with server_error carrying the cause", async (t) => {
    const http = await startHttp(t, () => {});
    const port = http.port;
    await http.close();
    const client = new Client({ port });
    await assert.rejects(
      client.healthcheck(),
      (e: HeraldError) => e.code === "server_error" && e.cause !== undefined,
    );
  });

  test("an injected fetch is used for every call", async () => {
    const urls: string[] = [];
    const client = new Client({
      host: "example.invalid",
      ssl: true,
      port: 443,
      fetch: async (url) => {
        urls.push(url);
        return { status: 200, text: async () => '{"users":[{"id":"u-9","online":true}]}' };
      },
    });
    const { users } = await client.getUsers(freshSession(), { ids: ["u-9"], usernames: ["bob"] });
    assert.equal(users[0]?.online, true);
    assert.deepEqual(users[0]?.metadata, {});
    assert.equal(urls[0], "https://example.invalid:443/v2/user?ids=u-9&usernames=bob");
  });

  test("channelMessages walks every page and stops with an error when a cursor does not advance", async (t) => {
    const pages: Record<string, unknown> = {
      "": { messages: [{ message_id: "1", content: "{}" }], next_cursor: "c1" },
      c1: { messages: [{ message_id: "2", content: "{}" }], next_cursor: "c2" },
      c2: { messages: [{ message_id: "3", content: "{}" }] },
      // A server whose cursor points back at itself.
      loop: { messages: [{ message_id: "x", content: "{}" }], next_cursor: "loop" },
    };
    const http = await startHttp(t, (req, _body, res) => {
      const cursor = new URL(req.url ?? "", "http://x").searchParams.get("cursor") ?? "";
      json(res, 200, pages[cursor]);
    });
    const client = new Client({ port: http.port });
    const ids: string[] = [];
    for await (const m of client.channelMessages(freshSession(), "2...lobby", { forward: true, limit: 1 })) {
      ids.push(m.messageId);
    }
    assert.deepEqual(ids, ["1", "2", "3"]);
    const looped: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of client.channelMessages(freshSession(), "2...lobby", { cursor: "loop" })) {
          looped.push(m.messageId);
        }
      })(),
      { code: "server_error" },
    );
    assert.deepEqual(looped, ["x"]);
    await http.close();
  });

  test("channelMessages stops before yielding a page that repeats the one before, as stock Nakama 3.26 sends", async (t) => {
    // Stock 3.26, for messages created within one second: the next cursor never advances, and the
    // page it lists is the first one again.
    const first = {
      messages: [
        { message_id: "1", content: "{}" },
        { message_id: "2", content: "{}" },
      ],
      next_cursor: "c1",
    };
    const http = await startHttp(t, (_req, _body, res) => json(res, 200, first));
    const client = new Client({ port: http.port });
    const ids: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of client.channelMessages(freshSession(), "2...lobby", {
          forward: true,
          limit: 2,
        })) {
          ids.push(m.messageId);
        }
      })(),
      { code: "server_error" },
    );
    assert.deepEqual(ids, ["1", "2"]);
  });

  test("capabilities are cached, and a server without the route has no extensions", async (t) => {
    let calls = 0;
    const herald = await startHttp(t, (_req, _body, res) => {
      calls++;
      json(res, 200, { server: "herald", version: "0.1.0", extensions: ["client_msg_id"] });
    });
    const client = new Client({ port: herald.port });
    assert.deepEqual((await client.capabilities()).extensions, ["client_msg_id"]);
    await client.capabilities();
    assert.equal(calls, 1);
    await herald.close();
    const stock = await startHttp(t, (_req, _body, res) => json(res, 404, { code: 5, message: "Not Found" }));
    const caps = await new Client({ port: stock.port }).capabilities();
    assert.deepEqual(caps, { server: "", version: "", extensions: [] });
    await stock.close();
  });

  test("group member operations put the user ids in the query", async (t) => {
    const http = await startHttp(t, (_req, _body, res) => json(res, 200, {}));
    const client = new Client({ port: http.port });
    await client.kickGroupUsers(freshSession(), "g-1", ["a", "b"]);
    await client.blockFriends(freshSession(), { ids: ["c"] });
    await client.deleteNotifications(freshSession(), ["n1", "n2"]);
    assert.deepEqual(
      http.requests.map((r) => `${r.method} ${r.url}`),
      [
        "POST /v2/group/g-1/kick?user_ids=a&user_ids=b",
        "POST /v2/friend/block?ids=c",
        "DELETE /v2/notification?ids=n1&ids=n2",
      ],
    );
    await http.close();
  });
});

describe("client surface", () => {
  test("every REST route has a method on Client", () => {
    const client = new Client() as unknown as Record<string, unknown>;
    const missing = Object.keys(routes)
      .map((name) => (name === "getCapabilities" ? "capabilities" : name))
      .filter((name) => typeof client[name] !== "function");
    assert.deepEqual(missing, []);
  });
});

describe("sessions", () => {
  test("restore reads the claims of both tokens and isExpired compares against a given time", () => {
    const exp = 2_000_000_000;
    const token = makeJwt({ uid: "u-7", usn: "zoë", vrs: { lang: "fr" }, exp, iat: exp - 60 });
    const refresh = makeJwt({ uid: "u-7", exp: exp + 3600 });
    const session = Session.restore(token, refresh);
    assert.equal(session.userId, "u-7");
    assert.equal(session.username, "zoë");
    assert.deepEqual(session.vars, { lang: "fr" });
    assert.equal(session.expiresAt.getTime(), exp * 1000);
    assert.equal(session.refreshExpiresAt?.getTime(), (exp + 3600) * 1000);
    assert.equal(session.isExpired(exp * 1000 - 1), false);
    assert.equal(session.isExpired(new Date(exp * 1000)), true);
    assert.equal(session.token, token);
    assert.equal(session.refreshToken, refresh);
  });

  test("an update whose refresh token cannot be read changes nothing", () => {
    const exp = 2_000_000_000;
    const token = makeJwt({ uid: "u-7", usn: "ada", exp });
    const refresh = makeJwt({ uid: "u-7", exp: exp + 3600 });
    const session = Session.restore(token, refresh);
    const next = makeJwt({ uid: "u-7", usn: "ada-renamed", exp: exp + 60 });
    assert.throws(() => session.update(next, "not-a-jwt"), { code: "bad_input" });
    assert.equal(session.token, token);
    assert.equal(session.username, "ada");
    assert.equal(session.expiresAt.getTime(), exp * 1000);
    assert.equal(session.refreshToken, refresh);
  });

  test("a token that is not a JWT is refused with bad_input", () => {
    assert.throws(() => Session.restore("nope", ""), { code: "bad_input" });
    assert.throws(() => Session.restore("a.!!!.c", ""), { code: "bad_input" });
    assert.throws(() => Session.restore(makeJwt({ uid: "x" }), ""), { code: "bad_input" });
  });

  test("concurrent calls with a session about to expire share one refresh and use the new token", async (t) => {
    const renewed = makeTokens(3600, 7200, { uid: "u-1", usn: "ada-renewed" });
    let refreshes = 0;
    const http = await startHttp(t, (req, body, res) => {
      if (req.url === "/v2/account/session/refresh") {
        refreshes++;
        assert.equal(JSON.parse(body).token.length > 0, true);
        // Answer slowly enough that every call is waiting on the same refresh.
        setTimeout(() => json(res, 200, { token: renewed.token, refresh_token: renewed.refreshToken }), 20);
      } else {
        json(res, 200, { user: { id: "u-1" } });
      }
    });
    const seen: Session[] = [];
    const client = new Client({ port: http.port, onSessionRefresh: (s) => seen.push(s) });
    // 10 s left of a 60 s lifetime: inside the margin (5 minutes, capped at half the lifetime).
    const near = makeTokens(10, 3600, { iat: Math.floor(Date.now() / 1000) - 50 });
    const session = Session.restore(near.token, near.refreshToken);
    const old = session.token;
    await Promise.all([client.getAccount(session), client.getAccount(session), client.getUsers(session, {})]);
    assert.equal(refreshes, 1);
    assert.notEqual(session.token, old);
    assert.equal(session.username, "ada-renewed");
    assert.deepEqual(seen, [session]);
    const bearer = http.requests.filter((r) => r.url !== "/v2/account/session/refresh");
    assert.equal(bearer.length, 3);
    for (const r of bearer) assert.equal(r.headers.authorization, `Bearer ${renewed.token}`);
    await http.close();
  });

  test("a session far from expiry is not refreshed, nor is any when automatic refresh is off", async (t) => {
    const http = await startHttp(t, (_req, _body, res) => json(res, 200, {}));
    await new Client({ port: http.port }).getAccount(freshSession(3600));
    await new Client({ port: http.port, autoRefreshSession: false }).getAccount(freshSession(1));
    assert.deepEqual(
      http.requests.map((r) => r.url),
      ["/v2/account", "/v2/account"],
    );
    await http.close();
  });

  test("a failed refresh of an expired session rejects the call with the refresh's error", async (t) => {
    const http = await startHttp(t, (_req, _body, res) =>
      json(res, 401, { code: 16, message: "Refresh token invalid" }),
    );
    const client = new Client({ port: http.port });
    const { token, refreshToken } = makeTokens(-10, 3600);
    await assert.rejects(client.getAccount(Session.restore(token, refreshToken)), {
      code: "unauthenticated",
    });
    assert.equal(http.requests.length, 1);
    await http.close();
  });

  test("an onSessionRefresh that throws makes sessionRefresh reject with a HeraldError holding its exception", async (t) => {
    const renewed = makeTokens(3600);
    const http = await startHttp(t, (_req, _body, res) =>
      json(res, 200, { token: renewed.token, refresh_token: renewed.refreshToken }),
    );
    const thrown = new TypeError("storage is full");
    const client = new Client({
      port: http.port,
      onSessionRefresh: () => {
        throw thrown;
      },
    });
    const session = freshSession();
    await assert.rejects(client.sessionRefresh(session), (error: unknown) => {
      assert.ok(HeraldError.is(error), `rejected with ${String(error)}`);
      assert.equal(error.cause, thrown);
      assert.match(error.message, /onSessionRefresh threw: .*storage is full/);
      return true;
    });
    // The refresh itself was done.
    assert.equal(session.token, renewed.token);
  });

  test("a refresh shared by two calls goes on when the call that started it runs out of time", async (t) => {
    const renewed = makeTokens(3600);
    const http = await startHttp(t, (req, _body, res) => {
      if (req.url !== "/v2/account/session/refresh") json(res, 200, {});
      else
        setTimeout(() => json(res, 200, { token: renewed.token, refresh_token: renewed.refreshToken }), 150);
    });
    const client = new Client({ port: http.port });
    const { token, refreshToken } = makeTokens(-10, 3600);
    const session = Session.restore(token, refreshToken);
    const quick = client.getAccount(session, { timeoutMs: 30 });
    const patient = client.getAccount(session);
    await Promise.all([assert.rejects(quick, { code: "timeout" }), patient]);
    assert.equal(session.token, renewed.token);
  });

  test("a call waiting on a refresh that does not answer rejects when its own signal aborts or its own time is up", async (t) => {
    // The refresh route never answers; every other route would answer at once.
    const http = await startHttp(t, (req, _body, res) => {
      if (req.url !== "/v2/account/session/refresh") json(res, 200, {});
    });
    const client = new Client({ port: http.port, timeoutMs: 0 });
    const { token, refreshToken } = makeTokens(-10, 3600);
    const session = Session.restore(token, refreshToken);
    const abort = new AbortController();
    const aborted = client.getAccount(session, { signal: abort.signal });
    // A second call shares the first one's refresh, but with a limit of its own.
    const timed = client.getUsers(session, { ids: ["u-2"], timeoutMs: 50 });
    setTimeout(() => abort.abort(), 50);
    const within = (call: Promise<unknown>) =>
      Promise.race([
        call,
        new Promise((_, reject) => setTimeout(() => reject(new Error("still waiting")), 2000)),
      ]);
    await Promise.all([
      assert.rejects(within(aborted), { code: "aborted" }),
      assert.rejects(within(timed), { code: "timeout" }),
    ]);
    // A socket's connect waits on the same refresh, and gives up as the call does.
    const connect = client.createSocket().connect(session, { timeoutMs: 50 });
    await assert.rejects(within(connect), { code: "timeout" });
  });
});
