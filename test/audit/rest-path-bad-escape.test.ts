// A request whose path holds a bad % escape (`/v2/user/%zz`). Stock Nakama's HTTP front is Go's
// net/http server, which parses the request target with url.ParseRequestURI while reading the
// request: the path is unescaped there, a bad escape fails it, and the server writes its fixed
// plain-text "400 Bad Request" and closes the connection before any handler (the REST gateway, the
// WebSocket upgrade) sees the request. compat mode answers the same bytes; herald's mode answers
// with its JSON error. Sent over raw TCP, since fetch would normalise some of these paths.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { authenticate, serverForSuite } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

const GO_BAD_REQUEST =
  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";

/** Sends raw request text; resolves with all the server wrote and whether it closed the connection. */
function exchange(port: number, text: string, waitMs = 500): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let reply = "";
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closed });
    };
    // A server that keeps the connection open is seen as such once its answer has had time to come.
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
    });
    socket.on("end", () => done(true));
    socket.on("close", () => done(true));
    socket.on("error", (err) => (reply === "" ? reject(err) : done(true)));
  });
}

const get = (target: string, headers = "") => `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`;

for (const mode of serverModes) {
  const stock = mode.name === "nakama";
  describe(`a bad % escape in the request path (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    const targets = [
      "/v2/user/%zz",
      "/v2/channel/%zz?limit=1",
      "/v2/channel/2...lobby%?limit=1",
      "/v2/account%2",
      "/v2/%zz/account?x=1",
    ];
    for (const target of targets) {
      test(
        stock
          ? `${target}: Go's fixed plain-text 400, then the connection closes`
          : `${target}: herald's JSON error, and the connection stays open`,
        async () => {
          const { reply, closed } = await exchange(srv.port, get(target));
          if (stock) {
            assert.equal(reply, GO_BAD_REQUEST);
            assert.equal(closed, true, "the server closes the connection after its answer");
          } else {
            const [head = "", body = ""] = reply.split("\r\n\r\n");
            assert.match(head, /^HTTP\/1\.1 4\d\d /);
            assert.match(head, /\r\nContent-Type: application\/json\r\n/i);
            const parsed = JSON.parse(body) as { code: number; message: string };
            assert.equal(typeof parsed.code, "number");
            assert.equal(closed, false, "a keep-alive connection stays open after a JSON error");
          }
        },
      );
    }

    test("a request with a body gets the same answer as one without", async () => {
      const body = '{"id":"device-1234567890"}';
      const { reply, closed } = await exchange(
        srv.port,
        `POST /v2/account/authenticate/device%zz?create=true HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic ${Buffer.from("defaultkey:").toString("base64")}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      if (stock) {
        assert.equal(reply, GO_BAD_REQUEST);
        assert.equal(closed, true);
      } else {
        assert.match(reply, /^HTTP\/1\.1 4\d\d [\s\S]*\r\n\r\n\{"code":\d+/);
      }
    });

    test("a WebSocket upgrade whose path has a bad escape is refused before the upgrade", async () => {
      const ada = await authenticate(srv.url);
      const upgrade =
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
      const { reply, closed } = await exchange(srv.port, get(`/ws%zz?token=${ada.token}`, upgrade));
      if (stock) {
        assert.equal(reply, GO_BAD_REQUEST);
        assert.equal(closed, true);
      } else {
        assert.match(reply, /^HTTP\/1\.1 404 [\s\S]*\{"code":5/);
      }
      // The same request with a clean path upgrades, in both modes.
      const ok = await exchange(srv.port, get(`/ws?token=${ada.token}`, upgrade), 300);
      assert.match(ok.reply, /^HTTP\/1\.1 101 /);
    });

    test("a bad escape in the query only is not a request-line fault: the route answers", async () => {
      const ada = await authenticate(srv.url);
      const { reply } = await exchange(
        srv.port,
        get("/v2/channel/2...lobby?limit=%zz", `Authorization: Bearer ${ada.token}\r\n`),
      );
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Content-Type: application\/json/);
      assert.match(reply, /"code":3/);
    });

    test("pipelined after a bad request line, nothing more is answered in stock mode", async () => {
      const { reply, closed } = await exchange(srv.port, get("/v2/user/%zz") + get("/healthcheck"));
      if (stock) {
        assert.equal(reply, GO_BAD_REQUEST);
        assert.equal(closed, true);
      } else {
        assert.equal(reply.match(/HTTP\/1\.1 /g)?.length, 2, reply);
      }
    });
  });
}
