// connect() refused by the server for a reason other than the token: the error says which, so an
// app can tell "close another tab" from "the network is down".

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError } from "../../src/index.js";
import { serverForSuite, uniqueName } from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";

for (const mode of serverModes) {
  describe(
    `connect() refusals (${mode.name} server)`,
    bundledOnly(mode, "a cap of one socket per user"),
    () => {
      const srv = serverForSuite({ ...mode.options, caps: { socketsPerUser: 1 } });

      test("a socket over the per-user cap rejects resource_exhausted with status 429, and a retry after a close succeeds", async () => {
        const client = new Client({ port: srv.port });
        const session = await client.authenticateDevice({ id: `device-${uniqueName()}` });
        const first = client.createSocket({ reconnect: false });
        await first.connect(session);
        const second = client.createSocket({ reconnect: false });
        await assert.rejects(second.connect(session), (e: unknown) => {
          assert.ok(HeraldError.is(e), "a HeraldError");
          assert.equal(e.code, "resource_exhausted");
          assert.equal(e.status, 429);
          return true;
        });
        assert.equal(second.state, "closed");
        await first.disconnect();
        // The server frees the slot once it has seen the close; the refused socket is reusable.
        for (let attempt = 0; ; attempt++) {
          try {
            await second.connect(session);
            break;
          } catch (e) {
            if (!HeraldError.is(e, "resource_exhausted") || attempt > 50) throw e;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        await second.ping();
        await second.disconnect();
      });
    },
  );
}
