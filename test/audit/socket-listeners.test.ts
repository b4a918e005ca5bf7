// Listening as a JavaScript caller may get it wrong: a misspelt event name or a listener that is
// not a function is refused when it is registered, not silently ignored or reported at the first
// event; and a listener that throws leaves the socket and the other listeners working.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError, type Socket } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const isBadInput = (pattern: RegExp) => (e: unknown) =>
  HeraldError.is(e, "bad_input") && pattern.test(e.message);

describe("socket listeners, refused at registration", () => {
  const socket = new Client({ port: 1 }).createSocket();
  const anySocket = socket as unknown as {
    on(name: unknown, fn: unknown): unknown;
    events(name: unknown, options?: unknown): unknown;
  };

  test("an unknown event name throws bad_input naming the known ones", () => {
    assert.throws(
      () => anySocket.on("channelMesage", () => {}),
      isBadInput(/unknown event "channelMesage".*channelMessage/),
    );
    assert.throws(() => anySocket.on(undefined, () => {}), isBadInput(/unknown event/));
    assert.throws(() => anySocket.events("toString"), isBadInput(/unknown event "toString"/));
  });

  test("a listener that is not a function throws bad_input", () => {
    assert.throws(() => anySocket.on("channelMessage", 5), isBadInput(/listener must be a function/));
    assert.throws(() => socket.onNotification(null as never), isBadInput(/listener must be a function/));
  });

  test("each event has its onX method, which checks its listener as on() does", () => {
    const names =
      "statusPresence channelPresence channelMessage notification error disconnect state reconnected gap";
    const methods = socket as unknown as Record<string, (fn: unknown) => unknown>;
    for (const name of names.split(" ")) {
      const method = `on${name[0]?.toUpperCase()}${name.slice(1)}`;
      assert.equal(typeof methods[method], "function", method);
      assert.throws(
        () => methods[method]?.call(socket, 5),
        isBadInput(/listener must be a function/),
        method,
      );
      const stop = methods[method]?.call(socket, () => {});
      assert.equal(typeof stop, "function", method);
      (stop as () => void)();
    }
  });

  test("events() refuses a bad buffer size and a signal that is not an AbortSignal", () => {
    for (const bufferSize of [0, -1, 1.5, Number.NaN, "10"]) {
      assert.throws(
        () => anySocket.events("state", { bufferSize }),
        isBadInput(/bufferSize/),
        String(bufferSize),
      );
    }
    assert.throws(
      () => anySocket.events("state", { signal: "stop" }),
      isBadInput(/signal must be an AbortSignal/),
    );
  });
});

for (const mode of serverModes) {
  describe(`a listener that throws (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("is reported through error; the other listeners and the socket go on", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
      const socket: Socket = client.createSocket();
      const errors: HeraldError[] = [];
      socket.onError((e) => errors.push(e));
      socket.onError(() => {
        throw new Error("an error listener failing too");
      });
      socket.onChannelMessage(() => {
        throw new Error("boom");
      });
      const seen: unknown[] = [];
      socket.onChannelMessage((m) => seen.push(m.content));
      await socket.connect(session);
      const room = await socket.joinChat(uniqueName("room"), 1);
      await socket.writeChatMessage(room.id, { n: 1 });
      await socket.writeChatMessage(room.id, { n: 2 });
      await socket.ping();
      assert.deepEqual(seen, [{ n: 1 }, { n: 2 }]);
      assert.equal(errors.length, 2);
      assert.match(errors[0]?.message ?? "", /"channelMessage" listener threw: boom/);
      assert.equal(socket.state, "open");
      await socket.disconnect();
    });
  });
}
