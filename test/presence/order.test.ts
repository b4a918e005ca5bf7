// What the store does while a follow is in flight, against a scripted server that answers as herald
// does (capabilities announced) or as stock Nakama does (no capabilities route): the follow reply
// and status events in either order, a second watch of the same user, an unwatch before the reply.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EnvelopeInit, UserPresenceInit } from "../../src/gen/wire.js";
import { PresenceStore } from "../../src/presence/index.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { startFakeServer } from "../../src/testing/index.js";
import { waitFor } from "../sdk/helpers.js";

const ADA = "7b0c7c1e-63a6-4bd1-9a86-0b5d1f7d3f10";
const presence = (sessionId: string, status: string): UserPresenceInit => ({
  userId: ADA,
  sessionId,
  username: "ada",
  status,
});

// herald announces its extensions; stock Nakama answers the capabilities route with 404.
const modes = [
  {
    name: "herald",
    capabilities: { server: "herald", version: "1", extensions: ["client_msg_id", "user_presence"] },
  },
  { name: "nakama", capabilities: null },
] as const;
const matrix = modes.flatMap((mode) =>
  [jsonCodec, protobufCodec].map((codec) => ({ mode, codec, label: `${mode.name}, ${codec.format}` })),
);

/** Connects a store to the scripted server and returns the follow request it sent, unanswered. */
async function setUp(
  t: { after(fn: () => Promise<void>): void },
  codec: Codec,
  mode: (typeof modes)[number],
) {
  const fake = await startFakeServer({ codecs: [jsonCodec, protobufCodec], capabilities: mode.capabilities });
  t.after(() => fake.close());
  // The test answers follows and unfollows itself, in the order it means to.
  fake.onRequest("statusFollow", () => "silence");
  fake.onRequest("statusUnfollow", () => "silence");
  const client = fake.client();
  const session = fake.session();
  const socket = client.createSocket({ codec });
  const connection = fake.nextConnection();
  await socket.connect(session);
  const conn = await connection;
  t.after(() => socket.disconnect());
  const store = new PresenceStore(socket, client, session, { loadUsers: false });
  const send = (envelope: EnvelopeInit) => conn.send(envelope);
  const watching = store.watch([ADA]);
  await waitFor(() => conn.requests("statusFollow").length > 0, "the follow request");
  const framesSent = () => conn.received.filter((e) => e.kind !== "ping");
  const [request] = framesSent();
  assert.equal(request?.kind, "statusFollow");
  return { store, send, watching, cid: request.cid as string, framesSent };
}

for (const { mode, codec, label } of matrix) {
  describe(`presence store ordering (${label})`, () => {
    test("a status event that arrives before the follow reply is applied over the reply", async (t) => {
      const { store, send, watching, cid } = await setUp(t, codec, mode);
      send({ kind: "statusPresenceEvent", body: { joins: [presence("s1", "early")], leaves: [] } });
      send({ cid, kind: "status", body: { presences: [] } });
      const [state] = await watching;
      assert.equal(state?.online, true);
      assert.equal(state?.status, "early");
      assert.equal(store.get(ADA)?.username, "ada");
    });

    test("a leave that arrives before the follow reply removes the session the reply lists", async (t) => {
      const { send, watching, cid } = await setUp(t, codec, mode);
      send({ kind: "statusPresenceEvent", body: { joins: [presence("s2", "second")], leaves: [] } });
      send({ kind: "statusPresenceEvent", body: { joins: [], leaves: [presence("s1", "first")] } });
      send({ cid, kind: "status", body: { presences: [presence("s1", "first"), presence("s2", "second")] } });
      const [state] = await watching;
      assert.deepEqual(state?.sessions, [{ sessionId: "s2", status: "second" }]);
      assert.equal(state?.status, "second");
    });

    test("a status change that arrives after the follow reply replaces the session's status", async (t) => {
      const { store, send, watching, cid } = await setUp(t, codec, mode);
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
      const { store, send, watching, cid } = await setUp(t, codec, mode);
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
      const { store, send, watching, cid, framesSent } = await setUp(t, codec, mode);
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
      const { store, send, watching, cid, framesSent } = await setUp(t, codec, mode);
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
