import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { repo } from "./bundle-graph.js";

// Warnings typedoc may give without failing the check: a public signature that mentions a type the
// entry points do not export (the page shows its name without a link). Every other warning (a
// broken {@link}, a missing entry point, ...) fails, as do errors.
const tolerated = [
  /is referenced by .* but not included in the documentation$/,
  /links to ".*" which was resolved but is not included in the documentation/,
];

test("the API reference (typedoc, `npm run docs`) builds from the TSDoc without errors", () => {
  const r = spawnSync(
    process.execPath,
    [path.join(repo, "node_modules", "typedoc", "bin", "typedoc"), "--emit", "none", "--logLevel", "Warn"],
    { cwd: repo, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  const output = stripVTControlCharacters(`${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 0, output);
  assert.match(output, /Found 0 errors/, output);
  const warnings = output
    .split("\n")
    .filter((line) => line.startsWith("[warning]") && !/^\[warning\] Found \d+ errors/.test(line))
    .map((line) => line.slice("[warning] ".length));
  assert.deepEqual(
    warnings.filter((w) => !tolerated.some((t) => t.test(w))),
    [],
    "typedoc warnings other than unexported referenced types",
  );
});

// The README promises a reference of every entry point: each `exports` entry of package.json (its
// built file, dist/X.js, comes from src/X.ts) is one of typedoc's entry points.
test("the API reference covers every entry point of the package", () => {
  const read = (file: string) => JSON.parse(readFileSync(path.join(repo, file), "utf8"));
  const exportsMap = read("package.json").exports as Record<
    string,
    string | { import?: { default?: string } }
  >;
  const sources = Object.values(exportsMap)
    .flatMap((entry) => (typeof entry === "object" && entry.import?.default ? [entry.import.default] : []))
    .map((built) => built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"))
    .sort();
  assert.ok(sources.length >= 7, `expected the package's entry points, found ${sources.join(", ")}`);
  assert.deepEqual([...(read("typedoc.json").entryPoints as string[])].sort(), sources);
});
