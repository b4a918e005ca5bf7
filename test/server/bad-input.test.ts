import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  socketUrl,
  uniqueName,
  upgradeStatus,
} from "../helpers/server.js";

describe("bad input", () => {
  const srv = serverForSuite();

  test("the upgrade is refused with 400 for an unknown format and 401 for a bad token", async () => {
    const ada = await authenticate(srv.url);
    assert.equal(await upgradeStatus(socketUrl(srv.url, ada.token, { format: "xml" })), 400);
    assert.equal(await upgradeStatus(socketUrl(srv.url, "not.a.token")), 401);
    assert.equal(await upgradeStatus(socketUrl(srv.url, `${ada.token}x`)), 401);
    const bare = `${srv.url.replace(/^http/, "ws")}/ws?status=true`;
    assert.equal(await upgradeStatus(bare), 401);
    assert.equal(await upgradeStatus(bare, { authorization: `Bearer ${ada.token}` }), 101);
  });

  for (const codec of codecs) {
    describe(`in ${codec.format}`, () => {
      test("refused requests get an error with their cid and the socket stays usable", async () => {
        const ada = await authenticate(srv.url);
        const s = await openSocket(srv.url, ada, codec);
        const cases: [Parameters<typeof s.request>[0], object, string][] = [
          ["statusFollow", { userIds: ["not-a-uuid"] }, "Invalid user identifier"],
          ["channelJoin", { target: "x", type: 9 }, "Invalid channel type"],
          ["channelMessageSend", { channelId: "nonsense", content: "{}" }, "Invalid channel identifier"],
          [
            "channelMessageUpdate",
            { channelId: "2...r", messageId: "m", content: "{}" },
            "Invalid message identifier",
          ],
          [
            "channelMessageUpdate",
            { channelId: "2...r", messageId: "0b7e6a4e-1d1f-4d3a-9d2c-3b1c7d9e8f00", content: "{}" },
            "Must join channel before updating messages",
          ],
          ["channelMessage", {}, "Unrecognized message."],
        ];
        for (const [kind, body, message] of cases) {
          const reply = await s.request(kind, body as never);
          assert.equal(reply.kind, "error", kind);
          assert.equal((reply.body as { message: string }).message, message);
          assert.equal(typeof reply.cid, "string");
        }
        const tooLong = await s.request("statusUpdate", { status: "x".repeat(2049) });
        assert.equal(tooLong.kind, "error");
        assert.equal((tooLong.body as { code: number }).code, 3);
        const longest = await s.request("statusUpdate", { status: "x".repeat(2048) });
        assert.equal(longest.kind, "empty");
        const ch = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        const big = await s.request("channelMessageSend", {
          channelId: ch.id,
          content: JSON.stringify({ t: "x".repeat(4100) }),
        });
        assert.equal(big.kind, "error");
        assert.match((big.body as { message: string }).message, /too large/);
        const unknownUser = await s.call(
          "statusFollow",
          { userIds: ["00000000-0000-4000-8000-000000000000"] },
          "status",
        );
        assert.deepEqual(unknownUser.presences, []);
        await s.call("ping", {}, "pong");
        await s.callEmpty("channelLeave", { channelId: "2...never-joined" });
        await s.close();
      });

      test("an undecodable frame gets an error and then a close with 1007 and a reason", async () => {
        const ada = await authenticate(srv.url);
        const s = await openSocket(srv.url, ada, codec);
        if (codec.binary) s.ws.send(Buffer.from([0xff, 0xff, 0xff, 0x01]), { binary: true });
        else s.ws.send('{"cid":"1","channel_join":');
        const closed = await s.closed;
        assert.equal(closed.code, 1007);
        assert.match(closed.reason, /Malformed envelope/);
        assert.ok(s.received.some((e) => e.kind === "error"));
      });

      test("a frame of the wrong type closes the socket with 1003", async () => {
        const ada = await authenticate(srv.url);
        const s = await openSocket(srv.url, ada, codec);
        if (codec.binary) s.ws.send('{"ping":{}}');
        else s.ws.send(protobufCodec.encodeEnvelope({ cid: "1", kind: "ping", body: {} }), { binary: true });
        const closed = await s.closed;
        assert.equal(closed.code, 1003);
      });
    });
  }

  test("an envelope with an unknown field is refused and the socket closed", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    s.ws.send('{"cid":"1","no_such_message":{}}');
    const closed = await s.closed;
    assert.equal(closed.code, 1007);
    const error = s.received.find((e) => e.kind === "error");
    assert.ok(error !== undefined, "an error frame precedes the close");
    assert.equal((error.body as { code: number }).code, 1);
  });

  test("a frame whose close reason would be cut inside a character still closes the socket with 1007", async () => {
    const ada = await authenticate(srv.url);
    const s = await openSocket(srv.url, ada);
    s.ws.send(JSON.stringify({ ["é".repeat(40)]: {} }));
    const closed = await Promise.race([
      s.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the socket was not closed")), 5000),
      ),
    ]);
    assert.equal(closed.code, 1007);
    assert.ok(Buffer.byteLength(closed.reason) <= 123);
    assert.match(closed.reason, /^Malformed envelope: .*é+$/);
    assert.doesNotMatch(closed.reason, /\uFFFD/);
  });

  test("REST errors carry the gRPC code and the matching HTTP status", async () => {
    const ada = await authenticate(srv.url);
    const noKey = await rest(srv.url, "POST", "/v2/account/authenticate/device", {
      basic: "wrong",
      body: { id: "device-123456" },
    });
    assert.deepEqual([noKey.status, noKey.body.code], [401, 16]);
    const shortId = await rest(srv.url, "POST", "/v2/account/authenticate/device", {
      basic: "defaultkey",
      body: { id: "x" },
    });
    assert.deepEqual([shortId.status, shortId.body.code], [400, 3]);
    const noCreate = await rest(srv.url, "POST", "/v2/account/authenticate/device?create=false", {
      basic: "defaultkey",
      body: { id: `missing-${uniqueName()}` },
    });
    assert.deepEqual([noCreate.status, noCreate.body.code], [404, 5]);
    const taken = await rest(srv.url, "POST", `/v2/account/authenticate/device?username=${ada.username}`, {
      basic: "defaultkey",
      body: { id: `other-${uniqueName()}` },
    });
    assert.deepEqual([taken.status, taken.body.code], [409, 6]);
    const noToken = await rest(srv.url, "GET", "/v2/account");
    assert.deepEqual([noToken.status, noToken.body.code], [401, 16]);
    const badJson = await fetch(`${srv.url}/v2/group`, {
      method: "POST",
      headers: { authorization: `Bearer ${ada.token}` },
      body: "{nope",
    });
    assert.equal(badJson.status, 400);
    const unknown = await rest(srv.url, "GET", "/v2/nothing-here", { token: ada.token });
    assert.equal(unknown.status, 404);
  });
});
