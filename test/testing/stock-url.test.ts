// HERALD_TEST_STOCK_URL: the stock mode's tests run against a server in a process of its own (here
// the bundled server started by its CLI in stock-faithful mode, with a server key of its own, as a
// stand-in for a real stock Nakama server), and the tests that need the bundled server skip there.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startCli } from "../helpers/cli.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The closing count named `name` of node:test's TAP output ("# pass 12"). */
function count(output: string, name: string): number {
  const m = new RegExp(`^# ${name} (\\d+)$`, "m").exec(output);
  assert.ok(m, `the run's output has a "# ${name}" line:\n${output.slice(-3000)}`);
  return Number(m[1]);
}

test("HERALD_TEST_STOCK_URL runs the stock-mode tests against a separate server process, with its server key, and skips the ones that need the bundled server", async (t) => {
  const serverKey = "a-stock-key-of-its-own";
  // On a port of its own choosing, read from its start line: a port picked free here could be taken
  // (by an outgoing connection of the tests running alongside) before the new process binds it.
  const server = startCli([
    ...["--port", "0", "--db", ":memory:", "--server-key", serverKey],
    ...["--compat", "nakama", "--history-cursors", "3.26"],
    ...["--rate", "all=off", "--no-console", "--log-level", "info"],
  ]);
  t.after(() => {
    server.child.kill("SIGKILL");
  });
  let stdout = "";
  server.child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  const url = await server.line(
    (line) => /listening on (http:\/\/\S+)/.exec(line)?.[1],
    "the stock-mode server's start line",
  );

  const files = [
    // REST through the helpers' authenticate(), raw sockets through openSocket().
    "test/audit/rest-query.test.ts",
    // The SDK's Client and its reconnecting socket through serverWithClient().
    "test/resilience/ordering.test.ts",
    // A suite that needs a cap of the bundled server's own.
    "test/audit/socket-connect-refusals.test.ts",
  ];
  // A run of its own (not a child of this test file's run), on no other target (cluster, PostgreSQL).
  const {
    NODE_TEST_CONTEXT: _context,
    HERALD_TEST_TARGET: _target,
    HERALD_TEST_DB: _db,
    ...env
  } = process.env;
  // Not spawnSync: the server's output must keep being read while the tests run.
  const tests = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", ...files.map((f) => path.join(repo, f))],
    {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        HERALD_TEST_STOCK_URL: url,
        HERALD_TEST_STOCK_KEY: serverKey,
        HERALD_TEST_STOCK_ONLY: "1",
      },
    },
  );
  t.after(() => {
    if (tests.exitCode === null) tests.kill("SIGKILL");
  });
  let output = "";
  tests.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  tests.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const status = await new Promise<number | null>((resolve) => tests.once("close", resolve));
  assert.equal(status, 0, `the stock-mode run failed:\n${output.slice(-6000)}`);
  assert.equal(count(output, "fail"), 0);
  assert.equal(count(output, "cancelled"), 0);
  assert.ok(count(output, "pass") >= 4, `tests ran and passed:\n${output.slice(-3000)}`);
  // Only the stock mode ran, and the suite that needs the bundled server said why it skipped.
  assert.match(output, /^ok \d+ - .*\(nakama server\)$/m);
  assert.match(output, /^ok \d+ - .*\(nakama, json\)$/m);
  assert.doesNotMatch(output, /\(herald[,) ]/);
  assert.match(output, /connect\(\) refusals \(nakama server\) # SKIP needs the bundled server \(a cap/);
  // And they ran on the separate server: it signed users in and opened their sockets.
  const logged = stdout + server.stderr;
  assert.match(logged, /user_created/);
  assert.match(logged, /session_open/);
});
