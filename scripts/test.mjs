#!/usr/bin/env node
// `npm test`: lint, typecheck, generated-code drift check, build, bundle size budget, type resolution
// check (@arethetypeswrong/cli on the packed package), then every test under test/, then the server,
// SDK, seed scenario and stock-fidelity (test/audit) tests again on PostgreSQL (HERALD_TEST_DB=postgres; skipped with a notice when
// PostgreSQL is not installed, unless HERALD_REQUIRE_CLUSTER_TESTS=1).
// `npm test -- test/unit` (or any files/folders) runs just those tests, skipping the checks.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(repo, "node_modules", ".bin", name);
const args = process.argv.slice(2);

function run(label, cmd, cmdArgs, env = process.env) {
  console.log(`\n> ${label}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: repo, stdio: "inherit", env });
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
const nodeTest = (files) => [
  "--import",
  "tsx",
  "--test",
  // Per test file as well as per test: a file that packs the package and compiles an app with it
  // needs a few minutes when the machine is busy.
  "--test-timeout=300000",
  "--test-concurrency=2",
  ...files,
];
const files = (args.length ? args : ["test"]).flatMap(testFiles);
run(`tests (${files.length} files)`, process.execPath, nodeTest(files));

// The PostgreSQL pass: the same scenarios with every test server on a fresh PostgreSQL schema.
// Left out, because by nature they are about SQLite or about no storage at all:
const notOnPostgres = new Set(
  [
    // another process holding the SQLite file's write lock
    "test/server/storage-faults.test.ts",
    // better-sqlite3 missing or unbuilt
    "test/server/sqlite-missing.test.ts",
    // SQLite files on disk, their token-secret files and the CLI's SQLite defaults
    "test/server/cli-and-storage.test.ts",
    // static checks of the source tree; no server is started
    "test/server/layers.test.ts",
  ].map((f) => path.resolve(repo, f)),
);

function postgresMissing() {
  const dirs = [];
  if (process.env.HERALD_PG_BIN) dirs.push(process.env.HERALD_PG_BIN);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) dirs.push(pgConfig.stdout.trim());
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) for (const v of readdirSync(debian)) dirs.push(path.join(debian, v, "bin"));
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir) dirs.push(dir);
  const found = dirs.some((d) => existsSync(path.join(d, "initdb")) && existsSync(path.join(d, "postgres")));
  return found ? undefined : "PostgreSQL server programs (initdb, postgres) not found";
}

if (args.length === 0) {
  const missing = postgresMissing();
  if (missing === undefined) {
    const pgFiles = ["test/server", "test/sdk", "test/presence", "test/audit"]
      .flatMap(testFiles)
      .filter((f) => !notOnPostgres.has(f));
    run(`tests on PostgreSQL (${pgFiles.length} files)`, process.execPath, nodeTest(pgFiles), {
      ...process.env,
      HERALD_TEST_DB: "postgres",
    });
  } else if (process.env.HERALD_REQUIRE_CLUSTER_TESTS === "1") {
    console.error(`\ntests on PostgreSQL are required (HERALD_REQUIRE_CLUSTER_TESTS=1): ${missing}`);
    process.exit(1);
  } else {
    console.log(`\n> tests on PostgreSQL skipped: ${missing} (install Debian's postgresql package)`);
  }
}

// The cluster pass: the SDK scenario folders again, each server being three nodes on one Redis and
// one database behind a round-robin balancer (test/helpers/cluster.ts). Files listed here look into
// one server's insides, which a cluster does not have.
const notOnCluster = new Map([
  // Packs the package and type-checks the docs' snippets: nothing server-side to run again.
  ["test/sdk/docs-snippets.test.ts", "no server behaviour"],
  ["test/presence/docs-snippets.test.ts", "no server behaviour"],
  ["test/sdk/examples.test.ts", "no server behaviour"],
  // Holds an SQLite file's write lock; a cluster's database outages are test/cluster/faults.test.ts.
  ["test/sdk/commit-failure.test.ts", "SQLite's write lock"],
]);
if (args.length === 0) {
  const redis = spawnSync(process.env.HERALD_REDIS_SERVER ?? "redis-server", ["--version"]);
  if (redis.status === 0) {
    const clusterFiles = ["test/sdk", "test/presence"]
      .flatMap(testFiles)
      .filter((f) => !notOnCluster.has(path.relative(repo, f)));
    run(
      `the same SDK tests on a three-node cluster (${clusterFiles.length} files, HERALD_TEST_TARGET=cluster)`,
      process.execPath,
      nodeTest(clusterFiles),
      { ...process.env, HERALD_TEST_TARGET: "cluster" },
    );
  } else if (process.env.HERALD_REQUIRE_CLUSTER_TESTS === "1") {
    console.error(
      "\nthe cluster pass needs redis-server (HERALD_REQUIRE_CLUSTER_TESTS=1): install Debian's redis-server",
    );
    process.exit(1);
  } else {
    console.log(
      "\n# skipping the cluster pass: redis-server not found (install Debian's redis-server package)",
    );
  }
}
