// A REST request may offer to switch protocols: an HTTP/2 client speaking to an http:// address
// (`curl --http2`, Java's HttpClient) adds `Upgrade: h2c` to an ordinary request. A server is free
// to ignore the offer and answer over HTTP/1.1, as stock Nakama's Go server does. herald switches
// only to WebSocket, on `/ws`; a request offering anything else is answered as the request it is.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exchange as rawExchange } from "../helpers/raw-http.js";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";

const H2C =
  "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n";

/** Sends `request` on a fresh connection; the server's answer, once complete. */
async function exchange(port: number, request: string): Promise<{ status: number; body: string }> {
  const text = await rawExchange(port, request);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

/** The JSON of a body sent with `Content-Length` or chunked (one chunk and the last). */
function json(body: string): Record<string, unknown> {
  const chunked = /^[0-9a-f]+\r\n([\s\S]*?)\r\n0\r\n/.exec(body);
  return JSON.parse(chunked?.[1] ?? body) as Record<string, unknown>;
}

describe("a REST request offering an upgrade", () => {
  const srv = serverForSuite();

  test("a GET offering h2c is answered over HTTP/1.1 as without the offer", async () => {
    const ada = await authenticate(srv.url);
    const account = await exchange(
      srv.port,
      `GET /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ada.token}\r\n${H2C}\r\n`,
    );
    assert.equal(account.status, 200, account.body);
    assert.equal((json(account.body).user as { id: string }).id, ada.userId);
    const health = await exchange(srv.port, `GET /healthcheck HTTP/1.1\r\nHost: x\r\n${H2C}\r\n`);
    assert.equal(health.status, 200, health.body);
    // Refusals are the route's own: no token is a 401, not a 404.
    const anonymous = await exchange(srv.port, `GET /v2/account HTTP/1.1\r\nHost: x\r\n${H2C}\r\n`);
    assert.equal(anonymous.status, 401, anonymous.body);
    assert.equal(json(anonymous.body).code, 16);
  });

  test("a request with a body offering h2c is refused with 400 saying why, and changes nothing", async () => {
    const ada = await authenticate(srv.url);
    const body = JSON.stringify({ display_name: "changed" });
    const put = await exchange(
      srv.port,
      `PUT /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ada.token}\r\n${H2C}` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.equal(put.status, 400, put.body);
    assert.equal(json(put.body).code, 3);
    assert.match(String(json(put.body).message), /Upgrade/);
    const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
    assert.equal((account.body.user as { display_name?: string }).display_name, undefined);
  });
});
