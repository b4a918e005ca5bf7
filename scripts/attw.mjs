#!/usr/bin/env node
// `npm run check:types`: packs the package as `npm pack` would publish it and checks that its types
// resolve for ESM and CJS consumers with @arethetypeswrong/cli (offline: no DefinitelyTyped lookups).
// attw passes a package without any types at all, so first make sure every `types` target of the
// exports map is in the tarball.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));

/** Every `types` target in the exports map (and the top-level `types`), without "./". */
function typesTargets(node, found = new Set()) {
  if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "types" && typeof value === "string") found.add(value.replace(/^\.\//, ""));
      else typesTargets(value, found);
    }
  }
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), "herald-pack-"));
try {
  const pack = spawnSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
    cwd: repo,
    encoding: "utf8",
  });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout);
  const files = new Set(info.files.map((f) => f.path));
  const wanted = typesTargets({ types: pkg.types, exports: pkg.exports });
  const missing = [...wanted].filter((f) => !files.has(f));
  if (missing.length > 0)
    throw new Error(`declarations missing from the package: ${missing.join(", ")} (build first)`);
  console.log(`check:types: ${info.filename}, ${wanted.size} declaration entry points present`);

  const attw = spawnSync(
    process.execPath,
    [
      path.join(repo, "node_modules", "@arethetypeswrong", "cli", "dist", "index.js"),
      path.join(dir, info.filename),
      "--no-definitely-typed",
      // node10 resolution ignores `exports`, so subpaths cannot resolve there; herald needs Node 20.
      "--profile",
      "node16",
    ],
    { cwd: repo, stdio: "inherit" },
  );
  if (attw.status !== 0) throw new Error("attw found type resolution problems");
} catch (err) {
  console.error(`check:types: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
