// `--gap-fill-ms` on the command line: how long a cluster node waits for a channel's earlier
// stored message before reading it from storage. Checked like the other flags, and applied.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { cliHelp, expectRefused, startCli } from "../helpers/cli.js";
import { redisSkipReason, startRedis } from "../helpers/redis.js";

describe("--gap-fill-ms", () => {
  test("is listed by --help with its variable and default", async () => {
    const help = await cliHelp();
    assert.match(help, /--gap-fill-ms MS/);
    assert.match(help, /HERALD_GAP_FILL_MS, default 300/);
  });

  test("bad values are refused naming the flag", async () => {
    for (const bad of ["-1", "1.5", "soon", "1e400"]) {
      assert.match(
        await expectRefused(["--redis", "redis://127.0.0.1:1", `--gap-fill-ms=${bad}`]),
        new RegExp(`--gap-fill-ms must be an integer >= 0, got "${bad.replace(".", "\\.")}"`),
      );
    }
    assert.match(
      await expectRefused(["--redis", "redis://127.0.0.1:1"], { HERALD_GAP_FILL_MS: "later" }),
      /--gap-fill-ms must be an integer >= 0, got "later"/,
    );
  });

  test("without --redis it is refused: a single server has no gaps to fill", async () => {
    assert.match(await expectRefused(["--gap-fill-ms", "100"]), /--gap-fill-ms needs --redis/);
  });

  test("a cluster node started with it uses it, and says so", { skip: redisSkipReason() }, async (t) => {
    // The test's redis-server does not keep this process alive while the children start: this does.
    const alive = setInterval(() => {}, 1000);
    const redis = await startRedis();
    const dir = mkdtempSync(path.join(tmpdir(), "herald-gap-flag-"));
    t.after(async () => {
      await redis.close();
      clearInterval(alive);
      rmSync(dir, { recursive: true, force: true });
    });
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const cli = startCli(
        ["--port", "0", "--db", path.join(dir, "node.db"), "--log-level", "silent", "--no-console", ...args],
        { HERALD_TOKEN_SECRET: "a-secret-long-enough-for-tests-0123456789", ...env },
      );
      try {
        return await cli.line((l) => (l.startsWith("cluster node") ? l : undefined), "the cluster line");
      } finally {
        await cli.stop();
      }
    };
    assert.match(
      await run(["--redis", redis.url, "--gap-fill-ms", "75"]),
      /channel gaps filled after 75 ms$/,
    );
    assert.match(await run(["--redis", redis.url], { HERALD_GAP_FILL_MS: "0" }), /after 0 ms$/);
    assert.match(await run(["--redis", redis.url]), /after 300 ms$/);
  });
});
