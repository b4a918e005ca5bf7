import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

// An app that uses protobuf itself loads its own protobufjs generated code, which registers its
// types (well-known wrappers included) in protobufjs's shared default root. herald's codec must
// neither depend on that root nor change it: each side keeps its own meaning of BoolValue & co.
// A module is loaded once per process, so each load order runs in a child process of its own.

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const fixture = path.join(repo, "test", "fixtures", "app-protobuf");
const require = createRequire(import.meta.url);

let dir = "";
let appUrl = "";

before(async () => {
  // Generated the way apps generate theirs: a protobufjs-cli static module (ESM), built fresh so
  // the test follows whatever the installed protobufjs makes.
  dir = mkdtempSync(path.join(tmpdir(), "herald-app-pb-"));
  const out = path.join(dir, "game_pb.js");
  await run(path.join(repo, "node_modules", ".bin", "pbjs"), [
    ...["-t", "static-module", "-w", "es6", "--no-comments", "-o", out],
    path.join(fixture, "game.proto"),
  ]);
  // From a temporary folder the module could not find protobufjs: point it at the very copy
  // herald loads, since sharing that copy (and its default root) is the case under test.
  const minimal = pathToFileURL(require.resolve("protobufjs/minimal.js")).href;
  writeFileSync(out, readFileSync(out, "utf8").replace('"protobufjs/minimal.js"', JSON.stringify(minimal)));
  appUrl = pathToFileURL(out).href;
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function inChild(order: "app-first" | "herald-first") {
  const { stdout } = await run(process.execPath, [
    "--import",
    "tsx",
    path.join(fixture, "load-order.ts"),
    order,
    appUrl,
  ]);
  return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
}

describe("herald beside an app's own protobufjs generated code", () => {
  for (const order of ["app-first", "herald-first"] as const) {
    test(`${order}: both keep their wrapper values`, async () => {
      const result = await inChild(order);
      // cid "1", channel_join { target "lobby", type 1, persistence { true }, hidden { true } }.
      assert.equal(result.heraldHex, "0a01311a110a056c6f62627910011a02080122020801");
      assert.deepEqual(result.heraldBody, { target: "lobby", type: 1, persistence: true, hidden: true });
      assert.deepEqual(result.app, {
        ready: { value: true },
        score: { value: 7 },
        nick: { value: "ada" },
        seen: { seconds: 1700000000, nanos: 5000000 },
      });
    });
  }
});
