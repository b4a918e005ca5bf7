// Requests sent slowly on purpose (slowloris): headers dripped a line at a time, a body dripped a
// byte at a time, a connection opened and left silent. Each holds a socket and a buffer; the server
// must give up on them after `requestTimeoutMs` (stock Nakama's read timeout is 10 s; Node's own
// defaults would wait a minute for headers and five for a body) and answer 408 with the usual
// JSON body, while a request sent at a normal pace is answered as ever.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/errors.js";
import { createServer } from "../../src/server/index.js";
import { drip, rawConnection } from "../helpers/raw-http.js";
import { authenticate, captureLog, serverForSuite } from "../helpers/server.js";

describe("slow requests", () => {
  const log = captureLog();
  // The limit leaves a request sent at a normal pace seconds to spare on a loaded machine; the
  // dripped ones would take far longer than it (a piece every 100 ms), so they are always cut.
  const srv = serverForSuite({ requestTimeoutMs: 4000, logger: log.logger, logLevel: "debug" });

  test("headers dripped slowly are cut off with 408 and a JSON body", { timeout: 30_000 }, async () => {
    const { socket, answer } = await rawConnection(srv.port);
    const request = `GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(400)}\r\n\r\n`;
    void drip(socket, request, 100);
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /"code":4/);
  });

  test("a body dripped slowly is cut off with 408; a normal request meanwhile is answered", {
    timeout: 30_000,
  }, async () => {
    const ada = await authenticate(srv.url);
    const { socket, answer } = await rawConnection(srv.port);
    const body = JSON.stringify({ display_name: "x".repeat(200) });
    socket.write(
      `PUT /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ada.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    void drip(socket, body, 100);
    const quick = await fetch(`${srv.url}/v2/account`, { headers: { authorization: `Bearer ${ada.token}` } });
    assert.equal(quick.status, 200);
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /"code":4/);
    // Nothing of the cut request was applied.
    const account = (await (
      await fetch(`${srv.url}/v2/account`, { headers: { authorization: `Bearer ${ada.token}` } })
    ).json()) as { user: { display_name?: string } };
    assert.equal(account.user.display_name, undefined);
    // A client's slowness is not logged as a server failure.
    assert.deepEqual(
      log.events.filter((e) => e.level === "error"),
      [],
    );
  });

  test("a connection that never sends a byte is closed", { timeout: 30_000 }, async () => {
    const { answer } = await rawConnection(srv.port);
    // Closed by the server (no 408 is owed to a client that asked nothing, but one is harmless).
    const text = await answer;
    assert.ok(text === "" || /^HTTP\/1\.1 408 /.test(text), text);
  });
});

test("requestTimeoutMs must be a whole number above 0", async () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    const err = await createServer({ port: 0, logLevel: "silent", requestTimeoutMs: bad }).catch(
      (e: unknown) => e,
    );
    assert.ok(HeraldError.is(err, "bad_input"), String(err));
    assert.match(err.message, /requestTimeoutMs/);
  }
});
