import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { waitFor } from "../../src/testing/wait-for.js";
import { authenticate, captureLog, openSocket, rest, startServer } from "../helpers/server.js";

interface UserJson {
  id: string;
  online?: boolean;
  last_active?: string;
  status?: string;
}

describe("user presence fields", () => {
  test("a user's last_active is set at connect and refreshed while connected, and status is the latest visible one", async () => {
    const log = captureLog();
    const srv = await startServer({ lastActiveRefreshMs: 20, logger: log.logger });
    try {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const getAda = async () =>
        (
          (await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token })).body
            .users as UserJson[]
        )[0];
      assert.equal((await getAda())?.last_active, undefined, "never connected");
      const a = await openSocket(srv.url, ada);
      // A connect stores last_active without holding up the socket's opening: on PostgreSQL or a
      // loaded machine it lands a moment after.
      const first = await waitFor(async () => (await getAda())?.last_active, {
        what: "the connect's last_active stored",
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      await a.callEmpty("statusUpdate", { status: "reading" });
      const seen = await getAda();
      assert.equal(seen?.online, true);
      assert.equal(seen?.status, "reading");
      // Wait for a refresh that happens strictly later than the connect.
      for (;;) {
        await log.waitFor("last_active_refreshed");
        const now = (await getAda())?.last_active;
        if (now !== undefined && Date.parse(now) > Date.parse(first)) break;
        log.events.length = 0;
      }
      await a.close();
      // The server ends the session after the close handshake; on PostgreSQL or a loaded
      // machine a read may come in between.
      const offline = await waitFor(
        async () => {
          const user = await getAda();
          return user?.online === undefined ? user : undefined;
        },
        { what: "ada shown offline", timeoutMs: 10_000, intervalMs: 20 },
      );
      assert.equal(offline.status, undefined);
    } finally {
      await srv.close();
    }
  });

  test("the invisible flag is stored on the account and hides the user's online state from others", async () => {
    const srv = await startServer();
    try {
      const ada = await authenticate(srv.url);
      const bob = await authenticate(srv.url);
      const a = await openSocket(srv.url, ada, undefined, { status: true });
      assert.equal(
        (await rest(srv.url, "PUT", "/v2/account", { token: ada.token, body: { invisible: true } })).status,
        200,
      );
      const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
      assert.equal(account.body.invisible, true);
      const seen = (await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token })).body
        .users as UserJson[];
      assert.equal(seen[0]?.online, undefined);
      assert.equal(
        (await rest(srv.url, "PUT", "/v2/account", { token: ada.token, body: { invisible: false } })).status,
        200,
      );
      const again = (await rest(srv.url, "GET", `/v2/user?ids=${ada.userId}`, { token: bob.token })).body
        .users as UserJson[];
      assert.equal(again[0]?.online, true);
      await a.close();
    } finally {
      await srv.close();
    }
  });
});
