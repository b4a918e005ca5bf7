// A herald server answers an envelope it cannot decode with an error before the 1007 close. When the
// request's cid can still be read, the error carries it, so the client settles the call that caused
// the close with the reason instead of only seeing the connection drop.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { Client, HeraldError } from "../../src/index.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { authenticate, openSocket, serverForSuite, uniqueName } from "../helpers/server.js";

/** Length-delimited protobuf field `field` holding `bytes`. */
function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), Buffer.from(bytes)]);
}

describe("malformed envelope in herald mode", () => {
  const srv = serverForSuite();

  test("a JSON envelope with a readable cid gets its error with that cid, then the 1007 close", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url), jsonCodec);
    s.ws.send('{"cid":"41","channel_join":{"target":"room","type":"not a number"}}');
    const closed = await s.closed;
    assert.equal(closed.code, 1007);
    const error = s.received.find((e) => e.kind === "error");
    assert.ok(error !== undefined, "an error frame precedes the close");
    assert.equal(error.cid, "41");
    assert.equal((error.body as { code: number }).code, 3);
    assert.equal((error.body as { context?: Record<string, string> }).context?.herald_code, "bad_input");
  });

  test("a protobuf envelope whose cid comes before the fault gets its error with that cid", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url), protobufCodec);
    // cid "42", then field 3 (channel_join) holding a varint-typed field 2 with a cut-off length.
    const frame = Buffer.concat([
      lengthDelimited(1, Buffer.from("42")),
      Buffer.from([(3 << 3) | 2, 3, (1 << 3) | 2, 10, 0x41]),
    ]);
    s.ws.send(frame, { binary: true });
    const closed = await s.closed;
    assert.equal(closed.code, 1007);
    const error = s.received.find((e) => e.kind === "error");
    assert.ok(error !== undefined, "an error frame precedes the close");
    assert.equal(error.cid, "42");
  });

  test("a frame with no readable cid still gets an error, without a cid", async () => {
    const s = await openSocket(srv.url, await authenticate(srv.url), jsonCodec);
    s.ws.send('{"cid":"43","channel_join":');
    const closed = await s.closed;
    assert.equal(closed.code, 1007);
    const error = s.received.find((e) => e.kind === "error");
    assert.ok(error !== undefined, "an error frame precedes the close");
    assert.equal(error.cid, undefined);
  });
});

/** A `ws` socket that spoils the frame of one status update with a field no server knows. */
class SpoilingWebSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    const spoiled = typeof data === "string" ? data.replace('"SPOIL"', '"SPOIL","no_such_field":1') : data;
    (super.send as (...args: unknown[]) => void)(spoiled, ...rest);
  }
}

describe("the SDK's call whose frame the server cannot decode", () => {
  const srv = serverForSuite();

  test("rejects with the server's reason (bad_input), not only as disconnected", async () => {
    const client = new Client({ port: srv.port });
    const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
    const socket = client.createSocket({
      reconnect: false,
      WebSocket: SpoilingWebSocket as unknown as new (url: string) => never,
    });
    await socket.connect(session);
    const refused = await socket.updateStatus("SPOIL").then(
      () => assert.fail("the spoiled update must not succeed"),
      (err: unknown) => err,
    );
    assert.ok(HeraldError.is(refused, "bad_input"), String(refused));
    assert.match(refused.message, /no_such_field/);
    await socket.disconnect();
  });
});
