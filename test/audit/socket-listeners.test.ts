// A listener that throws, end to end against the server: reported through `error`, while the
// socket and the other listeners go on (an error listener that throws too included).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, type HeraldError, type Socket } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(`a listener that throws (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("is reported through error; the other listeners and the socket go on", async () => {
      const client = new Client({ port: srv.port });
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
