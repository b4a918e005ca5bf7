// String maps read from JSON (session vars on sign-in and refresh) keep every key as an ordinary
// entry, "__proto__", "constructor" and "prototype" included, as the Go maps of a stock server do.
// Nothing a request body holds can change a prototype: bodies that try are refused or kept as data.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client } from "../../src/index.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import type { HookContext } from "../../src/server/hooks.js";
import {
  authenticate,
  openSocket,
  rest,
  serverForSuite,
  startServer,
  uniqueName,
} from "../helpers/server.js";
import { bundledOnly, serverModes } from "../helpers/server-modes.js";

const ODD_KEYS = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];

/** A vars object holding every odd key as an own entry, as JSON.parse builds it. */
function oddVars(tag: string): Record<string, string> {
  return JSON.parse(`{${ODD_KEYS.map((k) => `"${k}":"${tag}-${k}"`).join(",")}}`) as Record<string, string>;
}

function claimsOf(token: string): { vrs: Record<string, string> } {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    vrs: Record<string, string>;
  };
}

function assertHoldsOddKeys(vars: Record<string, string>, tag: string): void {
  assert.equal(Object.getPrototypeOf(vars), Object.prototype, "an ordinary object");
  assert.deepEqual(Object.keys(vars).sort(), [...ODD_KEYS].sort());
  for (const key of ODD_KEYS) {
    assert.ok(Object.hasOwn(vars, key), `own key ${key}`);
    assert.equal(Object.getOwnPropertyDescriptor(vars, key)?.value, `${tag}-${key}`);
  }
}

const signIn = "/v2/account/authenticate/device?create=true";

for (const mode of serverModes) {
  describe(`odd keys in string maps (${mode.name} server)`, () => {
    const srv = serverForSuite(mode.options);

    test("sign-in and refresh keep __proto__, constructor and prototype in vars as ordinary keys", async () => {
      const body = `{"id":"device-${uniqueName()}","vars":${JSON.stringify(oddVars("a"))}}`;
      const res = await fetch(`${srv.url}${signIn}`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
        body,
      });
      assert.equal(res.status, 200);
      const session = (await res.json()) as { token: string; refresh_token: string };
      assertHoldsOddKeys(claimsOf(session.token).vrs, "a");

      const refreshed = await fetch(`${srv.url}/v2/account/session/refresh`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
        body: `{"token":"${session.refresh_token}","vars":${JSON.stringify(oddVars("b"))}}`,
      });
      assert.equal(refreshed.status, 200);
      assertHoldsOddKeys(claimsOf(((await refreshed.json()) as { token: string }).token).vrs, "b");
      // Only "__proto__" given: a real key, so the refresh takes it instead of keeping the old vars.
      const onlyProto = await fetch(`${srv.url}/v2/account/session/refresh`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
        body: `{"token":"${session.refresh_token}","vars":{"__proto__":"c"}}`,
      });
      assert.equal(onlyProto.status, 200);
      const vrs = claimsOf(((await onlyProto.json()) as { token: string }).token).vrs;
      assert.deepEqual(Object.keys(vrs), ["__proto__"]);
      assert.equal(Object.getOwnPropertyDescriptor(vrs, "__proto__")?.value, "c");
    });

    // Stock mode skips unknown body fields, as stock's JSON reader does: a top-level "__proto__" or
    // "constructor" is one, so the sign-in goes ahead without it. A map value that is not a
    // string is refused in both modes.
    const stock = mode.name === "nakama";
    test(`bodies that try to set a prototype are ${stock ? "refused or skipped" : "refused"} and change no prototype`, async () => {
      const attempts: [string, boolean][] = [
        [`{"id":"device-${uniqueName()}","vars":{"__proto__":{"polluted":"yes"}}}`, true],
        [`{"id":"device-${uniqueName()}","__proto__":{"polluted":"yes"}}`, !stock],
        [`{"id":"device-${uniqueName()}","constructor":{"prototype":{"polluted":"yes"}}}`, !stock],
        [`{"id":"device-${uniqueName()}","vars":{"constructor":{"prototype":{"polluted":"yes"}}}}`, true],
      ];
      for (const [body, refused] of attempts) {
        const res = await fetch(`${srv.url}${signIn}`, {
          method: "POST",
          headers: { authorization: `Basic ${Buffer.from(`${srv.serverKey}:`).toString("base64")}` },
          body,
        });
        assert.equal(res.status, refused ? 400 : 200, body);
        const answer = (await res.json()) as { code?: number; token?: string };
        if (refused) assert.equal(answer.code, 3, body);
        else assert.deepEqual(claimsOf(answer.token ?? "").vrs ?? {}, {}, body);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      // The server still answers as before.
      const ada = await authenticate(srv.url);
      assert.equal((await rest(srv.url, "GET", "/v2/account", { token: ada.token })).status, 200);
    });

    test(
      "the SDK's session and a server hook see the odd keys as ordinary vars",
      bundledOnly(mode, "a server hook"),
      async (t) => {
        const seen: HookContext["vars"][] = [];
        const hooked = await startServer({
          ...mode.options,
          hooks: {
            beforeChannelMessageSend(ctx) {
              seen.push(ctx.vars);
              return undefined;
            },
          },
        });
        t.after(() => hooked.close());
        const client = new Client({ port: hooked.port, serverKey: hooked.serverKey });
        const session = await client.authenticateDevice({ id: `device-${uniqueName()}`, vars: oddVars("s") });
        assertHoldsOddKeys(session.vars, "s");
        const s = await openSocket(hooked.url, { token: session.token });
        const channel = await s.call("channelJoin", { target: uniqueName("room"), type: 1 }, "channel");
        await s.call("channelMessageSend", { channelId: channel.id, content: "{}" }, "channelMessageAck");
        await s.close();
        assert.equal(seen.length, 1);
        assertHoldsOddKeys({ ...(seen[0] as Record<string, string>) }, "s");
      },
    );
  });
}

describe("odd keys in string maps on the wire", () => {
  test("both codecs decode an error's context map with __proto__ as an ordinary key", () => {
    const context = oddVars("w");
    for (const codec of [jsonCodec, protobufCodec]) {
      const frame = codec.encodeEnvelope({
        cid: "1",
        kind: "error",
        body: { code: 3, message: "m", context },
      });
      const decoded = codec.decodeEnvelope(frame);
      assert.equal(decoded.kind, "error");
      assertHoldsOddKeys((decoded.body as { context: Record<string, string> }).context, "w");
    }
  });
});
