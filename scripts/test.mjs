#!/usr/bin/env node
// `npm test`: lint, typecheck, generated-code drift check, build, bundle size budget, type resolution
// check (@arethetypeswrong/cli on the packed package), then every test under test/.
// `npm test -- test/unit` (or any files/folders) runs just those tests, skipping the checks.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(repo, "node_modules", ".bin", name);
const args = process.argv.slice(2);

function run(label, cmd, cmdArgs) {
  console.log(`\n> ${label}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: repo, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function testFiles(target) {
  const full = path.resolve(repo, target);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { recursive: true })
    .map((f) => path.join(full, String(f)))
    .filter((f) => /\.test\.ts$/.test(f))
    .sort();
}

if (args.length === 0) {
  run("lint", bin("biome"), ["check", "."]);
  run("typecheck", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
  run("generated code matches proto/", process.execPath, ["scripts/gen.mjs", "--check"]);
  run("build", process.execPath, ["scripts/build.mjs"]);
  run("bundle sizes (browser, per entry point) within budget", process.execPath, [
    "scripts/size.mjs",
    "--no-build",
  ]);
  // `npm run check:types`: @arethetypeswrong/cli on the `npm pack` tarball, offline.
  run("types resolve for ESM and CJS consumers", "npm", ["run", "--silent", "check:types"]);
}
const files = (args.length ? args : ["test"]).flatMap(testFiles);
run(`tests (${files.length} files)`, process.execPath, [
  "--import",
  "tsx",
  "--test",
  // Per test file as well as per test: a file that packs the package and compiles an app with it
  // needs a few minutes when the machine is busy.
  "--test-timeout=300000",
  "--test-concurrency=2",
  ...files,
]);
