import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";

/** Sends raw bytes over TCP; resolves with everything the server wrote before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
    });
    socket.on("error", (err) =>
      reject(new Error(`connection failed (${err.message}) after: ${JSON.stringify(text)}`)),
    );
    socket.on("close", () => resolve(text));
    socket.write(request);
    // Keep-alive answers leave the connection open; give the server a moment, then hang up.
    setTimeout(() => socket.end(), 1000).unref();
  });
}

function statusLine(response: string): string {
  return response.split("\r\n")[0] ?? "";
}

function jsonBody(response: string): Record<string, unknown> {
  return JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
}

describe("odd HTTP requests", () => {
  const srv = serverForSuite();

  test('a request for "//" gets an HTTP answer and the server lives on', async () => {
    const response = await raw(srv.port, "GET // HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(statusLine(response), /^HTTP\/1\.1 404/);
    assert.equal(jsonBody(response).code, 5);
    const upgrade = await raw(
      srv.port,
      "GET //ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    assert.match(statusLine(upgrade), /^HTTP\/1\.1 404/);
    assert.equal((await rest(srv.url, "GET", "/healthcheck")).status, 200);
  });

  test("a 20 KB bearer token is answered 431 with a JSON error, not a reset", async () => {
    const response = await raw(
      srv.port,
      `GET /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"a".repeat(20_000)}\r\n\r\n`,
    );
    assert.match(statusLine(response), /^HTTP\/1\.1 431/);
    assert.equal(jsonBody(response).code, 3);
  });

  test("an unknown HTTP method is answered 501; a known one the route lacks 405", async () => {
    const unknown = await raw(srv.port, "FROB /v2/account HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(statusLine(unknown), /^HTTP\/1\.1 501/);
    assert.equal(jsonBody(unknown).code, 12);
    const patch = await raw(srv.port, "PATCH /v2/account HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert.match(statusLine(patch), /^HTTP\/1\.1 405/);
  });

  test("a body over 1 MiB is answered 413 with a JSON error", async () => {
    const ada = await authenticate(srv.url);
    const res = await fetch(`${srv.url}/v2/group`, {
      method: "POST",
      headers: { authorization: `Bearer ${ada.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { code: number; message: string };
    assert.equal(body.code, 3);
    assert.match(body.message, /too large/);
    assert.equal((await rest(srv.url, "GET", "/healthcheck")).status, 200);
  });
});
