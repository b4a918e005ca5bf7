// REST request bodies over the server's limit: stock Nakama takes at most 256 KiB by default and
// refuses more as a bad argument (400, code 3); herald takes 1 MiB and answers 413. Both read and
// drop the rest of the body so the refusal reaches the client.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeraldError } from "../../src/index.js";
import { createServer } from "../../src/server/index.js";
import { serverForSuite, startServer, type TestServer } from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";

/** Posts a device sign-in whose JSON body is exactly `bytes` long; returns status and body. */
async function postOfSize(
  srv: TestServer,
  bytes: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const head = '{"id":"device-0123456789","vars":{"pad":"';
  const tail = '"}}';
  const text = head + "x".repeat(bytes - head.length - tail.length) + tail;
  assert.equal(Buffer.byteLength(text), bytes);
  const res = await fetch(`${srv.url}/v2/account/authenticate/device?create=true`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const KiB = 1024;

for (const mode of serverModes) {
  const stock = mode.name === "nakama";
  const limit = stock ? 256 * KiB : 1024 * KiB;

  describe(`REST body limit (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test(`a body one byte over ${limit / KiB} KiB is refused as ${stock ? "stock does (400, code 3)" : "413"}`, async () => {
      const res = await postOfSize(srv, limit + 1);
      assert.equal(res.status, stock ? 400 : 413);
      assert.equal(res.body.code, 3);
      assert.match(
        String(res.body.message),
        stock ? /^http: request body too large$/ : /too large: at most 1048576 bytes/,
      );
      assert.equal(res.body.herald_code, stock ? undefined : "bad_input");
    });

    test(`a body of exactly ${limit / KiB} KiB is read`, async () => {
      const res = await postOfSize(srv, limit);
      // Read and judged on its content (a session, or a refusal of the content: herald bounds session
      // vars), never as a body too large.
      assert.doesNotMatch(String(res.body.message ?? ""), /body too large|too large: at most/);
      assert.notEqual(res.status, 413);
    });
  });
}

describe("REST body limit set by maxBodyBytes", () => {
  for (const mode of serverModes) {
    test(
      `an explicit limit wins (${mode.name} server)`,
      bundledOnly(mode, "a body limit of its own"),
      async (t) => {
        const srv = await startServer({ ...mode.options, maxBodyBytes: 2 * KiB });
        t.after(() => srv.close());
        assert.equal((await postOfSize(srv, 2 * KiB + 1)).status, mode.name === "nakama" ? 400 : 413);
        assert.equal((await postOfSize(srv, 2 * KiB)).status, 200);
      },
    );
  }

  test("a limit that is not a whole number above 0 is refused at start", async () => {
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(
        createServer({ port: 0, db: ":memory:", logLevel: "silent", maxBodyBytes }),
        (err: unknown) => HeraldError.is(err, "bad_input") && /maxBodyBytes/.test(err.message),
      );
    }
  });
});
