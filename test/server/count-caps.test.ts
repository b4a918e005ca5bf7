import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { authenticate, openSocket, socketUrl, startServer, uniqueName } from "../helpers/server.js";

describe("count caps", () => {
  test("a socket may be in at most channelsPerSocket channels; leaving one makes room", async () => {
    const srv = await startServer({ caps: { channelsPerSocket: 2 } });
    try {
      const s = await openSocket(srv.url, await authenticate(srv.url));
      const first = await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel");
      await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel");
      const third = await s.request("channelJoin", { target: uniqueName("r"), type: 1 });
      assert.equal(third.kind, "error");
      const body = third.body as { code: number; message: string; context: Record<string, string> };
      assert.equal(body.code, 8);
      assert.equal(body.context.herald_code, "resource_exhausted");
      assert.match(body.message, /at most 2/);
      await s.callEmpty("channelLeave", { channelId: first.id });
      await s.call("channelJoin", { target: uniqueName("r"), type: 1 }, "channel");
      await s.close();
    } finally {
      await srv.close();
    }
  });

  test("a socket may follow at most followsPerSocket users; follows already held do not count twice", async () => {
    const srv = await startServer({ caps: { followsPerSocket: 2 } });
    try {
      const [a, b, c] = [
        await authenticate(srv.url),
        await authenticate(srv.url),
        await authenticate(srv.url),
      ];
      const s = await openSocket(srv.url, await authenticate(srv.url));
      await s.call("statusFollow", { userIds: [a.userId, b.userId] }, "status");
      await s.call("statusFollow", { userIds: [a.userId] }, "status");
      const over = await s.request("statusFollow", { userIds: [c.userId] });
      assert.equal(over.kind, "error");
      assert.equal(
        (over.body as { context: Record<string, string> }).context.herald_code,
        "resource_exhausted",
      );
      await s.callEmpty("statusUnfollow", { userIds: [a.userId] });
      await s.call("statusFollow", { userIds: [c.userId] }, "status");
      await s.close();
    } finally {
      await srv.close();
    }
  });

  test("a user may hold at most socketsPerUser sockets; the next upgrade gets 429 with a JSON body", async () => {
    const srv = await startServer({ caps: { socketsPerUser: 2 } });
    try {
      const user = await authenticate(srv.url);
      const one = await openSocket(srv.url, user);
      const two = await openSocket(srv.url, user);
      const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(socketUrl(srv.url, user.token));
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString("utf8");
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on("open", () => reject(new Error("the third socket was accepted")));
        ws.on("error", () => {});
      });
      assert.equal(refused.status, 429);
      const body = JSON.parse(refused.body) as Record<string, unknown>;
      assert.equal(body.herald_code, "resource_exhausted");
      assert.match(String(body.message), /at most 2/);
      // The open ones are untouched, and closing one makes room.
      await one.call("ping", {}, "pong");
      await two.close();
      while (srv.server.sessionCount > 1) await new Promise((r) => setTimeout(r, 10));
      const three = await openSocket(srv.url, user);
      await three.call("ping", {}, "pong");
      await three.close();
      await one.close();
    } finally {
      await srv.close();
    }
  });
});
