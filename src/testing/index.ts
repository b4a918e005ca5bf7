/**
 * herald's test kit, for testing app code that uses herald (Node only, for test runners):
 *
 * - {@link startTestServer}: the bundled server on a free port, in memory, with signed-in users;
 * - {@link startFakeServer}: a controllable fake realtime server (default answers, request hooks,
 *   typed push senders, channel history with `onHistory`, a record of what it received), for
 *   testing against exact frames; {@link endlessHistory} is a history that never ends;
 * - {@link startFaultProxy} and {@link cuttableWebSocket}: connections a test can cut, blackhole,
 *   refuse and restore;
 * - {@link inbox}, {@link nextEvent} and {@link waitFor}: waiting for events with a deadline;
 * - {@link openRawSocket}: envelopes without the SDK, for testing a server frame by frame.
 *
 * The bundled server (and its SQLite driver) loads only when `startTestServer` is first called,
 * and protobuf only when a test passes `protobufCodec` from "herald/protobuf".
 *
 * ```ts
 * import { inbox, startTestServer } from "herald/testing";
 *
 * await using server = await startTestServer();
 * const [ada, bob] = await server.users(2);
 * const heard = inbox(bob.socket, "channelMessage");
 * ```
 * @module
 */

export {
  type CuttableWebSocket,
  type CuttableWebSocketOptions,
  cuttableWebSocket,
} from "./cuttable-websocket.js";
export { type FakeChannel, FakeConnection } from "./fake-connection.js";
export {
  type EndlessHistory,
  type EndlessHistoryOptions,
  endlessHistory,
  type FakeHistoryHandler,
  type FakeHistoryMessage,
  type FakeHistoryPage,
  type FakeHistoryRequest,
} from "./fake-history.js";
export type { FakeContent } from "./fake-pushes.js";
export type { FakeError, FakeMessage, FakeReply } from "./fake-reply.js";
export type { FakeHttpHandler, FakeHttpReply, FakeHttpRequest } from "./fake-rest.js";
export {
  type FakeRequest,
  FakeServer,
  type FakeServerEvents,
  type FakeServerOptions,
  type FakeUpgrade,
  type PushTarget,
  type RequestHook,
  startFakeServer,
} from "./fake-server.js";
export { type FakeSessionOptions, fakeSession, fakeToken } from "./fake-session.js";
export { FaultProxy, type FaultProxyOptions, type ProxyTarget, startFaultProxy } from "./fault-proxy.js";
export { type EventSource, Inbox, type InboxOptions, inbox, type WaitOptions } from "./inbox.js";
export { openRawSocket, RawSocket, type RawSocketOptions } from "./raw-socket.js";
export {
  startTestServer,
  type TestServer,
  type TestServerOptions,
  type TestUser,
  type TestUserOptions,
  uniqueName,
} from "./test-server.js";
export { nextEvent, waitFor } from "./wait-for.js";
