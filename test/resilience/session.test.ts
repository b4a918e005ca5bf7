import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, HeraldError, Session, type StateChange } from "../../src/index.js";
import { createResilientSocket } from "../../src/resilience/index.js";
import { defaultWebSocket, type WebSocketLike } from "../../src/transport/websocket.js";
import { cuttableSocket, cuttableWebSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { makeJwt, nextEvent, waitFor } from "../sdk/helpers.js";

const expiredToken = (userId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return makeJwt({ uid: userId, usn: "x", iat: now - 120, exp: now - 60 });
};

/**
 * A WebSocket that reports errors as a browser does: an event naming nothing, so a refused
 * upgrade (HTTP 401) looks like any failed connection.
 */
class BrowserLikeWebSocket implements WebSocketLike {
  onopen: WebSocketLike["onopen"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  readonly #ws: WebSocketLike;
  constructor(url: string) {
    this.#ws = new defaultWebSocket(url);
    this.#ws.onopen = (event) => this.onopen?.(event);
    this.#ws.onclose = (event) => this.onclose?.(event);
    this.#ws.onmessage = (event) => this.onmessage?.(event);
    this.#ws.onerror = () => this.onerror?.({ type: "error" });
  }
  get binaryType() {
    return this.#ws.binaryType;
  }
  set binaryType(value: string) {
    this.#ws.binaryType = value;
  }
  get readyState() {
    return this.#ws.readyState;
  }
  send(data: string | Uint8Array) {
    this.#ws.send(data);
  }
  close(code?: number, reason?: string) {
    this.#ws.close(code, reason);
  }
}

for (const { mode, codec, label } of modeMatrix) {
  describe(`reconnecting with an expired session (${label})`, () => {
    test("a session token that expired while away is refreshed before reconnecting", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = createResilientSocket(client, { codec, WebSocket, heartbeat: false });
      t.after(() => socket.disconnect());
      await socket.connect(session);
      const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);

      const stale = expiredToken(session.userId);
      session.update(stale, session.refreshToken);
      assert.ok(session.isExpired());
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      cut();
      assert.deepEqual((await back).channels, [room.id]);
      assert.notEqual(session.token, stale);
      assert.ok(!session.isExpired(), "the session was refreshed");
      await socket.writeChatMessage(room.id, { text: "still here" });
    });

    test("a session the server refuses ends the retries: the socket closes for good", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { WebSocket, cut } = cuttableWebSocket();
      const socket = createResilientSocket(client, { codec, WebSocket, heartbeat: false });
      t.after(() => socket.disconnect());
      await socket.connect(session);

      // Expired, with a refresh token the server did not sign.
      session.update(
        expiredToken(session.userId),
        makeJwt({ uid: session.userId, exp: Date.now() / 1000 + 3600 }),
      );
      const closed = nextEvent(socket.onState.bind(socket), "closed", (c) => c.state === "closed");
      const gone = nextEvent(socket.onDisconnect.bind(socket), "disconnect");
      cut();
      const change = await closed;
      assert.equal(change.previous, "reconnecting");
      assert.ok(HeraldError.is(change.error, "unauthenticated"), String(change.error));
      assert.equal((await gone).requested, false);
      await assert.rejects(socket.writeChatMessage("2...room", { n: 1 }), (e) =>
        HeraldError.is(e, "disconnected"),
      );
    });

    test("a session whose refresh token expired too while away closes the socket with unauthenticated, where the platform hides the HTTP status too", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const session = await signIn("ada");
      const { socket, ...cuttable } = await cuttableSocket(t, client, session, {
        codec,
        WebSocket: BrowserLikeWebSocket,
      });

      const now = Math.floor(Date.now() / 1000);
      session.update(
        expiredToken(session.userId),
        makeJwt({ uid: session.userId, usn: "x", iat: now - 7200, exp: now - 3600 }),
      );
      assert.ok(session.isRefreshExpired());
      const closed = nextEvent(socket.onState.bind(socket), "closed", (c) => c.state === "closed");
      cuttable.cut();
      const change = await closed;
      assert.ok(HeraldError.is(change.error, "unauthenticated"), String(change.error));
      assert.ok(cuttable.count() <= 2, `${cuttable.count()} connections tried with a token known to be dead`);
    });

    test("a device whose clock runs ahead connects with a token its clock calls expired while the server takes it", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const signedIn = await signIn("ada");
      // No refresh token: nothing to refresh with; the device's clock, ahead, says the token expired.
      const session = new Session(signedIn.token, "");
      t.mock.method(session, "isExpired", () => true);
      const socket = createResilientSocket(client, {
        codec,
        WebSocket: BrowserLikeWebSocket,
        heartbeat: false,
      });
      t.after(() => socket.disconnect());
      await socket.connect(session);
      assert.equal(socket.state, "open");
      await socket.updateStatus("ahead");
    });

    test("a device whose clock runs ahead, its token once taken by the server, reconnects after attempts that fail for want of a network", async (t) => {
      const { client, signIn } = await serverWithClient(t, mode.options);
      const signedIn = await signIn("ada");
      const session = new Session(signedIn.token, "");
      t.mock.method(session, "isExpired", () => true);
      const { socket, ...cuttable } = await cuttableSocket(t, client, session, {
        codec,
        WebSocket: BrowserLikeWebSocket,
      });
      const states: StateChange[] = [];
      socket.onState((change) => states.push(change));

      // The server took this token though the clock calls it expired: a failure to connect says
      // nothing of the token then, and the socket keeps trying.
      cuttable.refuse();
      const lost = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cuttable.cut();
      await lost;
      const tried = cuttable.count();
      await waitFor(
        () => cuttable.count() >= tried + 2 || socket.state === "closed",
        "attempts refused, or the end",
      );
      assert.equal(socket.state, "reconnecting", String(states.at(-1)?.error));
      const back = nextEvent(socket.onState.bind(socket), "open again", (c) => c.state === "open");
      cuttable.restore();
      await back;
      assert.deepEqual(
        states.map((s) => [s.state, s.error?.code]),
        [
          ["reconnecting", "disconnected"],
          ["open", undefined],
        ],
      );
      await socket.updateStatus("back");
    });
  });
}
