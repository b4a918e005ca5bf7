import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PresenceStore } from "../../src/presence/index.js";
import { serverModes } from "../helpers/server-modes.js";
import { formats, worldForSuite } from "./harness.js";

// The spellings of a UUID servers read besides the canonical lower-case one.
const braced = (id: string) => `{${id.toUpperCase()}}`;
const bare = (id: string) => id.replace(/-/g, "");
const urn = (id: string) => `urn:uuid:${bare(id)}`;

const worlds = serverModes.map((mode) => [mode, worldForSuite(mode.options)] as const);

// A presence store keeps users under the id the server answers with, whatever spelling they were
// asked for by.
for (const [mode, world] of worlds) {
  for (const [format, codec] of formats) {
    describe(`presence store, ids spelled differently, over ${format} (${mode.name})`, () => {
      test("a user watched by another spelling of the id shows as the server reports them", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        await ada.socket.updateStatus("here");
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        const [state] = await store.watch([braced(ada.userId), bare(ada.userId)]);
        assert.equal(state?.userId, ada.userId);
        assert.equal(state?.online, true);
        assert.equal(state?.status, "here");
        assert.deepEqual(store.watching, [ada.userId]);
        assert.equal(store.get(urn(ada.userId)), state);
        await store.close();
      });

      test("a user watched in one spelling and unwatched in another is no longer watched", async () => {
        const ada = await world.peer(codec);
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await store.watch([ada.userId.toUpperCase()]);
        await store.unwatch([urn(ada.userId)]);
        assert.deepEqual(store.watching, []);
        assert.equal(store.get(ada.userId), undefined);
        await store.close();
      });

      test("a malformed id is still refused by the server", async () => {
        const bob = await world.peer(codec);
        const store = new PresenceStore(bob.socket, world.client, bob.session);
        await assert.rejects(store.watch([`{${bare(bob.userId)}`]), { code: "bad_input" });
        assert.deepEqual(store.watching, []);
        await store.close();
      });
    });
  }
}
