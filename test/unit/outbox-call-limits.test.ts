import assert from "node:assert/strict";
import { test } from "node:test";
import { ChannelType } from "../../src/index.js";
import { cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";

// A write waits in the outbox as long as it takes by default, and no longer than its caller's
// own limits: a signal or a time limit. (A write with neither watches nothing at all.)

test("an outbox write honours its caller's signal and time limit, and waits without them", async (t) => {
  const { client, signIn } = await serverWithClient(t);
  const session = await signIn("ada");
  const wire = cuttableWebSocket();
  const socket = client.createSocket({ WebSocket: wire.WebSocket, heartbeat: false });
  t.after(() => socket.disconnect());
  await socket.connect(session);
  const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
  assert.ok((await socket.writeChatMessage(room.id, { n: 0 })).messageId, "acknowledged when connected");

  const controller = new AbortController();
  controller.abort();
  await assert.rejects(socket.writeChatMessage(room.id, { n: 1 }, { signal: controller.signal }), {
    code: "aborted",
  });
  assert.equal(socket.outboxSize, 0, "an aborted write leaves nothing behind");

  // Held away from the server: writes wait in the outbox.
  wire.blackhole();
  const timed = socket.writeChatMessage(room.id, { n: 2 }, { timeoutMs: 50 });
  const later = new AbortController();
  const aborted = socket.writeChatMessage(room.id, { n: 3 }, { signal: later.signal });
  const patient = socket.writeChatMessage(room.id, { n: 4 });
  await assert.rejects(timed, { code: "timeout" });
  later.abort();
  await assert.rejects(aborted, { code: "aborted" });
  wire.restore();
  const ack = await patient;
  assert.ok(ack.messageId, "the write without limits waited and went through");
  const texts: unknown[] = [];
  for await (const m of client.channelMessages(session, room.id, { forward: true })) texts.push(m.content.n);
  // Writes given up after they went on the wire may still arrive: the server had them.
  assert.ok(texts.includes(0) && texts.includes(4) && !texts.includes(1), JSON.stringify(texts));
});
