import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HeraldError } from "../../src/errors.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { createServer } from "../../src/server/index.js";
import { type HistoryDeps, listHistory } from "../../src/server/services/history.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { createSqliteStorage } from "../../src/server/storage/sqlite-async.js";
import {
  authenticate,
  codecs,
  openSocket,
  type RawSocket,
  rest,
  serverForSuite,
  startServer,
  type TestServer,
  uniqueName,
} from "../helpers/server.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function joinedSocket(
  srv: TestServer,
  codec = jsonCodec,
): Promise<{ s: RawSocket; channelId: string }> {
  const s = await openSocket(srv.url, await authenticate(srv.url), codec);
  const ch = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
  return { s, channelId: ch.id };
}

/** Asserts the socket was closed by the server with `code` and was sent no error frame first. */
async function assertClosedWithoutError(s: RawSocket, code: number): Promise<void> {
  const closed = await s.closed;
  assert.equal(closed.code, code);
  assert.deepEqual(
    s.received.filter((e) => e.kind === "error"),
    [],
  );
}

describe('compat "nakama"', () => {
  const srv = serverForSuite({ compat: "nakama" });
  const herald = serverForSuite();

  test("there is no capabilities route: 404 as for any unknown route, while herald's mode answers", async () => {
    const caps = await rest(srv.url, "GET", "/v2/herald/capabilities");
    assert.equal(caps.status, 404);
    assert.equal(caps.body.code, 5);
    const health = await rest(srv.url, "GET", "/healthcheck");
    assert.equal(health.status, 200);
    const heraldCaps = await rest(herald.url, "GET", "/v2/herald/capabilities");
    assert.equal(heraldCaps.status, 200);
    assert.deepEqual(heraldCaps.body.extensions, [
      "client_msg_id",
      "exact_cursors",
      "join_mark",
      "user_presence",
    ]);
  });

  test("no extension fields are served: accounts have no invisible flag, users no last_active", async () => {
    const ada = await authenticate(srv.url);
    const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
    assert.equal(account.status, 200);
    assert.equal("invisible" in account.body, false);
    const users = await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: ada.token });
    const user = (users.body.users as Record<string, unknown>[])[0];
    assert.equal(user?.id, ada.userId);
    assert.equal("last_active" in (user ?? {}), false);
  });

  describe("in json", () => {
    test("a message holding a field stock does not know (client_msg_id) closes the socket with 1005 and no error frame", async () => {
      const { s, channelId } = await joinedSocket(srv);
      s.ws.send(
        JSON.stringify({
          cid: "9",
          channel_message_send: { channel_id: channelId, content: "{}", client_msg_id: "m-1" },
        }),
      );
      await assertClosedWithoutError(s, 1005);
    });

    test("so does the camelCase spelling of an extension field, and an unknown field in any message", async () => {
      const a = await joinedSocket(srv);
      a.s.ws.send(
        JSON.stringify({
          cid: "1",
          channelMessageSend: { channelId: a.channelId, content: "{}", clientMsgId: "x" },
        }),
      );
      await assertClosedWithoutError(a.s, 1005);
      const b = await openSocket(srv.url, await authenticate(srv.url));
      b.ws.send(JSON.stringify({ cid: "1", status_update: { status: "hi", invisible: true } }));
      await assertClosedWithoutError(b, 1005);
      const c = await openSocket(srv.url, await authenticate(srv.url));
      c.ws.send(JSON.stringify({ cid: "1", ping: {}, extra: 1 }));
      await assertClosedWithoutError(c, 1005);
    });

    test("a malformed envelope closes the socket with 1005 and no error frame", async () => {
      const s = await openSocket(srv.url, await authenticate(srv.url));
      s.ws.send("{not json");
      await assertClosedWithoutError(s, 1005);
      const empty = await openSocket(srv.url, await authenticate(srv.url));
      empty.ws.send(JSON.stringify({ cid: "1" }));
      await assertClosedWithoutError(empty, 1005);
    });

    test("herald's own mode takes the same client_msg_id frame and acks it", async () => {
      const { s, channelId } = await joinedSocket(herald);
      s.ws.send(
        JSON.stringify({
          cid: "9",
          channel_message_send: { channel_id: channelId, content: "{}", client_msg_id: "m-1" },
        }),
      );
      const ack = await s.next("channelMessage");
      assert.equal(ack.channelId, channelId);
      await s.close();
    });
  });

  describe("in protobuf", () => {
    test("extension fields are skipped as unknown: the send is acked, without the id and without deduplication", async () => {
      const { s, channelId } = await joinedSocket(srv, protobufCodec);
      const send = { channelId, content: '{"n":1}', clientMsgId: "same-id" };
      const first = await s.call("channelMessageSend", send, "channelMessageAck");
      const second = await s.call("channelMessageSend", send, "channelMessageAck");
      assert.equal(first.clientMsgId, "");
      assert.notEqual(first.messageId, second.messageId, "stock stores a repeated send again");
      await s.call("ping", {}, "pong");
      await s.close();
    });
  });

  for (const codec of codecs) {
    test(`in ${codec.format}, a frame over 4096 bytes closes the socket with 1009; one just under is taken`, async () => {
      const { s, channelId } = await joinedSocket(srv, codec);
      // A content of 3,900 bytes makes a frame of a little under 4096 bytes in either codec.
      const fits = await s.request("channelMessageSend", {
        channelId,
        content: JSON.stringify({ t: "x".repeat(3900) }),
      });
      assert.equal(fits.kind, "channelMessageAck");
      s.sendEnvelope({
        cid: "big",
        kind: "channelMessageSend",
        body: { channelId, content: JSON.stringify({ t: "x".repeat(4500) }) },
      });
      await assertClosedWithoutError(s, 1009);

      // herald's own mode takes the frame and refuses only the content, keeping the socket.
      const h = await joinedSocket(herald, codec);
      const refused = await h.s.request("channelMessageSend", {
        channelId: h.channelId,
        content: JSON.stringify({ t: "x".repeat(4500) }),
      });
      assert.equal(refused.kind, "error");
      await h.s.call("ping", {}, "pong");
      await h.s.close();
    });
  }
});

describe("compat option checks", () => {
  test("unknown compat values and compat with extensions are refused with a typed error", async () => {
    await assert.rejects(
      createServer({ port: 0, db: ":memory:", logLevel: "silent", compat: "stock" as never }),
      (err: unknown) => HeraldError.is(err, "bad_input") && /compat must be/.test(err.message),
    );
    await assert.rejects(
      createServer({
        port: 0,
        db: ":memory:",
        logLevel: "silent",
        compat: { nakama: true, historyCursors: "3.25" as never },
      }),
      (err: unknown) => HeraldError.is(err, "bad_input") && /historyCursors/.test(err.message),
    );
    await assert.rejects(
      createServer({
        port: 0,
        db: ":memory:",
        logLevel: "silent",
        compat: "nakama",
        extensions: ["client_msg_id"],
      }),
      (err: unknown) => HeraldError.is(err, "bad_input") && /extensions/.test(err.message),
    );
  });

  test("an explicit maxFrameBytes wins over stock's 4096 in compat mode", async () => {
    const srv = await startServer({ compat: "nakama", maxFrameBytes: 8192 });
    try {
      const { s, channelId } = await joinedSocket(srv);
      const reply = await s.request("channelMessageSend", {
        channelId,
        content: JSON.stringify({ t: "x".repeat(4000) }),
      });
      assert.equal(reply.kind, "channelMessageAck");
      await s.close();
    } finally {
      await srv.close();
    }
  });
});

/** Message ids of a history page, and its cursors. */
interface Page {
  ids: string[];
  next: string;
  cacheable: string;
}

function pageOf(body: Record<string, unknown>): Page {
  return {
    ids: ((body.messages as { message_id: string }[] | undefined) ?? []).map((m) => m.message_id),
    next: (body.next_cursor as string | undefined) ?? "",
    cacheable: (body.cacheable_cursor as string | undefined) ?? "",
  };
}

describe("stock 3.26 history cursors", () => {
  async function storeWith(times: number[]): Promise<{ ctx: HistoryDeps; ids: string[]; close(): void }> {
    const db = await openDatabase(":memory:");
    const storage = createSqliteStorage(db);
    const messages = storage.messages;
    const ids = times.map((at, i) => {
      const id = randomUUID();
      void messages.insert({
        id,
        channel_id: "2...r",
        code: 0,
        sender_id: randomUUID(),
        username: "u",
        content: JSON.stringify({ i }),
        create_time: at,
        update_time: at,
        client_msg_id: "",
        room_name: "r",
        group_id: "",
        user_id_one: "",
        user_id_two: "",
      });
      return id;
    });
    const ctx: HistoryDeps = { messages, groups: storage.groups, historyCursors: "3.26" };
    return { ctx, ids, close: () => db.close() };
  }
  const caller = { userId: randomUUID(), username: "u", tid: "", exp: 0, vars: {} };
  const list = async (ctx: HistoryDeps, limit: number, forward: boolean, cursor = "") => {
    const page = await listHistory(ctx, { channelId: "2...r", limit, forward, cursor }, caller);
    return {
      ids: (page.messages ?? []).map((m) => m.messageId as string),
      next: page.nextCursor ?? "",
      cacheable: page.cacheableCursor ?? "",
    };
  };

  test("cursors keep only the second: forward restarts at that second's first message, backward skips the second", async () => {
    const s0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    // Two messages in one second, three in the next.
    const { ctx, ids, close } = await storeWith([s0 + 100, s0 + 200, s0 + 1100, s0 + 1200, s0 + 1300]);
    const [a, b, c, d, e] = ids;
    try {
      const f1 = await list(ctx, 2, true);
      assert.deepEqual(f1.ids, [a, b]);
      const f2 = await list(ctx, 2, true, f1.next);
      assert.deepEqual(f2.ids, [a, b], "the first page again");
      assert.equal(f2.next, f1.next, "next_cursor does not advance");
      const g1 = await list(ctx, 3, true);
      assert.deepEqual((await list(ctx, 3, true, g1.next)).ids, [c, d, e], "restarts at the second of c");

      const b1 = await list(ctx, 2, false);
      assert.deepEqual(b1.ids, [e, d]);
      const b2 = await list(ctx, 2, false, b1.next);
      assert.deepEqual(b2.ids, [b, a], "c, in the cursor's second, is skipped");
      assert.equal(b2.next, "");

      const all = await list(ctx, 10, true);
      assert.deepEqual((await list(ctx, 10, true, all.cacheable)).ids, [c, d, e], "old messages again");
    } finally {
      close();
    }
  });

  test("end to end, for messages sent within one second: forward repeats, backward ends, cacheable lists old ones", async () => {
    const buggy = await startServer({ compat: { nakama: true, historyCursors: "3.26" } });
    const exact = await startServer({ compat: "nakama" });
    try {
      for (const srv of [buggy, exact]) {
        const user = await authenticate(srv.url);
        const s = await openSocket(srv.url, user);
        let channelId = "";
        let sent: string[] = [];
        // The case needs five messages created within one second: start early in a second, and
        // try again in a new room should the sends still straddle a second boundary.
        for (let attempt = 0; attempt < 5 && sent.length === 0; attempt++) {
          const wait = Date.now() % 1000;
          if (wait > 500) await new Promise((r) => setTimeout(r, 1000 - wait));
          const ch = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
          const acks = await Promise.all(
            [1, 2, 3, 4, 5].map((n) =>
              s.call("channelMessageSend", { channelId: ch.id, content: `{"n":${n}}` }, "channelMessageAck"),
            ),
          );
          const seconds = new Set(acks.map((ack) => Math.floor((ack.createTime?.getTime() ?? 0) / 1000)));
          if (seconds.size === 1) {
            channelId = ch.id;
            sent = acks.map((ack) => ack.messageId);
          }
        }
        assert.equal(sent.length, 5, "five messages sent within one second");
        const get = async (query: string) => {
          const res = await rest(srv.url, "GET", `/v2/channel/${encodeURIComponent(channelId)}?${query}`, {
            token: user.token,
          });
          assert.equal(res.status, 200);
          return pageOf(res.body);
        };
        const f1 = await get("limit=2&forward=true");
        const f2 = await get(`limit=2&forward=true&cursor=${f1.next}`);
        const b1 = await get("limit=2&forward=false");
        const b2 = await get(`limit=2&forward=false&cursor=${b1.next}`);
        const all = await get("limit=10&forward=true");
        const again = await get(`limit=10&forward=true&cursor=${all.cacheable}`);
        assert.deepEqual(f1.ids, sent.slice(0, 2));
        assert.deepEqual(b1.ids, [sent[4], sent[3]]);
        assert.deepEqual(all.ids, sent);
        if (srv === buggy) {
          assert.deepEqual(f2.ids, sent.slice(0, 2));
          assert.equal(f2.next, f1.next);
          assert.deepEqual(b2.ids, []);
          assert.equal(b2.next, "");
          assert.deepEqual(again.ids, sent);
        } else {
          assert.deepEqual(f2.ids, sent.slice(2, 4));
          assert.notEqual(f2.next, f1.next);
          assert.deepEqual(b2.ids, [sent[2], sent[1]]);
          assert.deepEqual(again.ids, []);
        }
        await s.close();
      }
    } finally {
      await buggy.close();
      await exact.close();
    }
  });
});

describe("compat from the command line", () => {
  test("--compat nakama and HERALD_COMPAT start a stock-faithful server; a bad mode is refused", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/server/cli.ts", "--port", "0", "--db", ":memory:", "--log-level", "silent"],
      { cwd: repo, env: { ...process.env, HERALD_COMPAT: "nakama" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the CLI printed no URL within 20 s")), 20_000);
        createInterface({ input: child.stdout }).on("line", (line) => {
          const m = /listening on (http:\/\/\S+)/.exec(line);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once("exit", () => reject(new Error("the CLI exited before listening")));
      });
      assert.equal((await rest(url, "GET", "/v2/herald/capabilities")).status, 404);
      const { s, channelId } = await joinedSocket({ url } as TestServer);
      s.sendEnvelope({
        cid: "big",
        kind: "channelMessageSend",
        body: { channelId, content: JSON.stringify({ t: "x".repeat(4500) }) },
      });
      assert.equal((await s.closed).code, 1009);
    } finally {
      child.kill("SIGKILL");
    }

    const bad = spawn(process.execPath, ["--import", "tsx", "src/server/cli.ts", "--compat", "stock"], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    bad.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => bad.once("exit", (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /unknown compat mode "stock"/);
  });
});
