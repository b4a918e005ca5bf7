import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import WebSocket from "ws";
import {
  Client,
  type Codec,
  type HeartbeatOptions,
  HeraldError,
  Session,
  type StateChange,
} from "../../src/index.js";
import { startFakeServer } from "../helpers/fake-server.js";
import { codecs } from "../helpers/server.js";
import { makeTokens, waitFor } from "../sdk/helpers.js";

/** Blocks the whole process for `ms`, as a long synchronous task of an app does. */
function standStill(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O runs meanwhile
  }
}

/**
 * A WebSocket that stands still right after its next send: the answer comes in while the process
 * is busy, and its time limit's timer is due before the answer is read.
 */
function stallingWebSocket(ms: number) {
  const control = { armed: false, stalls: 0 };
  class StallingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
    }
    override send(data: string | Uint8Array): void {
      super.send(data);
      if (!control.armed) return;
      control.armed = false;
      control.stalls++;
      standStill(ms);
    }
  }
  return { control, WebSocket: StallingWebSocket };
}

/** A fake server and a connected socket over a stalling WebSocket, closed when the test ends. */
async function stallingSocket(
  t: TestContext,
  codec: Codec,
  stallMs: number,
  heartbeat: HeartbeatOptions | false,
) {
  const fake = await startFakeServer();
  t.after(() => fake.close());
  const { token, refreshToken } = makeTokens(3600);
  const stalling = stallingWebSocket(stallMs);
  const socket = new Client({ port: fake.port }).createSocket({
    codec,
    WebSocket: stalling.WebSocket,
    heartbeat,
    reconnect: { minDelayMs: 10, maxDelayMs: 20 },
  });
  t.after(() => socket.disconnect());
  const states: StateChange[] = [];
  socket.onState((change) => states.push(change));
  await socket.connect(new Session(token, refreshToken));
  return { fake, socket, states, control: stalling.control };
}

for (const codec of codecs) {
  describe(`a process that stands still (${codec.format})`, () => {
    test("a ping answered while the app stood still past its timeout does not cut the connection", async (t) => {
      const { fake, socket, states, control } = await stallingSocket(t, codec, 1500, {
        intervalMs: 50,
        timeoutMs: 300,
      });
      const connection = fake.connections[0];
      assert.ok(connection);
      await waitFor(() => connection.pings >= 1, "a ping answered");

      // The next frame the socket sends is a heartbeat ping; the process stands still five times
      // the ping's timeout right after it.
      control.armed = true;
      await waitFor(() => control.stalls === 1, "the stall");
      const pingsAfterStall = connection.pings;
      await waitFor(() => connection.pings >= pingsAfterStall + 2, "pings answered after the stall");

      assert.equal(fake.connections.length, 1, "no second connection");
      assert.equal(socket.state, "open");
      assert.deepEqual(
        states.map((s) => s.state),
        ["connecting", "open"],
      );
    });

    test("a server that stays silent after the stall is still noticed, one timeout later", async (t) => {
      const { fake, socket, control } = await stallingSocket(t, codec, 1500, {
        intervalMs: 50,
        timeoutMs: 300,
      });
      const first = fake.connections[0];
      assert.ok(first);
      await waitFor(() => first.pings >= 1, "a ping answered");

      const lost = new Promise<StateChange>((resolve) =>
        socket.onState((change) => {
          if (change.state === "reconnecting") resolve(change);
        }),
      );
      first.silent = true;
      control.armed = true;
      assert.equal((await lost).reason, "heartbeat timeout");
      await waitFor(() => fake.connections.length === 2 && socket.state === "open", "the reconnection");
    });

    test("a request answered while the app stood still resolves instead of timing out", async (t) => {
      const { socket, control } = await stallingSocket(t, codec, 1000, false);
      control.armed = true;
      const outcome = await socket.updateStatus("busy", { timeoutMs: 200 }).then(
        () => "resolved",
        (error: unknown) => (HeraldError.is(error) ? error.code : String(error)),
      );
      assert.equal(control.stalls, 1);
      assert.equal(outcome, "resolved");
    });
  });
}
