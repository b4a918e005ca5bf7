import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exchange } from "../helpers/raw-http.js";
import { authenticate, rest, serverForSuite } from "../helpers/server.js";

function statusLine(response: string): string {
  return response.split("\r\n")[0] ?? "";
}

function jsonBody(response: string): Record<string, unknown> {
  return JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
}

describe("odd HTTP requests", () => {
  const srv = serverForSuite();

  test('a request for "//" gets an HTTP answer and the server lives on', async () => {
    const response = await exchange(srv.port, "GET // HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(statusLine(response), /^HTTP\/1\.1 404/);
    assert.equal(jsonBody(response).code, 5);
    const upgrade = await exchange(
      srv.port,
      "GET //ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    assert.match(statusLine(upgrade), /^HTTP\/1\.1 404/);
    assert.equal((await rest(srv.url, "GET", "/healthcheck")).status, 200);
  });

  test("a 20 KB bearer token is answered 431 with a JSON error, not a reset", async () => {
    const response = await exchange(
      srv.port,
      `GET /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"a".repeat(20_000)}\r\n\r\n`,
    );
    assert.match(statusLine(response), /^HTTP\/1\.1 431/);
    assert.equal(jsonBody(response).code, 3);
  });

  test("an unknown HTTP method is answered 501; a known one the route lacks 405", async () => {
    const unknown = await exchange(srv.port, "FROB /v2/account HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(statusLine(unknown), /^HTTP\/1\.1 501/);
    assert.equal(jsonBody(unknown).code, 12);
    const patch = await exchange(
      srv.port,
      "PATCH /v2/account HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
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

/** The headers of a response, by lower-case name. */
function headersOf(response: string): Map<string, string> {
  const lines = response.slice(0, response.indexOf("\r\n\r\n")).split("\r\n").slice(1);
  return new Map(
    lines.map((line) => [
      line.slice(0, line.indexOf(":")).toLowerCase(),
      line.slice(line.indexOf(":") + 1).trim(),
    ]),
  );
}

describe("malformed WebSocket upgrade requests", () => {
  const srv = serverForSuite();
  const KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  const VERSION = "Sec-WebSocket-Version: 13\r\n";
  const upgrade = (token: string, line: string, headers: string) =>
    `${line.replace("PATH", `/ws?token=${token}&invisible=true`)}\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`;

  const cases: { name: string; line?: string; headers: string; status: number; code: number }[] = [
    { name: "a POST", line: "POST PATH HTTP/1.1", headers: KEY + VERSION, status: 405, code: 12 },
    { name: "no Sec-WebSocket-Key", headers: VERSION, status: 400, code: 3 },
    {
      name: "a malformed Sec-WebSocket-Key",
      headers: `Sec-WebSocket-Key: abc\r\n${VERSION}`,
      status: 400,
      code: 3,
    },
    { name: "no Sec-WebSocket-Version", headers: KEY, status: 400, code: 3 },
    {
      name: "an unknown Sec-WebSocket-Version",
      headers: `${KEY}Sec-WebSocket-Version: 12\r\n`,
      status: 400,
      code: 3,
    },
    {
      name: "an empty protocol name",
      headers: `${KEY}${VERSION}Sec-WebSocket-Protocol: a,,b\r\n`,
      status: 400,
      code: 3,
    },
    {
      name: "a protocol named twice",
      headers: `${KEY}${VERSION}Sec-WebSocket-Protocol: a, a\r\n`,
      status: 400,
      code: 3,
    },
  ];
  for (const c of cases) {
    test(`${c.name} is answered ${c.status} with a JSON error, and changes nothing`, async () => {
      const ada = await authenticate(srv.url);
      const response = await exchange(srv.port, upgrade(ada.token, c.line ?? "GET PATH HTTP/1.1", c.headers));
      assert.match(statusLine(response), new RegExp(`^HTTP/1\\.1 ${c.status} `));
      const headers = headersOf(response);
      assert.equal(headers.get("content-type"), "application/json");
      assert.equal(jsonBody(response).code, c.code);
      if (/Version/.test(c.name)) assert.equal(headers.get("sec-websocket-version"), "13, 8");
      // The upgrade's `invisible=true` was not taken: the handshake is checked before anything is.
      const account = await rest(srv.url, "GET", "/v2/account", { token: ada.token });
      assert.equal(account.body.invisible, undefined);
    });
  }

  test("a well-formed one still switches, protocols listed or not", async () => {
    const ada = await authenticate(srv.url);
    for (const headers of [KEY + VERSION, `${KEY}${VERSION}Sec-WebSocket-Protocol: a , b\r\n`]) {
      const response = await exchange(srv.port, upgrade(ada.token, "GET PATH HTTP/1.1", headers));
      assert.match(statusLine(response), /^HTTP\/1\.1 101 /);
    }
  });

  test("a REST request with an Expect the server does not meet is answered 417 with a JSON error", async () => {
    const response = await exchange(
      srv.port,
      "GET /healthcheck HTTP/1.1\r\nHost: x\r\nExpect: nothing-known\r\n\r\n",
    );
    assert.match(statusLine(response), /^HTTP\/1\.1 417 /);
    assert.equal(headersOf(response).get("content-type"), "application/json");
    assert.equal(jsonBody(response).code, 3);
  });
});
