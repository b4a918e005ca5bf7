import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ChannelType, Client, jsonCodec, type Session } from "../../src/index.js";
import type { FetchFunction } from "../../src/transport/fetch.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { startServer, uniqueName } from "../helpers/server.js";
import { modeMatrix } from "../helpers/server-modes.js";
import { silentCapabilities } from "../helpers/silent-capabilities.js";
import { nextEvent } from "../sdk/helpers.js";

// What a broken or hostile route in front of the server may answer to the capabilities read.
const answers: Record<string, () => Promise<Response>> = {
  "text that is not JSON": async () => new Response("<html>oops</html>", { status: 200 }),
  "JSON null": async () => new Response("null", { status: 200 }),
  "a list where an object goes": async () => new Response("[1,2]", { status: 200 }),
  "extensions as a string": async () =>
    new Response(JSON.stringify({ server: "herald", extensions: "client_msg_id" }), { status: 200 }),
  "extensions of the wrong type": async () =>
    new Response(JSON.stringify({ server: 7, extensions: [1, null, {}] }), { status: 200 }),
  "HTTP 500": async () => new Response('{"code":13,"message":"boom"}', { status: 500 }),
  "HTTP 502 from a proxy, in HTML": async () => new Response("<h1>Bad gateway</h1>", { status: 502 }),
  "a network failure": async () => {
    throw new TypeError("fetch failed");
  },
  "nothing, ever": () => new Promise<Response>(() => {}),
};

for (const { mode, codec, label } of modeMatrix) {
  describe(`a capabilities read that fails or answers garbage (${label})`, () => {
    for (const [what, answer] of Object.entries(answers)) {
      test(`${what}: the socket connects, chats and reconnects as on a stock server`, async (t) => {
        const server = await startServer(mode.options);
        t.after(() => server.close());
        const fetchWith: FetchFunction = (url, init) =>
          String(url).includes("/v2/herald/capabilities") ? answer() : fetch(url, init as RequestInit);
        const client = new Client({
          port: server.port,
          serverKey: server.serverKey,
          fetch: fetchWith,
          timeoutMs: 300,
        });
        const session: Session = await client.authenticateDevice({
          id: `device-${uniqueName()}`,
          create: true,
          username: uniqueName("ada"),
          // Only the capabilities read is meant to run out of time.
          timeoutMs: 10_000,
        });
        const { socket, ...net } = await cuttableSocket(t, client, session, { codec });
        const room = await socket.joinChat(uniqueName("room"), ChannelType.Room);
        await socket.writeChatMessage(room.id, { n: 1 }, { clientMsgId: "first" });
        const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
        net.cut();
        await back;
        await socket.writeChatMessage(room.id, { n: 2 }, { clientMsgId: "second" });
        assert.equal(net.count(), 2, "no connection was closed by the server");
      });
    }
  });
}

// Only a definite answer is kept for the Client's life: a failed read is tried again at the next
// connection, so that one bad moment does not treat a herald server as stock for good.
const once: Record<string, { answer: () => Promise<Response>; kept: boolean }> = {
  "text that is not JSON": {
    answer: answers["text that is not JSON"] as () => Promise<Response>,
    kept: false,
  },
  "extensions as a string": {
    answer: answers["extensions as a string"] as () => Promise<Response>,
    kept: false,
  },
  "HTTP 502 from a proxy": {
    answer: answers["HTTP 502 from a proxy, in HTML"] as () => Promise<Response>,
    kept: false,
  },
  "HTTP 403 from a proxy": {
    answer: async () => new Response("<h1>Forbidden</h1>", { status: 403 }),
    kept: false,
  },
  "a network failure": { answer: answers["a network failure"] as () => Promise<Response>, kept: false },
  "stock Nakama's 404": {
    answer: async () => new Response('{"code":5,"message":"Not Found"}', { status: 404 }),
    kept: true,
  },
};

describe("a capabilities read that failed once", () => {
  for (const [what, { answer, kept }] of Object.entries(once)) {
    test(`${what}: ${kept ? "kept" : "read again at the next connection"}`, async (t) => {
      const server = await startServer();
      t.after(() => server.close());
      let reads = 0;
      const fetchWith: FetchFunction = (url, init) => {
        if (!String(url).includes("/v2/herald/capabilities")) return fetch(url, init as RequestInit);
        return ++reads === 1 ? answer() : fetch(url, init as RequestInit);
      };
      const client = new Client({ port: server.port, serverKey: server.serverKey, fetch: fetchWith });
      const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, create: true });
      const { socket, ...net } = await cuttableSocket(t, client, session, { codec: jsonCodec });
      assert.equal(reads, 1);
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      net.cut();
      await back;
      const caps = await client.capabilities();
      assert.equal(reads, kept ? 1 : 2, "reads of the capabilities route");
      assert.deepEqual(caps.extensions.includes("client_msg_id"), !kept);
    });
  }
});

test("a capabilities route that never answers holds a connection a few seconds, not the REST limit", async (t) => {
  // The default REST limit: 10 s.
  const { client, session, socket } = await silentCapabilities(t);
  const started = Date.now();
  await socket.connect(session);
  const took = Date.now() - started;
  assert.ok(took >= 2500 && took < 5000, `connected after ${took} ms`);
  // A caller's own, shorter limit still wins.
  const quick = Date.now();
  await assert.rejects(client.capabilities({ timeoutMs: 100 }), { code: "timeout" });
  assert.ok(Date.now() - quick < 1000);
});

// One read serves every caller at once; each caller's signal and time limit end only its own wait.
describe("a capabilities read shared by callers", () => {
  const heldRead = async (t: import("node:test").TestContext) => {
    const server = await startServer();
    t.after(() => server.close());
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    const fetchWith: FetchFunction = async (url, init) => {
      if (String(url).includes("/v2/herald/capabilities")) {
        reads++;
        await held;
      }
      return fetch(url, init as RequestInit);
    };
    const client = new Client({ port: server.port, serverKey: server.serverKey, fetch: fetchWith });
    const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, create: true });
    return { client, session, release, reads: () => reads };
  };

  test("a first caller that aborts stops neither another caller nor a connect()", async (t) => {
    const { client, session, release, reads } = await heldRead(t);
    const first = new AbortController();
    const firstCall = client.capabilities({ signal: first.signal });
    const second = client.capabilities();
    const socket = client.createSocket({ heartbeat: false });
    t.after(() => socket.disconnect());
    const connecting = socket.connect(session);
    first.abort();
    await assert.rejects(firstCall, { code: "aborted" });
    release();
    assert.ok((await second).extensions.includes("client_msg_id"));
    await connecting;
    assert.equal(reads(), 1, "one read for all");
  });

  test("a first caller's short time limit does not end another caller's wait", async (t) => {
    const { client, release, reads } = await heldRead(t);
    const firstCall = client.capabilities({ timeoutMs: 50 });
    const second = client.capabilities();
    await assert.rejects(firstCall, { code: "timeout" });
    release();
    assert.ok((await second).extensions.includes("client_msg_id"));
    assert.equal(reads(), 1, "one read for all");
  });
});
