// Flags a new user gets wrong on the first `npm start`: each is refused before anything starts,
// with exit code 2, a message naming the flag, and the usage.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectRefused, QUIET_FLAGS, startCli } from "../helpers/cli.js";

describe("the command line refuses wrong flag values before starting", () => {
  test("a port over 65535 is named as the flag, not as the listener's options.port", async () => {
    assert.match(
      await expectRefused(["--port", "99999"]),
      /--port must be a port from 0 to 65535, got "99999"/,
    );
    assert.match(
      await expectRefused(["--metrics-port", "65536"]),
      /--metrics-port must be a port from 0 to 65535, got "65536"/,
    );
    assert.match(await expectRefused([], { HERALD_PORT: "70000" }), /--port must be a port from 0 to 65535/);
  });

  test("an empty --host is refused instead of listening on every interface as http://:PORT", async () => {
    assert.match(await expectRefused(["--host", ""]), /--host needs a value/);
    assert.match(await expectRefused(["--metrics-host", ""]), /--metrics-host needs a value/);
  });

  test("a console credential shorter than 8 characters is refused, not a console silently off on loopback", async () => {
    assert.match(
      await expectRefused(["--console-credential", "short"]),
      /--console-credential \(or HERALD_CONSOLE_CREDENTIAL\) must be at least 8 characters long/,
    );
    assert.match(await expectRefused([], { HERALD_CONSOLE_CREDENTIAL: "1234567" }), /at least 8 characters/);
  });

  test("a short credential does not matter with the console off", async () => {
    const cli = startCli([...QUIET_FLAGS, "--no-console"], { HERALD_CONSOLE_CREDENTIAL: "short" });
    try {
      const line = await cli.line((l) => (l.startsWith("console:") ? l : undefined), "the console line");
      assert.equal(line, "console: off (--no-console)");
    } finally {
      await cli.stop();
    }
  });
});
