// A frame the server refuses and closes the socket for (one it cannot decode, one of the wrong type,
// or in stock mode one holding a field stock does not know) ends the socket's requests where it
// stands: the requests sent before it are answered first, then the refusal and the close go out,
// and nothing the client sent after it is carried out. A request carried out after the close
// began would have its effect (a message stored and delivered to others) without its answer: the
// client, told only of the close, would count it as lost and send it again.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import {
  authenticate,
  codecs,
  openSocket,
  rest,
  serverForSuite,
  startServer,
  uniqueName,
} from "../helpers/server.js";
import { bundledOnly, stockMode } from "../helpers/server-modes.js";

/** A frame of the socket's own type that its server refuses: a cut-off envelope. */
function malformed(codec: Codec): string | Buffer {
  // Protobuf: cid "x", then field 3 (channel_join) whose length points past the end. JSON: cid "x",
  // then a join whose target is a number.
  return codec.binary
    ? Buffer.from([0x0a, 1, 0x78, 0x1a, 9, 0x0a])
    : '{"cid":"x","channel_join":{"target":1}}';
}

/** The frame of a request, encoded as the socket's codec does. */
function frame(codec: Codec, cid: string, kind: "channelMessageSend" | "statusUpdate", body: object) {
  return codec.encodeEnvelope({ cid, kind, body } as never);
}

/** Two users in one new room: `a` (who will misbehave) and `b` (who watches). */
async function twoInARoom(baseUrl: string, codec: Codec) {
  const [ada, bob] = [await authenticate(baseUrl), await authenticate(baseUrl)];
  const a = await openSocket(baseUrl, ada, codec);
  const b = await openSocket(baseUrl, bob, codec);
  const channel = await a.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
  await b.call("channelJoin", { target: channel.roomName, type: 1 }, "channel");
  return { a, b, bob, channelId: channel.id };
}

/** Every stored message of a channel, as `b` lists it. */
async function stored(baseUrl: string, token: string, channelId: string): Promise<string[]> {
  const res = await rest(baseUrl, "GET", `/v2/channel/${encodeURIComponent(channelId)}?limit=100`, { token });
  assert.equal(res.status, 200);
  const messages = (res.body.messages ?? []) as { content: string }[];
  return messages.map((m) => m.content);
}

async function refusedThenSent(baseUrl: string, codec: Codec, refused: string | Buffer) {
  const { a, b, bob, channelId } = await twoInARoom(baseUrl, codec);
  // One burst: the refused frame, then a send and a status update behind it.
  a.ws.send(refused);
  a.ws.send(frame(codec, "after-1", "channelMessageSend", { channelId, content: '{"after":true}' }));
  a.ws.send(frame(codec, "after-2", "statusUpdate", { status: "after the refusal" }));
  await a.closed;
  // b's leave push comes after anything a's socket did: it is the last of a's effects b can see.
  await b.next("channelPresenceEvent", (e) => e.leaves.length > 0);
  assert.deepEqual(
    b.received.filter((e) => e.kind === "channelMessage"),
    [],
    "no message sent after the refused frame is delivered",
  );
  assert.deepEqual(await stored(baseUrl, bob.token, channelId), [], "nor stored");
  assert.equal(
    a.received.some((e) => e.cid === "after-1" || e.cid === "after-2"),
    false,
  );
  await b.close();
}

describe("a frame refused with a close, in herald mode", () => {
  const srv = serverForSuite();

  for (const codec of codecs) {
    test(`[${codec.format}] requests sent after it are not carried out`, async () => {
      await refusedThenSent(srv.url, codec, malformed(codec));
    });

    test(`[${codec.format}] requests sent before it are answered first, then the refusal, then the close`, async () => {
      const { a, b, channelId } = await twoInARoom(srv.url, codec);
      // One burst: a send (answered once its row is committed), a status update, the refused frame.
      a.ws.send(frame(codec, "before-1", "channelMessageSend", { channelId, content: '{"before":true}' }));
      a.ws.send(frame(codec, "before-2", "statusUpdate", { status: "before the refusal" }));
      a.ws.send(malformed(codec));
      const closed = await a.closed;
      assert.equal(closed.code, 1007);
      const answers = a.received.filter((e) => e.cid !== undefined).map((e) => `${e.cid} ${e.kind}`);
      assert.deepEqual(answers.slice(-3), ["before-1 channelMessageAck", "before-2 empty", "x error"]);
      // And the message went out to the room, once.
      const pushed = await b.next("channelMessage");
      assert.equal(pushed.content, '{"before":true}');
      await b.close();
    });
  }

  test("[json] a text frame that is not UTF-8 is refused as malformed: its error, then 1007 with a reason, after the answers before it", async () => {
    const { a, b, channelId } = await twoInARoom(srv.url, jsonCodec);
    a.ws.send(frame(jsonCodec, "before-1", "channelMessageSend", { channelId, content: '{"before":true}' }));
    // Sent as text, its bytes unchecked by the sending side.
    const notUtf8 = Buffer.concat([
      Buffer.from('{"cid":"x","ping":{"a":"'),
      Buffer.from([0xff]),
      Buffer.from('"}}'),
    ]);
    a.ws.send(notUtf8, { binary: false });
    const closed = await a.closed;
    assert.equal(closed.code, 1007);
    assert.match(closed.reason, /UTF-8/);
    const answers = a.received.filter((e) => e.cid !== undefined).map((e) => `${e.cid} ${e.kind}`);
    assert.deepEqual(answers.slice(-2), ["before-1 channelMessageAck", "x error"]);
    await b.close();
  });

  test("[json] requests sent after a binary frame (closed with 1003) are not carried out", async () => {
    await refusedThenSent(srv.url, jsonCodec, Buffer.from([1, 2, 3]));
  });

  test("[protobuf] requests sent after a text frame (closed with 1003) are not carried out", async () => {
    await refusedThenSent(srv.url, protobufCodec, "{}");
  });
});

describe('a frame refused with a close, in stock mode (compat "nakama")', () => {
  const srv = serverForSuite({ compat: "nakama" });

  test("[json] requests sent after a frame with an unknown field are not carried out", async () => {
    await refusedThenSent(srv.url, jsonCodec, '{"cid":"x","ping":{},"no_such_field":1}');
  });

  test("[json] requests sent before it are answered before the close", async () => {
    const { a, b, channelId } = await twoInARoom(srv.url, jsonCodec);
    a.ws.send(frame(jsonCodec, "before-1", "channelMessageSend", { channelId, content: '{"before":true}' }));
    a.ws.send('{"cid":"x","channel_join":');
    await a.closed;
    const answers = a.received.filter((e) => e.cid !== undefined).map((e) => `${e.cid} ${e.kind}`);
    assert.deepEqual(answers.slice(1), ["before-1 channelMessageAck"], "the join's reply, then the ack");
    await b.close();
  });
});

describe("a frame refused with a close, behind a request that does not end", () => {
  test("the socket still closes, within ten seconds", async (t) => {
    // A hook given a minute, that answers only once the test is over: the send before the refused
    // frame hangs past the close's wait.
    let release = () => {};
    const srv = await startServer({
      hookTimeoutMs: 60_000,
      hooks: {
        beforeChannelMessageSend: () =>
          new Promise<undefined>((resolve) => {
            release = () => resolve(undefined);
          }),
      },
    });
    t.after(() => {
      release();
      return srv.close();
    });
    const { a, b, channelId } = await twoInARoom(srv.url, jsonCodec);
    const started = Date.now();
    a.ws.send(frame(jsonCodec, "stuck", "channelMessageSend", { channelId, content: "{}" }));
    a.ws.send(malformed(jsonCodec));
    const closed = await a.closed;
    assert.equal(closed.code, 1007);
    assert.ok(Date.now() - started < 15_000, `closed after ${Date.now() - started} ms`);
    assert.ok(
      a.received.some((e) => e.kind === "error" && e.cid === "x"),
      "the refusal is sent first",
    );
    await b.close();
  });
});

/** A status update of `cid` whose frame, in the codec, has exactly `bytes` bytes. */
function sizedFrame(codec: Codec, cid: string, bytes: number): string | Uint8Array {
  const encode = (status: string) => codec.encodeEnvelope({ cid, kind: "statusUpdate", body: { status } });
  // The length prefixes of protobuf grow with the status: settle on the size from below.
  let pad = bytes - Buffer.byteLength(encode(""));
  while (Buffer.byteLength(encode("x".repeat(pad))) > bytes) pad -= 1;
  const out = encode("x".repeat(pad));
  assert.equal(Buffer.byteLength(out), bytes);
  return out;
}

/** The burst: a send and a status update, then a frame one byte over `limit`, then a send. */
async function oversizeBurst(baseUrl: string, codec: Codec, limit: number) {
  const { a, b, channelId } = await twoInARoom(baseUrl, codec);
  a.ws.send(frame(codec, "before-1", "channelMessageSend", { channelId, content: '{"before":true}' }));
  a.ws.send(frame(codec, "before-2", "statusUpdate", { status: "before the big frame" }));
  a.ws.send(sizedFrame(codec, "big", limit + 1));
  a.ws.send(frame(codec, "after-1", "channelMessageSend", { channelId, content: '{"after":true}' }));
  const closed = await a.closed;
  await b.next("channelPresenceEvent", (e) => e.leaves.length > 0);
  const pushed = b.received
    .filter((e) => e.kind === "channelMessage")
    .map((e) => (e.body as { content: string }).content);
  assert.deepEqual(pushed, ['{"before":true}'], "the send before is delivered, the one after is not");
  const answers = a.received.filter((e) => e.cid !== undefined).map((e) => `${e.cid} ${e.kind}`);
  await b.close();
  return { closed, answers };
}

describe("a frame over the frame limit, in herald mode", () => {
  const srv = serverForSuite({ maxFrameBytes: 2048 });

  for (const codec of codecs) {
    test(`[${codec.format}] the requests before it are answered, then its refusal, then the close with 1009`, async () => {
      const { closed, answers } = await oversizeBurst(srv.url, codec, 2048);
      assert.equal(closed.code, 1009);
      assert.match(closed.reason, /2049 bytes.*2048/);
      assert.deepEqual(answers.slice(-3), ["before-1 channelMessageAck", "before-2 empty", "big error"]);
    });
  }

  test("[json] a frame of exactly the limit is read", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url));
    s.ws.send(sizedFrame(jsonCodec, "fits", 2048));
    await s.call("ping", {}, "pong");
    assert.ok(s.received.some((e) => e.cid === "fits" && e.kind === "empty"));
    await s.close();
  });

  test("[json] a frame far over the limit still closes the socket with 1009", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url));
    s.ws.send(sizedFrame(jsonCodec, "huge", 2048 + 1024 * 1024));
    assert.equal((await s.closed).code, 1009);
  });
});

// Stock's 1009 is recorded, not its order with the answers before it: the bundled server's is checked.
const bundled = bundledOnly(stockMode, "the order of the 1009 close and the answers before it");
describe('a frame over the frame limit, in stock mode (compat "nakama")', bundled, () => {
  const srv = serverForSuite({ compat: "nakama" });

  for (const codec of codecs) {
    test(`[${codec.format}] the requests before it are answered, then the close with 1009 and no error frame`, async () => {
      const { closed, answers } = await oversizeBurst(srv.url, codec, 4096);
      assert.equal(closed.code, 1009);
      assert.deepEqual(answers.slice(-2), ["before-1 channelMessageAck", "before-2 empty"]);
    });
  }
});
