import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { assertTypeChecks, repo, requireBuild } from "./bundle-graph.js";

// An app that installed herald gets herald's dependencies and nothing else of herald's
// development: the types every public entry's declarations name must come with those
// dependencies or with what the docs tell an app to install.
// The app below has only herald, its dependencies (and theirs), and what the docs ask an app to
// install itself: @types/node, @types/ws for herald/testing (docs/testing.md), and React with its
// types for herald/react. Not the server's database or Redis drivers, nor their types: the server's
// public declarations must not need them.

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
}

const readJson = (file: string): PackageJson => JSON.parse(readFileSync(file, "utf8")) as PackageJson;

/** Links `name` from the repository's node_modules into `modules`, with what it depends on. */
function install(modules: string, name: string): void {
  const target = path.join(modules, name);
  if (existsSync(target)) return;
  const source = path.join(repo, "node_modules", name);
  assert.ok(existsSync(source), `${name} is not installed in the repository`);
  mkdirSync(path.dirname(target), { recursive: true });
  symlinkSync(source, target, "dir");
  const pkg = readJson(path.join(source, "package.json"));
  for (const dep of Object.keys(pkg.dependencies ?? {})) install(modules, dep);
}

describe("the published declarations bring the types they name", () => {
  let dir: string;
  before(() => {
    requireBuild();
    dir = mkdtempSync(path.join(tmpdir(), "herald-deps-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("an app with only herald's dependencies type-checks every public entry, skipLibCheck off", () => {
    const modules = path.join(dir, "node_modules");
    const herald = path.join(modules, "herald");
    mkdirSync(herald, { recursive: true });
    // The package's own files: package.json copied, dist linked (resolution stays on these paths
    // with preserveSymlinks, so nothing resolves from the repository's node_modules).
    copyFileSync(path.join(repo, "package.json"), path.join(herald, "package.json"));
    symlinkSync(path.join(repo, "dist"), path.join(herald, "dist"), "dir");
    const pkg = readJson(path.join(repo, "package.json"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) install(modules, dep);
    for (const own of ["@types/node", "@types/ws", "react", "@types/react"]) install(modules, own);

    const entries = Object.keys(pkg.exports)
      .filter((e) => e !== "./package.json")
      .map((e) => (e === "." ? "herald" : `herald/${e.slice(2)}`));
    assert.ok(entries.includes("herald/testing") && entries.includes("herald/server"));
    const app = entries.map((e, i) => `import * as entry${i} from "${e}";\nvoid entry${i};\n`).join("");
    writeFileSync(path.join(dir, "app.ts"), app);
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "app", type: "module" }));
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "node16",
          moduleResolution: "node16",
          lib: ["ES2022", "DOM"],
          types: ["node"],
          typeRoots: [path.join(modules, "@types")],
          preserveSymlinks: true,
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ["app.ts"],
      }),
    );
    assertTypeChecks(dir);
  });
});
