import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { authenticate, serverForSuite, startServer } from "../helpers/server.js";

describe("HTTP", () => {
  const srv = serverForSuite();

  test("preflight requests are answered for browsers calling from another origin", async () => {
    const res = await fetch(`${srv.url}/v2/account/authenticate/device`, {
      method: "OPTIONS",
      headers: { origin: "http://example.test", "access-control-request-method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /DELETE/);
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /Authorization/);
    const denied = await fetch(`${srv.url}/v2/account`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("access-control-allow-origin"), "*");
  });

  test("the capabilities route names the server, its version and its extensions", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const res = await fetch(`${srv.url}/v2/herald/capabilities`);
    assert.deepEqual(await res.json(), {
      server: "herald",
      version: pkg.version,
      extensions: ["client_msg_id", "exact_cursors", "join_mark", "user_presence"],
    });
    const health = await fetch(`${srv.url}/healthcheck`);
    assert.equal(health.status, 200);
  });
});

test("a malformed percent-encoding in a path is refused with 400, not a server error", async () => {
  const srv = await startServer();
  try {
    const ada = await authenticate(srv.url);
    const bad = await fetch(`${srv.url}/v2/channel/%E0%A4%A?limit=1`, {
      headers: { authorization: `Bearer ${ada.token}` },
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: number }).code, 3);
  } finally {
    await srv.close();
  }
});
