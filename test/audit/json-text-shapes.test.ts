// JSON text shaped to be slow to check: objects nested a hundred thousand deep, or one object with a
// hundred thousand keys, in a REST body up to the size limit and in a realtime frame. The server
// checks every JSON text for keys given twice before reading it; that check must take time in
// proportion to the text (it took time in proportion to its square: a 1 MiB body held the only
// thread for minutes, and no other user was answered meanwhile). Each is answered, and a ping
// from another user is answered after it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { jsonTextFault } from "../../src/server/transport/json-text-fault.js";
import { authenticate, openSocket, serverForSuite, socketUrl, uniqueName } from "../helpers/server.js";
import { serverModes } from "../helpers/server-modes.js";

/** `count` keys in one object: `{"k0":1,"k1":1,...}`. */
function wide(count: number): string {
  return `{${Array.from({ length: count }, (_, i) => `"k${i}":1`).join(",")}}`;
}

/** `depth` objects, each inside the last: `{"a":{"a":...1...}}`. */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

for (const mode of serverModes) {
  describe(`JSON text made to be slow to check (${mode.name} mode)`, () => {
    const srv = serverForSuite(mode.options);
    // Sizes just under each mode's body limit (1 MiB; 256 KiB like stock).
    const scale = mode.name === "nakama" ? 0.24 : 1;

    for (const [shape, value] of [
      ["nested objects", deep(Math.floor(170_000 * scale))],
      ["an object of many keys", wide(Math.floor(80_000 * scale))],
    ] as const) {
      test(`a REST body holding ${shape} is answered, and so are others after it`, {
        timeout: 60_000,
      }, async () => {
        const ada = await authenticate(srv.url);
        const body = `{"name":"${uniqueName("group")}","description":"d","metadata_extra":${value}}`;
        const res = await fetch(`${srv.url}/v2/group`, {
          method: "POST",
          headers: { authorization: `Bearer ${ada.token}`, "content-type": "application/json" },
          body,
        });
        const answer = (await res.json()) as { code?: number; message?: string };
        if (mode.name === "herald") {
          // herald names the field it does not know.
          assert.equal(res.status, 400, JSON.stringify(answer));
          assert.match(String(answer.message), /unknown field "metadata_extra"/);
        } else {
          // Stock skips a field it does not know, and creates the group.
          assert.equal(res.status, 200, JSON.stringify(answer));
        }
        const bob = await openSocket(srv.url, await authenticate(srv.url));
        await bob.call("ping", {}, "pong");
        await bob.close();
      });
    }

    test("a REST body whose known field holds a value nested 100,000 deep is refused as bad input", {
      timeout: 60_000,
    }, async () => {
      const ada = await authenticate(srv.url);
      const res = await fetch(`${srv.url}/v2/group`, {
        method: "POST",
        headers: { authorization: `Bearer ${ada.token}`, "content-type": "application/json" },
        body: `{"name":"${uniqueName("group")}","description":${deep(Math.floor(100_000 * scale))}}`,
      });
      const answer = (await res.json()) as { code?: number; message?: string };
      assert.equal(res.status, 400, JSON.stringify(answer));
      assert.equal(answer.code, 3);
    });

    test("a realtime frame holding an object of many keys is refused as malformed, and others are answered", {
      timeout: 60_000,
    }, async () => {
      const ada = await authenticate(srv.url);
      const keys = mode.name === "nakama" ? 300 : 6_500;
      const ws = new WebSocket(socketUrl(srv.url, ada.token));
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
      ws.send(`{"cid":"1","ping":{},"extra":${wide(keys)}}`);
      // Malformed (a field the envelope does not have): herald closes with 1007, stock with 1005.
      assert.equal(await closed, mode.name === "nakama" ? 1005 : 1007);
      const bob = await openSocket(srv.url, await authenticate(srv.url));
      await bob.call("ping", {}, "pong");
      await bob.close();
    });
  });
}

test("the scan still finds a key given twice among many, under either spelling, and deep down", () => {
  const many = Array.from({ length: 50 }, (_, i) => `"k_${i}":1`).join(",");
  assert.equal(jsonTextFault(`{${many},"k_7":2}`), 'duplicate field "k_7"');
  assert.equal(jsonTextFault(`{${many},"k7":2}`, { spellings: true }), 'duplicate field "k7"');
  assert.equal(jsonTextFault(`{"kA":0,${many},"k_a":2}`, { spellings: true }), 'duplicate field "k_a"');
  assert.equal(jsonTextFault(`{${many},"k7":2}`), undefined);
  assert.equal(
    jsonTextFault(`{"x":[{"y":{"z":1,"z":2}}]}`, { fieldOf: (path, key) => `${path.join(".")}/${key}` }),
    'duplicate field "x.y.z"',
  );
  const paths: string[] = [];
  jsonTextFault(`{"x":[{"y":{"z":1}},[{"w":1}]],"v":{"u":1}}`, {
    fieldOf: (path, key) => {
      paths.push(`${path.join(".")}/${key}`);
      return key;
    },
  });
  assert.deepEqual(paths, ["/x", "x/y", "x.y/z", "x/w", "/v", "v/u"]);
  assert.equal(jsonTextFault(deep(50_000)), undefined);
});
