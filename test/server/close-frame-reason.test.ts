// The gateway checks text frames for UTF-8 itself (to refuse a bad one in turn), so `ws` is told to
// skip its own check, which also covered close frames' reasons. A close whose reason is not UTF-8
// must still fail the connection with 1007, as RFC 6455 (sections 5.5.1 and 8.1) asks, rather than
// be echoed back with its bytes as a normal close.

import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { authenticate, serverForSuite, socketUrl } from "../helpers/server.js";
import { bundledOnly, heraldMode, stockMode } from "../helpers/server-modes.js";

/** Opens a socket whose own reader takes any close reason, so that it reports what the server sent. */
async function lenientSocket(baseUrl: string): Promise<WebSocket> {
  const user = await authenticate(baseUrl);
  const ws = new WebSocket(socketUrl(baseUrl, user.token), { skipUTF8Validation: true });
  await once(ws, "open");
  return ws;
}

/** Closes with `reason` and resolves with the close the server answered. */
async function closeWith(ws: WebSocket, reason: Buffer): Promise<{ code: number; reason: Buffer }> {
  const closed = once(ws, "close") as Promise<[number, Buffer]>;
  ws.close(1000, reason);
  const [code, answer] = await closed;
  return { code, reason: answer };
}

for (const mode of [heraldMode, stockMode]) {
  // What stock's own WebSocket library answers is not recorded: the RFC's answer is the bundled server's.
  const bundled = bundledOnly(mode, "the RFC's answer, not a recorded stock one");
  describe(`a client's close frame, on the ${mode.name} server`, bundled, () => {
    const srv = serverForSuite(mode.options);

    test("with a reason that is not UTF-8, is answered with 1007", async () => {
      const ws = await lenientSocket(srv.url);
      const answer = await closeWith(ws, Buffer.from([0x62, 0x79, 0x65, 0xff]));
      assert.equal(answer.code, 1007);
    });

    test("with a UTF-8 reason, is echoed as a normal close", async () => {
      const ws = await lenientSocket(srv.url);
      const answer = await closeWith(ws, Buffer.from("bye é"));
      assert.equal(answer.code, 1000);
      assert.equal(answer.reason.toString(), "bye é");
    });
  });
}
