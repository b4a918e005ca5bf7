import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const blockSqlite = path.join(repo, "test", "server", "fixtures", "no-sqlite.mjs");

/** Runs node with tsx and better-sqlite3 made unavailable; resolves with its exit code and output. */
function runWithoutSqlite(
  mode: "missing" | "native",
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", blockSqlite, ...args], {
      cwd: repo,
      env: { ...process.env, NO_SQLITE: mode },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// Imports herald/server, then starts a server; prints what happened as JSON lines.
const script = `
const m = await import(${JSON.stringify(path.join(repo, "src", "server", "index.ts"))});
console.log(JSON.stringify({ imported: true }));
try {
  const server = await m.createServer({ port: 0, db: ":memory:", logLevel: "silent" });
  console.log(JSON.stringify({ started: true }));
  await server.close();
} catch (e) {
  console.log(JSON.stringify({ heraldError: m.HeraldError.is(e), code: e.code, message: e.message }));
}
`;

function outcome(stdout: string): {
  imported?: boolean;
  heraldError?: boolean;
  code?: string;
  message?: string;
} {
  return Object.assign(
    {},
    ...stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as object),
  );
}

describe("without better-sqlite3", () => {
  test("importing herald/server works, and starting a server says what to install", async () => {
    const run = await runWithoutSqlite("missing", ["--input-type=module", "-e", script]);
    assert.equal(run.code, 0, run.stderr);
    const got = outcome(run.stdout);
    assert.equal(got.imported, true);
    assert.equal(got.heraldError, true);
    assert.equal(got.code, "unsupported");
    assert.match(got.message ?? "", /better-sqlite3 is not installed/);
    assert.match(got.message ?? "", /`npm install better-sqlite3`/);
    assert.match(got.message ?? "", /npm install-scripts approve better-sqlite3/);
    assert.match(got.message ?? "", /allowScripts/);
    assert.doesNotMatch(got.message ?? "", /ERR_MODULE_NOT_FOUND/);
  });

  test("a better-sqlite3 whose install script never ran (no native module) gets the same advice", async () => {
    const run = await runWithoutSqlite("native", ["--input-type=module", "-e", script]);
    assert.equal(run.code, 0, run.stderr);
    const got = outcome(run.stdout);
    assert.equal(got.code, "unsupported");
    assert.match(got.message ?? "", /native module is not built/);
    assert.match(got.message ?? "", /npm install-scripts approve better-sqlite3/);
  });

  test("the CLI exits 1 with the install advice instead of a stack trace", async () => {
    const run = await runWithoutSqlite("missing", ["src/server/cli.ts", "--port", "0", "--db", ":memory:"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^herald-server: better-sqlite3 is not installed\./);
    assert.match(run.stderr, /`npm install better-sqlite3`/);
    assert.doesNotMatch(run.stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
  });
});
