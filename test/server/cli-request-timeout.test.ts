// `--request-timeout-ms` on the command line: how long a client has to send a whole HTTP request.
// Checked like the other flags, and applied: the same slowly sent request is cut off with 408
// under a short limit and answered under a long one.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cliHelp, expectRefused, QUIET_FLAGS, startCli } from "../helpers/cli.js";
import { drip, rawConnection } from "../helpers/raw-http.js";

/** Starts the command line with `args`, sends a request slowly (about 1.2 s), and returns the answer. */
async function slowRequestAnswer(args: string[], env: Record<string, string> = {}): Promise<string> {
  const cli = startCli([...QUIET_FLAGS, "--no-console", ...args], env);
  try {
    const port = await cli.line(
      (l) => /^herald server listening on http:\/\/[^:]+:(\d+)/.exec(l)?.[1],
      "a start line",
    );
    const { socket, answer } = await rawConnection(Number(port));
    // 60 two-character pieces, 20 ms apart: four times the short limit below, far under the long one.
    await drip(socket, `GET /healthcheck HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(80)}\r\n\r\n`, 20);
    if (!socket.destroyed) socket.end();
    return await answer;
  } finally {
    await cli.stop();
  }
}

describe("--request-timeout-ms", () => {
  test("is listed by --help with its variable and default", async () => {
    const out = await cliHelp();
    assert.match(out, /--request-timeout-ms MS/);
    assert.match(out, /HERALD_REQUEST_TIMEOUT_MS, default 10000/);
  });

  test("bad values are refused naming the flag", async () => {
    for (const bad of ["0", "-5", "1.5", "soon", "1e400", "1e20"]) {
      assert.match(
        await expectRefused([`--request-timeout-ms=${bad}`]),
        new RegExp(`--request-timeout-ms must be an integer >= 1, got "${bad.replace(".", "\\.")}"`),
      );
    }
    assert.match(
      await expectRefused([], { HERALD_REQUEST_TIMEOUT_MS: "later" }),
      /--request-timeout-ms must be an integer >= 1, got "later"/,
    );
  });

  test("a short limit cuts a slow request off with 408; a long one lets it through", {
    timeout: 60_000,
  }, async () => {
    const cut = await slowRequestAnswer(["--request-timeout-ms", "300"]);
    assert.match(cut, /^HTTP\/1\.1 408 /);
    assert.match(cut, /"code":4/);
    const fromEnv = await slowRequestAnswer([], { HERALD_REQUEST_TIMEOUT_MS: "300" });
    assert.match(fromEnv, /^HTTP\/1\.1 408 /);
    const through = await slowRequestAnswer(["--request-timeout-ms", "60000"]);
    assert.match(through, /^HTTP\/1\.1 200 /);
  });
});
