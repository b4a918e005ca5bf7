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

interface Exchange {
  /** All the server wrote. */
  reply: string;
  /** The complete HTTP answers in `reply`, in order. */
  answers: string[];
  /** Whether the server closed the connection. */
  closed: boolean;
}

/** The complete HTTP answers at the start of `text`: a 101's head, or a head and its body. */
function completeAnswers(text: string): string[] {
  const answers: string[] = [];
  let at = 0;
  for (;;) {
    const headEnd = text.indexOf("\r\n\r\n", at);
    if (headEnd < 0) return answers;
    const head = text.slice(at, headEnd);
    let end = headEnd + 4;
    if (!/^HTTP\/1\.1 101 /.test(head)) {
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length) end += Number(length[1]);
      else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        const last = text.indexOf("\r\n0\r\n\r\n", headEnd);
        if (last < 0) return answers;
        end = last + 7;
      } else return answers; // the body runs to the close
      if (text.length < end) return answers;
    }
    answers.push(text.slice(at, end));
    at = end;
  }
}

/**
 * Sends raw request text. Resolves once the server has closed the connection or written `answers`
 * complete answers, so the test waits on what happens, never on a guess at how long it takes; a
 * server that does neither within 10 s shows as not closed, with what it wrote.
 */
function exchange(port: number, text: string, answers = 1): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let reply = "";
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, answers: completeAnswers(reply), closed });
    };
    const timer = setTimeout(() => done(false), 10_000);
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (completeAnswers(reply).length >= answers) done(false);
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
          if (stock) {
            const { reply, closed } = await exchange(srv.port, get(target));
            assert.equal(reply, GO_BAD_REQUEST);
            assert.equal(closed, true, "the server closes the connection after its answer");
          } else {
            // A second request on the same connection is answered: the connection stayed open.
            const { answers, closed, reply } = await exchange(srv.port, get(target) + get("/healthcheck"), 2);
            assert.equal(answers.length, 2, reply);
            const [head = "", body = ""] = (answers[0] ?? "").split("\r\n\r\n");
            assert.match(head, /^HTTP\/1\.1 4\d\d /);
            assert.match(head, /\r\nContent-Type: application\/json\r\n/i);
            const parsed = JSON.parse(body) as { code: number; message: string };
            assert.equal(typeof parsed.code, "number");
            assert.match(answers[1] ?? "", /^HTTP\/1\.1 200 /);
            assert.equal(closed, false, "a keep-alive connection stays open after a JSON error");
          }
        },
      );
    }

    test("a request with a body gets the same answer as one without", async () => {
      const body = '{"id":"device-1234567890"}';
      const { reply, closed } = await exchange(
        srv.port,
        `POST /v2/account/authenticate/device%zz?create=true HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
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
      const ok = await exchange(srv.port, get(`/ws?token=${ada.token}`, upgrade));
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
      const { reply, answers, closed } = await exchange(
        srv.port,
        get("/v2/user/%zz") + get("/healthcheck"),
        2,
      );
      if (stock) {
        assert.equal(reply, GO_BAD_REQUEST);
        assert.equal(closed, true);
      } else {
        assert.equal(answers.length, 2, reply);
      }
    });
  });
}
