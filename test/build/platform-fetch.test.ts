import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { createServer, type HeraldServer } from "../../src/server/index.js";
import { appBundle, repo, requireBuild } from "./bundle-graph.js";

// Packages that implement fetch for platforms without one: none of them belongs in a browser or
// React Native app, where fetch is built in.
const ponyfills = /node_modules\/(cross-fetch|node-fetch|whatwg-fetch|whatwg-url)\//;

describe("the default fetch", () => {
  before(requireBuild);

  for (const reactNative of [false, true]) {
    const platform = reactNative ? "React Native" : "the browser";
    test(`an app bundling \`import { Client } from "herald"\` for ${platform} gets the platform's fetch, no ponyfill`, async () => {
      const { inputs, output } = await appBundle(
        'import { Client } from "herald";\nexport const client = new Client({ serverKey: "k" });\n',
        { reactNative },
      );
      // The positive half: the built package itself was bundled, so the check below saw a real graph.
      assert.ok(
        inputs.some((f) => f.startsWith("dist/")),
        `herald's dist/ was not bundled:\n${inputs.join("\n")}`,
      );
      // esbuild lists a module that a `browser` field maps to nothing as "(disabled):<path>".
      assert.deepEqual(
        inputs.filter((f) => ponyfills.test(f) && !f.startsWith("(disabled):")),
        [],
        "a fetch ponyfill came along",
      );
      assert.ok(output.includes("globalThis.fetch"), "the bundle does not call the platform's fetch");
    });
  }
});

describe("the default fetch in Node", () => {
  let server: HeraldServer;
  before(async () => {
    requireBuild();
    server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
  });
  after(() => server.close());

  /** Signs in through the built CJS package in a child Node; reports whether cross-fetch was loaded. */
  // Asynchronous: the server answers from this process, which must not block while the child runs.
  async function signIn(removeFetch: boolean): Promise<{ userId: string; crossFetchLoaded: boolean }> {
    const { port } = new URL(server.url);
    const script = `(async () => {
      ${removeFetch ? "delete globalThis.fetch;" : ""}
      const { Client } = require("herald");
      const client = new Client({ host: "127.0.0.1", port: ${port}, ssl: false, serverKey: "defaultkey" });
      const session = await client.authenticateDevice({ id: "fetch-device-${removeFetch ? "a" : "b"}-0001", create: true });
      const crossFetchLoaded = Object.keys(require.cache).some((f) => f.includes("cross-fetch"));
      console.log(JSON.stringify({ userId: session.userId, crossFetchLoaded }));
    })().catch((err) => { console.error(err); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=commonjs", "-e", script], {
      cwd: repo,
      encoding: "utf8",
    });
    return JSON.parse(stdout);
  }

  test("Node 20+ uses its built-in fetch and never loads cross-fetch", async () => {
    const { userId, crossFetchLoaded } = await signIn(false);
    assert.match(userId, /^[0-9a-f-]{36}$/);
    assert.equal(crossFetchLoaded, false);
  });

  test("a runtime without fetch falls back to cross-fetch, loaded on first use", async () => {
    const { userId, crossFetchLoaded } = await signIn(true);
    assert.match(userId, /^[0-9a-f-]{36}$/);
    assert.equal(crossFetchLoaded, true);
  });
});
