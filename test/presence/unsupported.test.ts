// Against a server without herald's "user_presence" extension (as stock Nakama), presence
// extension calls reject with `unsupported` and the presence store still works from follows.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, type FetchFunction, type Session, type Socket } from "../../src/index.js";
import {
  isInvisible,
  type PresenceChange,
  PresenceStore,
  requireExtension,
  setInvisible,
  USER_PRESENCE,
} from "../../src/presence/index.js";
import type { ServerOptions } from "../../src/server/index.js";
import { defaultFetch } from "../../src/transport/fetch.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";
import { formats, Inbox } from "../sdk/harness.js";

const unsupported = (feature: RegExp) => ({ name: "HeraldError", code: "unsupported", message: feature });

// herald's server with the extension turned off, and the stock-faithful server.
const servers: [string, ServerOptions][] = [
  ["herald", { extensions: ["client_msg_id", "exact_cursors"] }],
  ["nakama", { compat: "nakama" }],
];

for (const [name, options] of servers) {
  describe(`user presence on a server without the extension (${name})`, () => {
    let server: TestServer;
    let client: Client;
    const sockets: Socket[] = [];

    before(async () => {
      server = await startServer(options);
      client = new Client({ port: server.port });
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.disconnect()));
      await server.close();
    });

    const signIn = () =>
      client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName("user") });

    test("the capabilities do not list user_presence", async () => {
      const { extensions } = await client.capabilities();
      assert.equal(extensions.includes(USER_PRESENCE), false);
    });

    test("setInvisible and isInvisible reject with unsupported, naming invisible", async () => {
      const session = await signIn();
      await assert.rejects(setInvisible(client, session, true), unsupported(/invisible.*user_presence/));
      await assert.rejects(isInvisible(client, session), unsupported(/invisible/));
    });

    test("requireExtension rejects with unsupported naming the feature asked for", async () => {
      await assert.rejects(
        requireExtension(client, USER_PRESENCE, "last active"),
        unsupported(/^last active/),
      );
    });

    test("a server without the capabilities route at all (stock Nakama) has no user presence either", async () => {
      const stockFetch: FetchFunction = (url, init) =>
        url.includes("/v2/herald/capabilities")
          ? Promise.resolve({ status: 404, text: async () => '{"code":5,"message":"Not Found"}' })
          : defaultFetch(url, init);
      const stock = new Client({ port: server.port, fetch: stockFetch });
      const session = await stock.authenticateDevice({ id: `device-${uniqueName()}` });
      await assert.rejects(setInvisible(stock, session, true), unsupported(/invisible/));
    });

    for (const [format, codec] of formats) {
      describe(`over ${format}`, () => {
        async function peer(appearOnline = false): Promise<{ session: Session; socket: Socket }> {
          const session = await signIn();
          const socket = client.createSocket({ codec });
          sockets.push(socket);
          await socket.connect(session, { appearOnline });
          return { session, socket };
        }

        test("connecting invisibly rejects with unsupported", async () => {
          const session = await signIn();
          const socket = client.createSocket({ codec });
          sockets.push(socket);
          await assert.rejects(socket.connect(session, { invisible: true }), unsupported(/invisible/));
        });

        test("the presence store follows join, change and leave without lastActive", async () => {
          const ada = await peer();
          const bob = await peer();
          const store = new PresenceStore(bob.socket, client, bob.session);
          const [initial] = await store.watch([ada.session.userId]);
          assert.equal(initial?.online, false);
          assert.equal(initial?.lastActive, undefined);
          assert.equal(initial?.username, ada.session.username);
          const changes = new Inbox<PresenceChange>(
            bob.socket,
            (fn) => store.onChange(fn),
            "presence change",
          );

          await ada.socket.updateStatus("first");
          const join = await changes.next();
          assert.equal(join.type, "join");
          assert.equal(join.current.status, "first");
          assert.equal(join.current.lastActive, undefined);
          await ada.socket.updateStatus("second");
          assert.equal((await changes.next()).current.status, "second");
          await ada.socket.disconnect();
          const leave = await changes.next();
          assert.equal(leave.type, "leave");
          assert.equal(leave.current.lastActive, undefined);
          await store.close();
        });
      });
    }
  });
}
