// `createSocket()` options as a JavaScript caller may get them wrong: refused at once with
// bad_input naming the option, instead of a NaN time meaning "no limit", a heartbeat of -1 pinging
// the server without pause, or a wrong type failing only at connect().

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";

describe("createSocket options", () => {
  const srv = serverForSuite();

  test("options of the wrong type or range throw bad_input naming the option", () => {
    const client = new Client({ port: srv.port });
    const cases: [unknown, RegExp][] = [
      [5, /options must be an object/],
      [{ codec: "protobuf" }, /codec must be a codec/],
      [{ WebSocket: 5 }, /WebSocket must be a function/],
      [{ timeoutMs: Number.NaN }, /timeoutMs must be a number, 0 or more, got NaN/],
      [{ timeoutMs: -1 }, /timeoutMs must be a number, 0 or more, got -1/],
      [{ connectTimeoutMs: "30s" }, /connectTimeoutMs must be a number/],
      [{ maxFrameBytes: 0 }, /maxFrameBytes must be a number, 1 or more/],
      [{ reconnect: "yes" }, /reconnect must be an object or false/],
      [{ reconnect: { minDelayMs: -5 } }, /reconnect.minDelayMs/],
      [{ heartbeat: { intervalMs: -1 } }, /heartbeat.intervalMs must be a number, 1 or more/],
      [{ heartbeat: { intervalMs: 0 } }, /heartbeat.intervalMs/],
      [{ outbox: 5 }, /outbox must be an object/],
      [{ outbox: { maxSize: Number.NaN } }, /outbox.maxSize/],
      [{ outbox: { retryBackoff: { maxDelayMs: -1 } } }, /outbox.retryBackoff.maxDelayMs/],
      [{ catchUp: { maxPages: -1 } }, /catchUp.maxPages/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => client.createSocket(options as never),
        (e: unknown) => HeraldError.is(e, "bad_input") && message.test(e.message),
        JSON.stringify(options),
      );
    }
  });

  test("well-formed options are taken, `true` for reconnect and heartbeat meaning their defaults", async () => {
    const client = new Client({ port: srv.port });
    const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
    const variants = [
      null,
      { reconnect: true, heartbeat: true },
      { reconnect: false as const, timeoutMs: 0, connectTimeoutMs: Number.POSITIVE_INFINITY },
      {
        codec: protobufCodec,
        heartbeat: { intervalMs: 60_000 },
        outbox: { maxSize: 10 },
        catchUp: { maxPages: 0 },
      },
    ];
    for (const options of variants) {
      const socket = client.createSocket(options as never);
      await socket.connect(session);
      await socket.ping();
      await socket.disconnect();
    }
  });
});
