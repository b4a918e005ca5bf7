import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { inspect, promisify } from "node:util";
import vm from "node:vm";
import { Client } from "../../src/client.js";
import { HeraldError } from "../../src/errors.js";
import { repo, requireBuild } from "../build/bundle-graph.js";

const header = "HeraldError [not_found]: no such user";

/** toString, the stack's first line and util.inspect's first line of an error. */
const printed = (error: Error) => [String(error), error.stack?.split("\n")[0], inspect(error).split("\n")[0]];

describe("how a HeraldError prints", () => {
  test("from the source: `HeraldError [code]: message` in toString, stack and util.inspect", () => {
    const error = new HeraldError("not_found", "no such user");
    assert.deepEqual(printed(error), [header, header, header]);
    assert.equal(error.name, "HeraldError");
    assert.equal(HeraldError.name, "HeraldError");
  });

  test("an error without a message prints its code alone", () => {
    assert.equal(String(new HeraldError("timeout", "")), "HeraldError [timeout]");
  });

  test("from the built ESM and CJS packages: the same, never `_HeraldError`", async () => {
    requireBuild();
    const script = (load: string) => `(async () => {
      const { HeraldError } = ${load};
      const e = new HeraldError("not_found", "no such user");
      console.log(JSON.stringify([String(e), e.stack.split("\\n")[0], require("node:util").inspect(e).split("\\n")[0], HeraldError.name]));
    })();`;
    const run = promisify(execFile);
    for (const [type, load] of [
      ["commonjs", 'require("herald")'],
      ["module", 'await import("herald")'],
    ]) {
      const code =
        type === "module"
          ? `import { createRequire } from "node:module"; const require = createRequire(import.meta.url);\n${script(load as string)}`
          : script(load as string);
      const { stdout } = await run(process.execPath, [`--input-type=${type}`, "-e", code], { cwd: repo });
      assert.deepEqual(JSON.parse(stdout), [header, header, header, "HeraldError"], `${type} build`);
    }
  });

  test("from the minified browser bundle (dist/herald.min.js): the same", () => {
    requireBuild();
    const context: Record<string, unknown> = {};
    vm.runInNewContext(readFileSync(path.join(repo, "dist", "herald.min.js"), "utf8"), context);
    const bundled = (context.herald as { HeraldError: typeof HeraldError }).HeraldError;
    assert.equal(bundled.name, "HeraldError");
    const error = new bundled("not_found", "no such user");
    assert.deepEqual(printed(error), [header, header, header]);
  });
});

describe("REST errors", () => {
  let server: Server;
  let port = 0;
  /** What the fake server answers next: HTTP status and body. */
  let reply: { status: number; body: string } = { status: 200, body: "{}" };

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (reply.status === 0) return; // never answer
      res.writeHead(reply.status, { "Content-Type": "application/json" }).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const client = () => new Client({ host: "127.0.0.1", port, ssl: false, serverKey: "defaultkey" });
  const signIn = (c: Client, options: { timeoutMs?: number } = {}) =>
    c.authenticateDevice({ id: "device-errors-0001", create: true, ...options });

  test("a body with herald's precise code (herald_code) rejects with that code, keeping stock's numbers", async () => {
    reply = {
      status: 400,
      body: JSON.stringify({ code: 3, message: "not a member", herald_code: "permission_denied" }),
    };
    const error = await signIn(client()).then(
      () => assert.fail("resolved"),
      (e: unknown) => e,
    );
    assert.ok(HeraldError.is(error, "permission_denied"), String(error));
    assert.equal(error.serverCode, 3);
    assert.equal(error.status, 400);
    assert.equal(error.message, "not a member");
  });

  test("a stock body (no herald_code) maps the gRPC code; an unknown herald_code is ignored", async () => {
    for (const body of [
      { code: 3, message: "bad" },
      { code: 3, message: "bad", herald_code: "no_such_code" },
    ]) {
      reply = { status: 400, body: JSON.stringify(body) };
      await assert.rejects(
        signIn(client()),
        (e: unknown) => HeraldError.is(e, "bad_input") && e.serverCode === 3,
      );
    }
  });

  test("a reply that is not JSON maps the HTTP status", async () => {
    reply = { status: 404, body: "<html>gone</html>" };
    await assert.rejects(
      signIn(client()),
      (e: unknown) => HeraldError.is(e, "not_found") && e.status === 404,
    );
  });

  test("a dead address is named in the message: `could not reach <url>`, with the reason", async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    for (const [deadAt, reason] of [
      [deadPort, /ECONNREFUSED/],
      [1, /bad port/], // fetch refuses some ports outright
    ] as const) {
      const dead = new Client({ host: "127.0.0.1", port: deadAt, ssl: false, serverKey: "defaultkey" });
      const error = await signIn(dead).then(
        () => assert.fail("resolved"),
        (e: unknown) => e,
      );
      assert.ok(HeraldError.is(error, "server_error"), String(error));
      assert.ok(
        error.message.startsWith(
          `authenticateDevice: could not reach http://127.0.0.1:${deadAt}/v2/account/authenticate/device: `,
        ),
        error.message,
      );
      assert.match(error.message, reason);
    }
  });

  test("a timed-out call keeps its own stack header (fetch does not overwrite it)", async () => {
    reply = { status: 0, body: "" };
    const error = await signIn(client(), { timeoutMs: 100 }).then(
      () => assert.fail("resolved"),
      (e: unknown) => e,
    );
    assert.ok(HeraldError.is(error, "timeout"), String(error));
    // Let fetch finish rejecting with its own abort, after which the stack must still be ours.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(error.stack?.split("\n")[0] ?? "", /^HeraldError \[timeout\]: authenticateDevice: /);
  });
});
