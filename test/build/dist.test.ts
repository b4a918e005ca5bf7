import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { packageName, repo, requireBuild } from "./bundle-graph.js";

const dist = path.join(repo, "dist");

/** Runs a script in a child Node process from the repository root (so `herald` resolves to this package). */
function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8" });
  assert.equal(r.status, 0, `node ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Bare module specifiers a built ESM file imports, following its relative imports (shared chunks). */
function esmImports(file: string, seen = new Set<string>()): Set<string> {
  const bare = new Set<string>();
  if (seen.has(file)) return bare;
  seen.add(file);
  const code = readFileSync(file, "utf8");
  for (const m of code.matchAll(
    /(?:^|[\s;}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g,
  )) {
    const spec = m[1] as string;
    if (spec.startsWith("."))
      for (const b of esmImports(path.resolve(path.dirname(file), spec), seen)) bare.add(b);
    else bare.add(spec);
  }
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) bare.add(m[1] as string);
  return bare;
}

/** Module specifiers a built CJS file requires. */
function cjsRequires(file: string): Set<string> {
  const code = readFileSync(file, "utf8");
  return new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string));
}

/**
 * Checks what the entry-point scripts below print: the public names of every entry point, and
 * which file `herald` resolved to.
 */
function assertPublicNames(out: string, resolved: RegExp): void {
  const result = JSON.parse(out);
  assert.deepEqual(result.core, ["function", "function", "object", "object"]);
  assert.equal(result.protobuf, "object");
  assert.equal(result.presence, "function");
  assert.equal(result.resilience, "function");
  assert.equal(result.server, "function");
  assert.match(result.resolved, resolved);
}

const packagesOf = (specs: Set<string>) => [...new Set([...specs].map(packageName))].sort();

describe("the built package (dist/)", () => {
  before(requireBuild);

  test("`import` of every entry point (herald, /protobuf, /presence, /resilience, /server) loads the ESM build with the public names", () => {
    const out = node([
      "--input-type=module",
      "-e",
      `const core = await import("herald");
       const pb = await import("herald/protobuf");
       const presence = await import("herald/presence");
       const resilience = await import("herald/resilience");
       const server = await import("herald/server");
       console.log(JSON.stringify({
         core: [typeof core.Client, typeof core.HeraldError, typeof core.jsonCodec, typeof core.ChannelType],
         protobuf: typeof pb.protobufCodec,
         presence: typeof presence.PresenceStore,
         resilience: typeof resilience.createResilientSocket,
         server: typeof server.createServer,
         resolved: import.meta.resolve("herald"),
       }));`,
    ]);
    assertPublicNames(out, /\/dist\/index\.js$/);
  });

  test("`require` of every entry point (herald, /protobuf, /presence, /resilience, /server) loads the CJS build with the public names", () => {
    const out = node([
      "--input-type=commonjs",
      "-e",
      `const core = require("herald");
       const pb = require("herald/protobuf");
       const presence = require("herald/presence");
       const resilience = require("herald/resilience");
       const server = require("herald/server");
       console.log(JSON.stringify({
         core: [typeof core.Client, typeof core.HeraldError, typeof core.jsonCodec, typeof core.ChannelType],
         protobuf: typeof pb.protobufCodec,
         presence: typeof presence.PresenceStore,
         resilience: typeof resilience.createResilientSocket,
         server: typeof server.createServer,
         resolved: require.resolve("herald"),
       }));`,
    ]);
    assertPublicNames(out, /\/dist\/index\.cjs$/);
  });

  for (const entry of ["index", "presence/index", "resilience/index"]) {
    test(`the built ${entry === "index" ? "core" : entry.replace("/index", "")} imports only the core's runtime defaults, in both ESM and CJS`, () => {
      const allowed = ["cross-fetch", "isomorphic-ws"];
      const esm = packagesOf(esmImports(path.join(dist, `${entry}.js`)));
      const cjs = packagesOf(cjsRequires(path.join(dist, `${entry}.cjs`)));
      assert.deepEqual(
        esm.filter((p) => !allowed.includes(p)),
        [],
        `dist/${entry}.js imports ${esm.join(", ")}`,
      );
      assert.deepEqual(
        cjs.filter((p) => !allowed.includes(p)),
        [],
        `dist/${entry}.cjs requires ${cjs.join(", ")}`,
      );
    });
  }

  test("the built protobuf codec imports no protobuf runtime and nothing of the server", () => {
    for (const specs of [
      esmImports(path.join(dist, "protobuf.js")),
      cjsRequires(path.join(dist, "protobuf.cjs")),
    ]) {
      const packages = packagesOf(specs);
      // The codec has its own wire primitives: protobufjs's shared registry must stay out of reach.
      assert.ok(!packages.includes("protobufjs"), packages.join(", "));
      assert.ok(!packages.includes("better-sqlite3") && !packages.includes("ws"), packages.join(", "));
    }
    assert.match(readFileSync(path.join(dist, "protobuf.js"), "utf8"), /protobufCodec/);
  });

  for (const format of ["module", "commonjs"] as const) {
    test(`the built server (${format === "module" ? "ESM" : "CJS"}) starts, answers and reports the package version`, () => {
      const load = format === "module" ? 'await import("herald/server")' : 'require("herald/server")';
      const out = node([
        `--input-type=${format}`,
        "-e",
        `(async () => {
           const { createServer } = ${load};
           const server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
           try {
             const res = await fetch(server.url + "/v2/herald/capabilities");
             console.log(JSON.stringify({ status: res.status, body: await res.json() }));
           } finally {
             await server.close();
           }
         })().catch((err) => { console.error(err); process.exit(1); });`,
      ]);
      const { status, body } = JSON.parse(out);
      const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
      assert.equal(status, 200);
      assert.equal(body.server, "herald");
      assert.equal(body.version, pkg.version);
    });
  }

  for (const format of ["module", "commonjs"] as const) {
    test(`the built SDK (${format === "module" ? "ESM" : "CJS"}) works from Node with its default fetch and WebSocket against the built server`, () => {
      const load = (name: string) => (format === "module" ? `await import("${name}")` : `require("${name}")`);
      const out = node([
        `--input-type=${format}`,
        "-e",
        `(async () => {
           const { createServer } = ${load("herald/server")};
           const { Client, ChannelType } = ${load("herald")};
           const { protobufCodec } = ${load("herald/protobuf")};
           const server = await createServer({ port: 0, db: ":memory:", logLevel: "silent" });
           try {
             const client = new Client({ host: "127.0.0.1", port: server.port, ssl: false, serverKey: "defaultkey" });
             const ada = await client.authenticateDevice({ id: "dist-device-ada", create: true, username: "ada" });
             const grace = await client.authenticateDevice({ id: "dist-device-grace", create: true, username: "grace" });
             const results = [];
             for (const codec of [undefined, protobufCodec]) {
               const a = client.createSocket(codec ? { codec } : {});
               const g = client.createSocket(codec ? { codec } : {});
               await a.connect(ada);
               await g.connect(grace);
               const room = await a.joinChat("dist-room", ChannelType.Room);
               await g.joinChat("dist-room", ChannelType.Room);
               const received = new Promise((resolve) => a.onChannelMessage(resolve));
               const ack = await g.writeChatMessage(room.id, { text: "from the built package" });
               const message = await received;
               results.push({ same: message.messageId === ack.messageId, content: message.content });
               await a.disconnect();
               await g.disconnect();
             }
             console.log(JSON.stringify(results));
           } finally {
             await server.close();
           }
         })().catch((err) => { console.error(err); process.exit(1); });`,
      ]);
      const expected = { same: true, content: { text: "from the built package" } };
      assert.deepEqual(JSON.parse(out), [expected, expected]);
    });
  }

  test("every source map names the sources where they are, from where the map lies in dist/", () => {
    const maps = readdirSync(dist, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".map"));
    assert.ok(maps.length > 10, `source maps in dist/: ${maps.length}`);
    for (const file of maps) {
      const map = JSON.parse(readFileSync(path.join(dist, file), "utf8")) as { sources: string[] };
      // The <script> bundles' entry (`herald-global.js`, ...) and a plugin's modules
      // (`platform-globals:...`) are generated, their text in the map.
      for (const source of map.sources.filter((s) => !s.endsWith("-global.js") && !s.includes(":"))) {
        const at = path.resolve(dist, path.dirname(file), source);
        assert.ok(
          at.startsWith(`${path.join(repo, "src")}${path.sep}`) ||
            at.includes(`${path.sep}node_modules${path.sep}`),
          `${file}: ${source} lies outside the package's sources`,
        );
        assert.ok(existsSync(at), `${file}: ${source} does not exist`);
      }
    }
  });

  test("herald-server is an executable with a node shebang", () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
    const bin = path.join(repo, pkg.bin["herald-server"]);
    assert.ok(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n"));
    accessSync(bin, constants.X_OK);
  });

  test("the built herald-server command serves on the port it prints and exits 0 on SIGTERM", async () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
    const child = spawn(
      path.join(repo, pkg.bin["herald-server"]),
      ["--port", "0", "--db", ":memory:", "--log-level", "silent"],
      {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(
          () => reject(new Error(`no URL printed within 15 s; output: ${out}`)),
          15_000,
        );
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          const m = /(http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code} before printing a URL: ${out}`)));
      });
      const res = await fetch(`${url}/healthcheck`);
      assert.equal(res.status, 200);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });

  test("the packed package holds the builds, declarations and proto files, and no sources or tests", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    for (const expected of [
      "package.json",
      "dist/index.js",
      "dist/index.cjs",
      "dist/index.d.ts",
      "dist/index.d.cts",
      "dist/protobuf.js",
      "dist/protobuf.cjs",
      "dist/presence/index.js",
      "dist/presence/index.cjs",
      "dist/presence/index.d.ts",
      "dist/presence/index.d.cts",
      "dist/resilience/index.js",
      "dist/resilience/index.cjs",
      "dist/resilience/index.d.cts",
      "dist/server/index.js",
      "dist/server/index.cjs",
      "dist/server/cli.js",
      "dist/herald.min.js",
      "dist/herald-protobuf.min.js",
      "dist/herald-presence.min.js",
      "proto/herald/realtime.proto",
    ]) {
      assert.ok(files.includes(expected), `${expected} is not in the package`);
    }
    assert.deepEqual(
      files.filter((f) => /^(src|test|scripts|bench|\.ci)\//.test(f)),
      [],
      "sources or tests in the package",
    );
  });
});
