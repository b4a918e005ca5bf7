// Running herald's command line as a child process, the way a user starts the server.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Inbox } from "../../src/testing/inbox.js";
import { repo } from "../build/bundle-graph.js";

/** Flags that make a CLI run harmless in tests: a free port, an in-memory database, no logs. */
export const QUIET_FLAGS: readonly string[] = ["--port", "0", "--db", ":memory:", "--log-level", "silent"];

/** The command line started by {@link startCli}. */
export interface CliRun {
  child: ChildProcess;
  /** What it printed on stderr so far. */
  readonly stderr: string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /**
   * Resolves with the first stdout line (already printed or still to come) that `pick` turns into
   * a value; fails when the process exits first or after `timeoutMs`.
   */
  line<T>(pick: (line: string) => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `src/server/cli.ts` with `args` (add {@link QUIET_FLAGS} for a server) and `env` over
 * the current environment.
 */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/cli.ts", ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const reader = createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> });
  const lines = new Inbox<string>((fn) => {
    reader.on("line", fn);
    return () => reader.off("line", fn);
  }, "line");
  // Once stdout ends, pending waits fail at once rather than at their deadline.
  reader.once("close", () => lines.close());
  // "close" comes after stdout and stderr have ended, so `stderr` is complete by then.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    get stderr() {
      return stderr;
    },
    exited,
    async line(pick, what, timeoutMs = 20_000) {
      const found = await lines.next((l) => pick(l) !== undefined, { what, timeoutMs });
      return pick(found) as NonNullable<ReturnType<typeof pick>>;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * Runs the command line with {@link QUIET_FLAGS} (without `--port 0` when `env` sets `HERALD_PORT`,
 * which it would override) and `args`, expecting a refusal before anything starts: exit code 2 and
 * the usage. A server that started after all is stopped, and the assertion on its exit code fails.
 * Resolves with stderr.
 */
export async function expectRefused(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const flags = "HERALD_PORT" in env ? QUIET_FLAGS.slice(2) : QUIET_FLAGS;
  const cli = startCli([...flags, ...args], env);
  const started = cli
    .line((l) => (l.startsWith("herald server listening") ? l : undefined), "a start line")
    .then(
      () => cli.stop(),
      () => {},
    );
  const code = await cli.exited;
  await started;
  assert.equal(code, 2, `exit code of ${args.join(" ")}; stderr: ${cli.stderr}`);
  assert.match(cli.stderr, /Usage: herald-server/);
  return cli.stderr;
}

/** What `--help` prints (on stdout; the command line exits 0). */
export async function cliHelp(): Promise<string> {
  const cli = startCli(["--help"]);
  let out = "";
  cli.child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const code = await cli.exited;
  assert.equal(code, 0, cli.stderr);
  return out;
}
