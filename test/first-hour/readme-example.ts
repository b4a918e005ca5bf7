// The README's "A first look", as the tests run it: extracted from README.md each time, so that
// the page and what is tested can never drift apart.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repo } from "../build/bundle-graph.js";

/** The code block under the README's "A first look" heading. */
export function firstLook(): string {
  const readme = readFileSync(path.join(repo, "README.md"), "utf8");
  const section = readme.split(/^## A first look$/m)[1];
  const block = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  assert.ok(block, 'README.md has no ```ts block under "## A first look"');
  return block;
}

/** The example pointed at a server on `port` instead of the default 7350 (the only change made). */
export function withPort(code: string, port: number): string {
  const parts = code.split("port: 7350");
  assert.equal(parts.length, 2, "the example should name port 7350 exactly once");
  return parts.join(`port: ${port}`);
}

/**
 * The example as a CommonJS script: its `import { ... } from "..."` lines become `require`s and the
 * rest runs in an async function (CommonJS has no top-level await).
 */
export function asCommonJs(code: string): string {
  const imports: string[] = [];
  const body = code.replace(/^import \{([^}]*)\} from ("[^"]+");\n/gm, (_, names: string, from: string) => {
    imports.push(`const {${names}} = require(${from});`);
    return "";
  });
  assert.ok(imports.length > 0, "no import found in the example");
  return `"use strict";\n${imports.join("\n")}\n(async () => {\n${body}\n})().catch((err) => {\n  console.error(err);\n  process.exitCode = 1;\n});\n`;
}

/** What the example prints when it ran through: Bob's status, his message and the history. */
export function assertFirstLookOutput(stdout: string): void {
  assert.match(stdout, /^bob is now "Playing level 3"$/m);
  assert.match(stdout, /^bob says "hi Ada"$/m);
  assert.match(stdout, /^history: bob: \{"text":"hi Ada"\}$/m);
}

/** The result of a child process that was given `timeoutMs` to exit by itself. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when it had to be killed: it did not exit by itself in time. */
  timedOut: boolean;
}

/**
 * Runs a command without blocking this process (a server in it may have to answer the child) and
 * waits for it to exit by itself, killing it after `timeoutMs`.
 */
export function run(
  command: string,
  args: string[],
  { cwd, timeoutMs = 60_000, env }: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Asserts that a child ran through and exited by itself with status 0. */
export function assertRanThrough(result: ChildResult, what: string): void {
  assert.ok(!result.timedOut, `${what} did not exit by itself\n${result.stdout}\n${result.stderr}`);
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
}
