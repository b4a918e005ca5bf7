import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QUIET_FLAGS, startCli } from "../helpers/cli.js";
import { DEFAULT_CONSOLE_CREDENTIAL } from "./console-fixtures.js";

/** Starts the CLI and returns the line it prints about the console. */
async function consoleLine(args: string[], env: Record<string, string> = {}): Promise<string> {
  const cli = startCli([...QUIET_FLAGS, ...args], env);
  try {
    return await cli.line((line) => (line.startsWith("console:") ? line : undefined), "the console line");
  } finally {
    await cli.stop();
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
