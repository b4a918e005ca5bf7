import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

for (const flag of [[], ["--protobuf"]]) {
  test(`the status-and-chat example runs to the end ${flag.length ? "in protobuf" : "in JSON"}`, async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", path.join(repo, "examples/status-and-chat.ts"), ...flag],
      { cwd: repo, timeout: 60_000 },
    );
    assert.deepEqual(stdout.trim().split("\n"), [
      'bob sees: ada is "Playing level 3"',
      'bob hears: ada says "hi Bob"',
      'history: ada: {"text":"hi Bob"}',
      'history: bob: {"text":"hi Ada"}',
    ]);
  });
}
