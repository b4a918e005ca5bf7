import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { parseRates } from "../../src/server/limits/parse-rates.js";
import { openDatabase } from "../../src/server/storage/database.js";
import { repo } from "../build/bundle-graph.js";
import { cliHelp, QUIET_FLAGS, startCli } from "../helpers/cli.js";
import { authenticate, rest } from "../helpers/server.js";

describe("operations options", () => {
  test("rates are read as NAME=BURST/PER_SECOND or off, and mistakes are named", () => {
    assert.deepEqual(parseRates(["messages=20/10", "joins=off", "signUps=5/0.5"]), {
      messages: { burst: 20, perSecond: 10 },
      joins: false,
      signUps: { burst: 5, perSecond: 0.5 },
    });
    assert.equal(parseRates(["all=off"]), false);
    assert.match(String(parseRates(["chats=1/1"])), /unknown rate limit "chats"/);
    assert.match(String(parseRates(["messages=fast"])), /BURST\/PER_SECOND/);
    assert.match(String(parseRates(["messages=0/1"])), /BURST\/PER_SECOND/);
  });

  test("the durability setting reaches SQLite: normal by default, full when asked", async () => {
    const normal = await openDatabase(":memory:");
    const full = await openDatabase(":memory:", { synchronous: "full" });
    try {
      // SQLite numbers them 1 (NORMAL) and 2 (FULL).
      assert.equal(normal.pragma("synchronous", { simple: true }), 1);
      assert.equal(full.pragma("synchronous", { simple: true }), 2);
    } finally {
      normal.close();
      full.close();
    }
  });

  test("the CLI takes rate, cap and metrics flags and prints the metrics address", async () => {
    const cli = startCli([
      ...QUIET_FLAGS,
      "--rate",
      "restCalls=2/0.001",
      "--sockets-per-user",
      "3",
      "--synchronous",
      "full",
      "--metrics-port",
      "0",
    ]);
    try {
      const found = {
        url: await cli.line((line) => /listening on (http:\/\/\S+)/.exec(line)?.[1], "the server's address"),
        metrics: await cli.line((line) => /metrics on (http:\/\/\S+)/.exec(line)?.[1], "the metrics address"),
      };
      const url = found.url as string;
      const user = await authenticate(url);
      assert.equal((await rest(url, "GET", "/v2/account", { token: user.token })).status, 200);
      assert.equal((await rest(url, "GET", "/v2/account", { token: user.token })).status, 200);
      const limited = await rest(url, "GET", "/v2/account", { token: user.token });
      assert.equal(limited.status, 429);
      const metrics = await (await fetch(found.metrics as string)).text();
      assert.match(metrics, /^herald_rate_limit_hits_total\{limit="restCalls"\} 1$/m);
    } finally {
      await cli.stop();
    }
  });

  test("the CLI takes the body and frame size limits", async () => {
    const cli = startCli([...QUIET_FLAGS, "--max-body-bytes", "300", "--max-frame-bytes", "200"]);
    try {
      const url = await cli.line(
        (line) => /listening on (http:\/\/\S+)/.exec(line)?.[1],
        "the server's address",
      );
      const user = await authenticate(url);
      const account = (name: string) =>
        rest(url, "PUT", "/v2/account", { token: user.token, body: { display_name: name } });
      assert.equal((await account("x".repeat(100))).status, 200);
      assert.equal((await account("x".repeat(400))).status, 413);
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws?token=${user.token}`);
      await once(ws, "open");
      const closed = once(ws, "close");
      ws.send(JSON.stringify({ cid: "1", status_update: { status: "y".repeat(300) } }));
      const [code] = await closed;
      assert.equal(code, 1009);
    } finally {
      await cli.stop();
    }
  });

  test("the CLI refuses a malformed rate with its usage", async () => {
    const cli = startCli(["--rate", "messages=lots"]);
    const code = await cli.exited;
    const stderr = cli.stderr;
    assert.equal(code, 2);
    assert.match(stderr, /--rate messages takes BURST\/PER_SECOND/);
  });

  test("docs/server.md names exactly the CLI's flags, each with its environment variable", async () => {
    const help = await cliHelp();
    const cliFlags = new Set([...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]));
    cliFlags.delete("--help");
    const docs = readFileSync(path.join(repo, "docs/server.md"), "utf8");
    const table = docs.slice(docs.indexOf("| flag "), docs.indexOf("Flags win over environment variables"));
    const rows = [...table.matchAll(/^\| `(--[a-z-]+)[^`]*` +\| `([A-Z_]+)[^`]*`/gm)];
    const documented = new Set(rows.map((m) => m[1]));
    assert.ok(cliFlags.size > 15, `flags read from --help: ${[...cliFlags].join(" ")}`);
    assert.deepEqual([...documented].sort(), [...cliFlags].sort());
    assert.equal(rows.length, documented.size, "each flag has one row");
    for (const [, flag, env] of rows) assert.ok(help.includes(`(${env}`), `${flag}'s ${env} is in --help`);
    // The limits section's table names every limit flag too.
    const limits = docs.slice(docs.indexOf("### Every limit"), docs.indexOf("## Session expiry"));
    for (const flag of [
      "--rate",
      "--channels-per-socket",
      "--follows-per-socket",
      "--sockets-per-user",
      "--max-total-buffered",
      "--max-body-bytes",
      "--max-frame-bytes",
      "--request-timeout-ms",
    ])
      assert.ok(limits.includes(`\`${flag}`), `${flag} in the limits table`);
  });
});
