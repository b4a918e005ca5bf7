import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONSOLE_CREDENTIAL } from "./console-fixtures.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Starts the CLI and returns the line it prints about the console. */
async function consoleLine(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/server/cli.ts",
      "--port",
      "0",
      "--db",
      ":memory:",
      "--log-level",
      "silent",
      ...args,
    ],
    { cwd: repo, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the CLI printed no console line within 20 s")),
        20_000,
      );
      lines.on("line", (line) => {
        if (line.startsWith("console:")) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.once("exit", (code) => reject(new Error(`the CLI exited (${code}) before the console line`)));
    });
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

describe("the command line's console line", () => {
  test("after start, it says where the console is and that the credential is the local default", async () => {
    const line = await consoleLine([]);
    assert.match(line, /^console: http:\/\/127\.0\.0\.1:\d+\/ /);
    assert.ok(line.includes(DEFAULT_CONSOLE_CREDENTIAL), line);
  });

  test("on a non-loopback address without a credential, it says the console is off and how to turn it on", async () => {
    const line = await consoleLine(["--host", "0.0.0.0"]);
    assert.match(
      line,
      /^console: off: set an operator credential \(--console-credential or HERALD_CONSOLE_CREDENTIAL\)/,
    );
  });

  test("HERALD_CONSOLE_CREDENTIAL opens it on any address, without printing the credential", async () => {
    const line = await consoleLine(["--host", "0.0.0.0"], { HERALD_CONSOLE_CREDENTIAL: "operator-secret-2" });
    assert.match(line, /^console: http:\/\/0\.0\.0\.0:\d+\/ \(operator credential: the one you set\)$/);
    assert.ok(!line.includes("operator-secret-2"));
  });

  test("--no-console turns it off", async () => {
    assert.equal(await consoleLine(["--no-console"]), "console: off (--no-console)");
  });
});
