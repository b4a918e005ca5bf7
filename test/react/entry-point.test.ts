import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import {
  builtinImportsForPlatform,
  packageGraph,
  packageName,
  repo,
  requireBuild,
} from "../build/bundle-graph.js";

const importsOf = async (entry: string, pkg: string) =>
  (await packageGraph(entry)).externals.filter((i) => packageName(i.path) === pkg).map((i) => i.importer);

describe("the herald/react entry point", () => {
  for (const entry of [
    "src/index.ts",
    "src/protobuf.ts",
    "src/presence/index.ts",
    "src/resilience/index.ts",
  ]) {
    test(`${entry} does not import react, an optional peer`, async () => {
      const graph = await packageGraph(entry);
      assert.ok(graph.inputs.length > 1, "the graph was not read");
      assert.deepEqual(await importsOf(entry, "react"), []);
      assert.deepEqual(
        graph.inputs.filter((f) => f.startsWith("src/react/")),
        [],
      );
    });
  }

  test("herald/react imports react, kept external, and no server code, protobufjs or better-sqlite3", async () => {
    const graph = await packageGraph("src/react/index.ts");
    assert.notDeepEqual(await importsOf("src/react/index.ts", "react"), []);
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/server/") || f.startsWith("src/gen/pb.")),
      [],
    );
    const packages = new Set(graph.externals.map((i) => packageName(i.path)));
    assert.deepEqual([...packages].sort(), ["react"]);
  });

  test("herald/react bundled for React Native pulls in no Node built-in module", async () => {
    const { inputs, builtins } = await builtinImportsForPlatform("src/react/index.ts", { reactNative: true });
    assert.ok(
      inputs.some((f) => f.startsWith("src/react/")),
      "nothing of herald/react was bundled",
    );
    assert.deepEqual(builtins, []);
  });

  test("the built herald/react loads in ESM and CJS and requires only react", () => {
    requireBuild();
    for (const [type, code] of [
      [
        "module",
        'const m = await import("herald/react"); console.log(typeof m.HeraldProvider, typeof m.useChannel);',
      ],
      [
        "commonjs",
        'const m = require("herald/react"); console.log(typeof m.HeraldProvider, typeof m.useChannel);',
      ],
    ] as const) {
      const r = spawnSync(process.execPath, [`--input-type=${type}`, "-e", code], {
        cwd: repo,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "function function");
    }
    const cjs = readFileSync(path.join(repo, "dist", "react", "index.cjs"), "utf8");
    const required = new Set([...cjs.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
    assert.deepEqual([...required].sort(), ["react"]);
  });
});
