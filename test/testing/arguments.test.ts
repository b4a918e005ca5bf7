// The kit's calls given wrong arguments, as a test written in JavaScript (or with `any`) can give
// them: each fails at once with a HeraldError `bad_input` naming the argument. Before, some threw
// TypeErrors, one wait never ended, and a port given as a string made the fake server listen on a
// Unix socket file named after it, in the current folder.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import {
  cuttableWebSocket,
  inbox,
  nextEvent,
  openRawSocket,
  startFakeServer,
  startFaultProxy,
  startTestServer,
  waitFor,
} from "../../src/testing/index.js";
import { plainSocket } from "./plain-socket.js";

// biome-ignore lint/suspicious/noExplicitAny: wrong arguments are the point of these tests
type Any = any;

function badInput(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HeraldError, `a HeraldError, not ${String(error)}`);
    assert.equal(error.code, "bad_input");
    assert.match(error.message, pattern);
    return true;
  };
}

describe("the test kit refuses wrong arguments with a typed error", () => {
  test("waitFor: a timeout that is not a number fails at once instead of waiting for ever", async () => {
    await assert.rejects(
      waitFor(() => false, { timeoutMs: "soon" as Any }),
      badInput(/timeoutMs/),
    );
    await assert.rejects(
      waitFor(() => false, { timeoutMs: Number.NaN }),
      badInput(/timeoutMs.*NaN/),
    );
    await assert.rejects(
      waitFor(() => false, { timeoutMs: -1 }),
      badInput(/timeoutMs/),
    );
    await assert.rejects(
      waitFor(() => false, { intervalMs: "x" as Any }),
      badInput(/intervalMs/),
    );
    await assert.rejects(waitFor(null as Any), badInput(/waitFor: condition must be a function/));
  });

  test("waits with timeoutMs Infinity wait until aborted, and long ones do not fire at once", async () => {
    await using fake = await startFakeServer();
    const socket = plainSocket(fake.client());
    await socket.connect(fake.session());
    const notifications = inbox(socket, "notification");
    // Node fires timers over 2^31-1 ms at once: these waits used to fail with `timeout` at once.
    for (const timeoutMs of [Number.POSITIVE_INFINITY, 3e9]) {
      const controller = new AbortController();
      const waits = [
        nextEvent(socket, "notification", { timeoutMs, signal: controller.signal }),
        notifications.next(undefined, { timeoutMs, signal: controller.signal }),
        waitFor(() => false, { timeoutMs, signal: controller.signal }),
      ];
      const settled = waits.map((w) =>
        w.then(
          () => "resolved",
          (e: HeraldError) => e.code,
        ),
      );
      // Still waiting after a round trip to the server and a few turns of the timers.
      await socket.ping();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const early = await Promise.race([Promise.all(settled), Promise.resolve("waiting")]);
      assert.equal(early, "waiting", `timeoutMs ${timeoutMs}`);
      controller.abort();
      assert.deepEqual(await Promise.all(settled), ["aborted", "aborted", "aborted"]);
    }
    await socket.disconnect();
  });

  test("inbox and nextEvent: a missing source, bad options and a bad count", async () => {
    assert.throws(() => inbox(null as Any, "channelMessage" as Any), badInput(/inbox: the source must be/));
    await assert.rejects(
      nextEvent(undefined as Any, "channelMessage" as Any),
      badInput(/nextEvent: the source must be/),
    );
    await assert.rejects(
      nextEvent((() => () => {}) as Any, { match: "yes" as Any }),
      badInput(/nextEvent: match must be a function/),
    );
    await using fake = await startFakeServer();
    const requests = inbox(fake, "request");
    assert.throws(() => inbox(fake, "request", { limit: 0 }), badInput(/limit/));
    await assert.rejects(requests.take("two" as Any), badInput(/take: count/));
    await assert.rejects(requests.next(undefined, { timeoutMs: "x" as Any }), badInput(/next: timeoutMs/));
    await assert.rejects(requests.next("ping" as Any), badInput(/next: match must be a function/));
  });

  test("the fake server: listen options, codecs, hooks, request kinds, pushes and sessions", async () => {
    const before = existsSync("7350");
    await assert.rejects(startFakeServer({ port: "7350" as Any }), badInput(/port must be a whole number/));
    assert.equal(existsSync("7350"), before, "no Unix socket file named after the port");
    await assert.rejects(startFakeServer({ port: 70000 }), badInput(/port/));
    await assert.rejects(startFakeServer({ codecs: [] }), badInput(/codecs must be a non-empty array/));
    await assert.rejects(startFakeServer({ codecs: ["json"] as Any }), badInput(/codecs/));

    await using fake = await startFakeServer();
    // A misspelled kind made a hook that was never called, and a test that passed for the wrong reason.
    assert.throws(
      () => fake.onRequest("channelMesageSend" as Any, () => undefined),
      badInput(/unknown envelope kind "channelMesageSend"/),
    );
    assert.throws(() => fake.onRequest("ping", null as Any), badInput(/onRequest: hook must be a function/));
    assert.throws(() => fake.onHttp(undefined as Any), badInput(/onHttp: hook/));
    assert.throws(() => fake.onHistory({} as Any), badInput(/onHistory: handler/));
    assert.throws(() => fake.onUpgrade(401 as Any), badInput(/onUpgrade: hook/));
    await assert.rejects(fake.nextRequest("pong!" as Any), badInput(/nextRequest: unknown envelope kind/));
    assert.throws(() => fake.session(null as Any), badInput(/session: options must be an object/));
    assert.throws(() => fake.session({ userId: 7 as Any }), badInput(/userId must be a string/));

    const socket = plainSocket(fake.client());
    await socket.connect(fake.session());
    const connection = await fake.nextConnection();
    assert.throws(() => fake.push("nope" as Any, {} as Any), badInput(/push: unknown envelope kind "nope"/));
    assert.throws(() => fake.push("notifications", null as Any), badInput(/body must be an object/));
    assert.throws(
      () => fake.push("notifications", { notifications: [] }, "all" as Any),
      badInput(/to must be/),
    );
    assert.throws(() => fake.pushChannelMessage(null as Any), badInput(/pushChannelMessage: message/));
    assert.throws(() => fake.pushNotification({ subject: "x" } as Any), badInput(/must be an array/));
    assert.throws(() => fake.pushError(undefined as Any), badInput(/pushError: error/));
    // Right arguments still go out.
    assert.equal(fake.pushNotification([{ subject: "still fine" }], connection), 1);
    await socket.disconnect();
  });

  test("the fault proxy, the raw socket and the cuttable WebSocket", async () => {
    await assert.rejects(startFaultProxy(-5), badInput(/target port must be 1 to 65535, got -5/));
    await assert.rejects(startFaultProxy(0), badInput(/target port/));
    await assert.rejects(startFaultProxy("http://127.0.0.1:99999" as Any), badInput(/not a URL|target port/));
    await assert.rejects(
      startFaultProxy(7350, { port: "8080" as Any }),
      badInput(/port must be a whole number/),
    );
    await assert.rejects(openRawSocket("nope", "token"), badInput(/baseUrl must be/));
    await assert.rejects(openRawSocket(null as Any, null as Any), badInput(/baseUrl must be/));
    await assert.rejects(openRawSocket("http://127.0.0.1:1", "" as Any), badInput(/token must be/));
    assert.throws(
      () => cuttableWebSocket(null as Any),
      badInput(/cuttableWebSocket: options must be an object/),
    );
    assert.throws(
      () => cuttableWebSocket({ WebSocket: "ws" as Any }),
      badInput(/WebSocket must be a function/),
    );
  });

  test("the test server: options and users' options", async () => {
    await assert.rejects(
      startTestServer(null as Any),
      badInput(/startTestServer: options must be an object/),
    );
    await assert.rejects(startTestServer({ port: -1 }), badInput(/startTestServer: port/));
    await using server = await startTestServer();
    await assert.rejects(server.user(null as Any), badInput(/user: options must be an object/));
    await assert.rejects(server.user({ codec: "protobuf" as Any }), badInput(/codec must be a codec/));
    await assert.rejects(server.users(2, null as Any), badInput(/users: options must be an object/));
    await assert.rejects(server.users("2" as Any), badInput(/count must be a whole number, got a string/));
    await assert.rejects(server.socket({} as Any), badInput(/socket: expected a Session/));
    const ada = await server.user({ connect: false });
    assert.equal(ada.socket.state, "closed");
  });
});
