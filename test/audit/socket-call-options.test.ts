// A Socket's `{ signal, timeoutMs }` as a JavaScript caller may get them wrong: refused like the
// REST calls refuse them, and a refused or pre-aborted connect() leaves the socket usable.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError, type Socket } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const isBadInput = (pattern: RegExp) => (error: unknown) =>
  HeraldError.is(error, "bad_input") && pattern.test(error.message);

// What a caller without types may pass; each must be refused before anything is sent.
const wrongOptions: [string, unknown, RegExp][] = [
  ["a string signal", { signal: "stop" }, /signal must be an AbortSignal/],
  ["a plain object signal", { signal: {} }, /signal must be an AbortSignal/],
  ["a NaN time limit", { timeoutMs: Number.NaN }, /timeoutMs must be/],
  ["a negative time limit", { timeoutMs: -1 }, /timeoutMs must be/],
  ["a time limit as a string", { timeoutMs: "5" }, /timeoutMs must be/],
  ["an array", [], /options must be an object/],
];

for (const mode of serverModes) {
  describe(`socket call options (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    async function connected(): Promise<{
      client: Client;
      socket: Socket;
      session: import("../../src/index.js").Session;
    }> {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: uniqueName("opt"),
      });
      const socket = client.createSocket({ reconnect: false });
      await socket.connect(session);
      return { client, socket, session };
    }

    test("requests refuse a signal that is not an AbortSignal and a time limit that is not 0 or more", async () => {
      const { socket } = await connected();
      const calls: [string, (options: never) => Promise<unknown>][] = [
        ["ping", (o) => socket.ping(o)],
        ["updateStatus", (o) => socket.updateStatus("here", o)],
        ["followUsers", (o) => socket.followUsers([], o)],
        ["joinChat", (o) => socket.joinChat(uniqueName("room"), 1, o)],
        ["writeChatMessage", (o) => socket.writeChatMessage("2...room", { a: 1 }, o)],
      ];
      for (const [name, call] of calls) {
        for (const [what, options, message] of wrongOptions) {
          await assert.rejects(call(options as never), isBadInput(message), `${name} with ${what}`);
        }
      }
      // Nothing of the above broke the connection.
      await socket.ping({ timeoutMs: 0 });
      await socket.disconnect();
    });

    test("connect() refuses the same options and the socket can connect afterwards", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
      const socket = client.createSocket({ reconnect: false });
      for (const [what, options, message] of wrongOptions) {
        await assert.rejects(socket.connect(session, options as never), isBadInput(message), what);
        assert.equal(socket.state, "closed", what);
      }
      await socket.connect(session);
      await socket.ping();
      await socket.disconnect();
    });

    test("connect() with a signal already aborted rejects `aborted` and leaves the socket closed and reusable", async () => {
      const client = new Client({ port: srv.port, serverKey: srv.serverKey });
      const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
      const socket = client.createSocket();
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(socket.connect(session, { signal: controller.signal }), (e: unknown) =>
        HeraldError.is(e, "aborted"),
      );
      assert.equal(socket.state, "closed");
      // disconnect() of a closed socket resolves (it used to wait forever on a stuck "connecting").
      await socket.disconnect();
      await socket.connect(session);
      assert.equal(socket.state, "open");
      await socket.ping();
      await socket.disconnect();
    });
  });
}
