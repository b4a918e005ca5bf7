// What the store does while a follow is in flight, against a scripted server: the follow reply and
// status events in either order, a second watch of the same user, an unwatch before the reply.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EnvelopeInit, UserPresenceInit } from "../../src/gen/wire.js";
import { Client, Session } from "../../src/index.js";
import { PresenceStore } from "../../src/presence/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { formats } from "../sdk/harness.js";
import { makeTokens, startWs, type TestWsServer, waitFor } from "../sdk/helpers.js";

const ADA = "7b0c7c1e-63a6-4bd1-9a86-0b5d1f7d3f10";
const presence = (sessionId: string, status: string): UserPresenceInit => ({
  userId: ADA,
  sessionId,
  username: "ada",
  status,
});

/** Connects a store to the scripted server and returns the decoded follow request it sent. */
async function setUp(t: { after(fn: () => Promise<void>): void }, codec: Codec) {
  const server: TestWsServer = await startWs();
  t.after(() => server.close());
  const client = new Client({ port: server.port });
  const { token, refreshToken } = makeTokens(3600);
  const session = new Session(token, refreshToken, false);
  const socket = client.createSocket({ codec });
  const connection = server.nextConnection();
  await socket.connect(session);
  const ws = await connection;
  t.after(() => socket.disconnect());
  const store = new PresenceStore(socket, client, session, { loadUsers: false });
  const send = (envelope: EnvelopeInit) => ws.send(codec.encodeEnvelope(envelope), { binary: codec.binary });
  const watching = store.watch([ADA]);
  await waitFor(() => (server.frames[0]?.length ?? 0) > 0, "the follow request");
  const frame = server.frames[0]?.[0] as string | Buffer;
  const request = codec.decodeEnvelope(typeof frame === "string" ? frame : new Uint8Array(frame));
  assert.equal(request.kind, "statusFollow");
  const framesSent = () =>
    (server.frames[0] ?? []).map((f) => codec.decodeEnvelope(typeof f === "string" ? f : new Uint8Array(f)));
  return { store, send, watching, cid: request.cid as string, framesSent };
}

for (const [format, codec] of formats) {
  describe(`presence store ordering over ${format}`, () => {
    test("a status event that arrives before the follow reply is applied over the reply", async (t) => {
      const { store, send, watching, cid } = await setUp(t, codec);
      send({ kind: "statusPresenceEvent", body: { joins: [presence("s1", "early")], leaves: [] } });
      send({ cid, kind: "status", body: { presences: [] } });
      const [state] = await watching;
      assert.equal(state?.online, true);
      assert.equal(state?.status, "early");
      assert.equal(store.get(ADA)?.username, "ada");
    });

    test("a leave that arrives before the follow reply removes the session the reply lists", async (t) => {
      const { send, watching, cid } = await setUp(t, codec);
      send({ kind: "statusPresenceEvent", body: { joins: [presence("s2", "second")], leaves: [] } });
      send({ kind: "statusPresenceEvent", body: { joins: [], leaves: [presence("s1", "first")] } });
      send({ cid, kind: "status", body: { presences: [presence("s1", "first"), presence("s2", "second")] } });
      const [state] = await watching;
      assert.deepEqual(state?.sessions, [{ sessionId: "s2", status: "second" }]);
      assert.equal(state?.status, "second");
    });

    test("a status change that arrives after the follow reply replaces the session's status", async (t) => {
      const { store, send, watching, cid } = await setUp(t, codec);
      send({ cid, kind: "status", body: { presences: [presence("s1", "a")] } });
      const [state] = await watching;
      assert.equal(state?.status, "a");
      const changed = new Promise((resolve) => store.onChange(resolve));
      send({
        kind: "statusPresenceEvent",
        body: { joins: [presence("s1", "b")], leaves: [presence("s1", "a")] },
      });
      await changed;
      assert.deepEqual(store.get(ADA)?.sessions, [{ sessionId: "s1", status: "b" }]);
      assert.equal(store.get(ADA)?.status, "b");
    });

    test("no change is reported for a user while the follow is in flight, and one after", async (t) => {
      const { store, send, watching, cid } = await setUp(t, codec);
      const seen: string[] = [];
      store.onChange((c) => seen.push(`${c.type}:${c.current.status ?? "-"}`));
      send({ kind: "statusPresenceEvent", body: { joins: [presence("s1", "x")], leaves: [] } });
      send({
        kind: "statusPresenceEvent",
        body: { joins: [presence("s1", "y")], leaves: [presence("s1", "x")] },
      });
      send({ cid, kind: "status", body: { presences: [] } });
      await watching;
      assert.deepEqual(seen, ["join:y"]);
    });
    test("watching a user again while the first follow is in flight sends no second follow", async (t) => {
      const { store, send, watching, cid, framesSent } = await setUp(t, codec);
      const again = store.watch([ADA.toUpperCase()]);
      send({ cid, kind: "status", body: { presences: [presence("s1", "here")] } });
      const [[first], [second]] = await Promise.all([watching, again]);
      assert.equal(first?.status, "here");
      assert.equal(second, first);
      assert.deepEqual(
        framesSent().map((e) => e.kind),
        ["statusFollow"],
      );
    });

    test("a user unwatched while the follow is in flight is unfollowed and not reported", async (t) => {
      const { store, send, watching, cid, framesSent } = await setUp(t, codec);
      const seen: string[] = [];
      store.onChange((c) => seen.push(c.type));
      const unwatching = store.unwatch([ADA]);
      await waitFor(() => framesSent().length === 2, "the unfollow request");
      const [, unfollow] = framesSent();
      assert.equal(unfollow?.kind, "statusUnfollow");
      send({ cid, kind: "status", body: { presences: [presence("s1", "here")] } });
      send({ cid: unfollow?.cid as string, kind: "empty", body: {} } as never);
      assert.deepEqual(await watching, []);
      await unwatching;
      assert.equal(store.get(ADA), undefined);
      assert.deepEqual(seen, []);
    });
  });
}
