// `new Client({ host })` as new users first write it: a URL, `host:port`, a bare IPv6 address.
// Refused at once with a hint, instead of every later call failing as an unreachable address.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, HeraldError } from "../../src/index.js";
import { serverForSuite } from "../helpers/server.js";

const refusedWith = (hint: RegExp) => (e: unknown) =>
  HeraldError.is(e, "bad_input") &&
  /host must be a bare host name or address/.test(e.message) &&
  hint.test(e.message);

describe("Client host option", () => {
  const srv = serverForSuite();

  test("a URL, a host with a port, a path or a bare IPv6 address is refused with a hint", () => {
    const cases: [string, RegExp][] = [
      ["http://127.0.0.1", /without the scheme.*ssl: true/],
      ["https://chat.example.com", /without the scheme/],
      ["127.0.0.1:7350", /without the port/],
      ["chat.example.com:443", /without the port/],
      ["[::1]:7350", /without the port/],
      ["127.0.0.1/", /without spaces, paths/],
      [" 127.0.0.1", /without spaces, paths/],
      ["fe80::1", /IPv6 address in brackets/],
    ];
    for (const [host, hint] of cases) assert.throws(() => new Client({ host }), refusedWith(hint), host);
  });

  test("host names, IPv4 and bracketed IPv6 addresses are taken, and the client reaches its server", async () => {
    for (const host of ["localhost", "chat.example.com", "10.0.2.2", "[::1]", "[fe80::1]"]) {
      assert.equal(new Client({ host, port: 7350 }).baseUrl, `http://${host}:7350`);
    }
    await new Client({ host: "127.0.0.1", port: srv.port }).healthcheck();
  });
});
